//go:build unix && !linux

package pipe

func growPipe(int, int) {}

// spliceFD: splice(2) is Linux's; elsewhere the bytes are copied.
func spliceFD(int, *int64, int, int) (int, error) { return 0, errNoSplice }
