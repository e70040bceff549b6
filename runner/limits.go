package runner

// MaxArgLen is the kernel's limit on one argument of a command, its
// terminating NUL included: on Linux MAX_ARG_STRLEN, 32 pages. A job's
// command line is one argument of "sh -c".
const MaxArgLen = maxCommandLine + 1

// ArgMax returns the limit on the arguments and environment of a command
// together (ARG_MAX), as the system reports it.
func ArgMax() int { return argMax() }
