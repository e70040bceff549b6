package runner

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// pidfdWorks reports whether the kernel gives pidfds (Linux 5.3), which
// can be polled for the process's exit.
var pidfdWorks = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
})

// askPidfd asks ForkExec for the child's pidfd in *fd, when pidfds work.
func askPidfd(sys *syscall.SysProcAttr, fd *int) {
	if pidfdWorks() {
		sys.PidFD = fd
	}
}

// pollablePidfd turns a child's pidfd into a file in the poller: it turns
// readable when the process exits. nil when there is none.
func pollablePidfd(fd int) *os.File {
	if fd < 0 {
		return nil
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil
	}
	return os.NewFile(uintptr(fd), "pidfd")
}

// cloexecPipe makes a pipe whose descriptors close on exec.
func cloexecPipe() ([2]int, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return fds, os.NewSyscallError("pipe2", err)
	}
	return fds, nil
}
