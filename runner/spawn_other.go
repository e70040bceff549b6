//go:build !linux

package runner

import (
	"os"
	"syscall"
)

// Elsewhere a child is waited for by a thread blocked in wait4.
func pidfdWorks() bool                    { return false }
func askPidfd(*syscall.SysProcAttr, *int) {}
func pollablePidfd(int) *os.File          { return nil }

// cloexecPipe makes a pipe whose descriptors close on exec.
func cloexecPipe() ([2]int, error) {
	var fds [2]int
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(fds[:]); err != nil {
		return fds, os.NewSyscallError("pipe", err)
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	return fds, nil
}
