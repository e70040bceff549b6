package pipe

import "golang.org/x/sys/unix"

// cloexecPipe makes a pipe whose ends are closed on exec.
func cloexecPipe() (fds [2]int, err error) {
	err = unix.Pipe2(fds[:], unix.O_CLOEXEC)
	return fds, err
}

// growPipe asks for a pipe of size bytes, else of 1 MiB: a size above
// /proc/sys/fs/pipe-max-size (1 MiB by default) needs CAP_SYS_RESOURCE,
// and a failure only leaves the smaller pipe.
func growPipe(fd, size int) {
	if size > 1<<20 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, size); err == nil {
			return
		}
	}
	unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, 1<<20)
}

// spliceFD moves up to n bytes from src (from *off, or from its position
// when off is nil) into the pipe dst, without copying them through krun.
// It returns 0 and no error at the end of src, and errNoSplice when src
// cannot be spliced from.
func spliceFD(src int, off *int64, dst int, n int) (int, error) {
	for {
		m, err := unix.Splice(src, off, dst, nil, n, unix.SPLICE_F_MOVE)
		switch err {
		case nil:
			return int(m), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			// A non-blocking end: wait until both can move.
			if err := waitFor(src, unix.POLLIN); err != nil {
				return 0, err
			}
			if err := waitFor(dst, unix.POLLOUT); err != nil {
				return 0, err
			}
			continue
		case unix.EINVAL, unix.ENOSYS, unix.EBADF:
			return 0, errNoSplice
		}
		return 0, err
	}
}
