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

// waitExit waits for the child to exit; elsewhere than on Linux it reaps
// it too (reap then returns its status), and its pid may be given to
// another process before its group is signalled for the last time.
func (c *child) waitExit() { c.reap() }

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
