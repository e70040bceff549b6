//go:build !linux

package runner

// argMax is a conservative limit on the arguments and environment of an
// exec together where krun does not compute it (macOS has 1 MiB).
func argMax() int { return 512 << 10 }
