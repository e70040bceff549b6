package runner

import (
	"os"

	"golang.org/x/sys/unix"
)

// jobPipeSize is the capacity asked for each job's output pipe: with the
// default 64 KiB a job writing fast makes krun wake up for every few
// kilobytes; a larger pipe lets it move more per read. Failure (a limit in
// /proc/sys/fs/pipe-max-size) only leaves the default.
const jobPipeSize = 1 << 20

// growPipe enlarges the pipe of descriptor fd.
func growPipe(fd int) {
	unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, jobPipeSize)
}

// pending returns how many bytes wait unread in the pipe f.
func pending(f *os.File) int {
	n := 0
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) // FIONREAD
		})
	}
	return n
}
