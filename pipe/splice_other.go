//go:build unix && !linux

package pipe

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// cloexecPipe makes a pipe whose ends are closed on exec: without pipe2,
// under the fork lock, so that no child started meanwhile inherits them.
func cloexecPipe() (fds [2]int, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err = unix.Pipe(fds[:]); err != nil {
		return fds, err
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return fds, nil
}

func growPipe(int, int) {}

// spliceFD: splice(2) is Linux's; elsewhere the bytes are copied.
func spliceFD(int, *int64, int, int) (int, error) { return 0, errNoSplice }
