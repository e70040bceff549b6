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

// waitExit waits for the child to exit without reaping it (reap): the
// zombie keeps its pid, and its process group's number, from being
// given to another process meanwhile. With a pidfd the wait is in the
// poller, no thread blocked.
func (c *child) waitExit() {
	if c.pidfd != nil {
		if rc, err := c.pidfd.SyscallConn(); err == nil {
			if rc.Read(func(uintptr) bool { return exitedNoReap(c.pid, unix.WNOHANG) }) == nil {
				return
			}
		}
	}
	exitedNoReap(c.pid, 0)
}

// exitedNoReap waits, with options (WNOHANG: does not wait), for process
// pid to exit, leaving it to be reaped. It reports whether it has exited,
// or cannot be waited for (then reap says why).
func exitedNoReap(pid, options int) bool {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT|options, nil)
		if err != unix.EINTR {
			// With WNOHANG and the child still running, waitid
			// succeeds and leaves si_signo 0.
			return err != nil || info.Signo == int32(unix.SIGCHLD)
		}
	}
}

// cloexecPipe makes a pipe whose descriptors close on exec.
func cloexecPipe() ([2]int, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return fds, os.NewSyscallError("pipe2", err)
	}
	return fds, nil
}
