//go:build unix

package pipe

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// newPipe returns a pipe whose write end is a plain blocking descriptor,
// written by one goroutine of krun's; the read end is the job's standard
// input. A larger pipe lets krun move more per call: 1 MiB, or size
// bytes where the system allows it.
func newPipe(size int) (r *os.File, w int, err error) {
	fds, err := cloexecPipe()
	if err != nil {
		return nil, -1, os.NewSyscallError("pipe", err)
	}
	growPipe(fds[1], size)
	return os.NewFile(uintptr(fds[0]), "|0"), fds[1], nil
}

// waitFor waits until fd is ready for events (unix.POLLIN or POLLOUT):
// for a descriptor someone else set to non-blocking mode.
func waitFor(fd int, events int16) error {
	for {
		_, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: events}}, -1)
		if err != unix.EINTR {
			return err
		}
	}
}

// readFD reads from fd into p; 0 bytes and no error at the end.
func readFD(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := waitFor(fd, unix.POLLIN); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, err
		}
		return n, nil
	}
}

// writeFD writes all of p to fd. EPIPE means the job no longer reads.
func writeFD(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := waitFor(fd, unix.POLLOUT); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		p = p[n:]
	}
	return nil
}

// errNoSplice says that splice(2) cannot move these bytes: copy them.
var errNoSplice = errors.New("splice not supported")

// closeFD closes a descriptor of krun's own.
func closeFD(fd int) { unix.Close(fd) }
