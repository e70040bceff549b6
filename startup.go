package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// minOpenFiles is the fewest descriptors krun starts with. Measured on
// Linux, a run with one job needs 17 at once: the standard three, the Go
// runtime's poller (two) and its cgroup CPU files (up to two), /dev/null
// for the jobs' input, the guardian's pipe and pidfd, and while a job
// starts its two output pipes, its pidfd and exec's error pipe; three
// more leave room for a descriptor krun inherited. Below it the runtime
// itself may die on its first poller call with a page of trace, or no
// job can start, so krun checks first.
const minOpenFiles = 20

// checkStartup refuses conditions under which krun cannot keep its
// promises, each with one line: too few descriptors, a closed stdout.
func checkStartup() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < minOpenFiles {
		if lim.Max >= minOpenFiles {
			lim.Cur = minOpenFiles
			if unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) == nil {
				return nil
			}
		}
		return fmt.Errorf("too few open files allowed: ulimit -n is %d, krun needs at least %d", lim.Cur, minOpenFiles)
	}
	if closedStdout() {
		return errors.New("standard output is closed (>&-): the jobs' output would be lost; redirect it to /dev/null to discard it")
	}
	return nil
}

// closedStdout reports whether descriptor 1 was closed when krun started:
// the Go runtime then opens /dev/null read-write on it, where ">/dev/null"
// opens it write-only (so "1<>/dev/null" is taken for a closed stdout).
func closedStdout() bool {
	flags, err := unix.FcntlInt(1, unix.F_GETFL, 0)
	if err != nil || flags&unix.O_ACCMODE != unix.O_RDWR {
		return false
	}
	var st, null unix.Stat_t
	if unix.Fstat(1, &st) != nil || unix.Stat(os.DevNull, &null) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == null.Rdev
}
