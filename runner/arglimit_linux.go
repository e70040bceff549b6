package runner

import "golang.org/x/sys/unix"

// argMax is Linux's limit on the arguments and environment of an exec
// together: a quarter of the stack limit, at most 3/4 of 8 MiB and at
// least 128 KiB (fs/exec.c, bprm_stack_limits).
func argMax() int {
	const lo, hi = 128 << 10, 6 << 20
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_STACK, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY {
		return hi
	}
	return int(max(min(rl.Cur/4, hi), lo))
}
