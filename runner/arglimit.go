package runner

import "strconv"

// maxCommandLine is the longest command line krun builds with -X and -m
// when the environment is small. On Linux one argument, here the "sh -c"
// string, is limited to 32 pages (MAX_ARG_STRLEN, 128 KiB with its
// terminating NUL).
const maxCommandLine = 128<<10 - 1

// execMargin is room kept for what a job's exec adds to the environment
// and the arguments besides the command line: the variables krun sets
// (KRUN_SEQ, PARALLEL_SEQ, ...), those of the direct path (PWD, SHLVL, _),
// the shell's path, "-c" and the kernel's own copy of the file name.
const execMargin = 8 << 10

// pointerSize is what each argument and environment string costs beside
// its bytes: the kernel counts its pointer against the same limit.
const pointerSize = 8

// CommandLineLimit returns the longest command line (the "sh -c" string)
// a job may be given when env is its environment: at most the limit on
// one argument, and no more than what the limit on arguments and
// environment together (ARG_MAX) leaves once env and a margin are
// counted. -X and -m fill command lines up to it.
func CommandLineLimit(env []string) int {
	left := argMax() - execMargin
	for _, kv := range env {
		left -= len(kv) + 1 + pointerSize
	}
	return max(min(maxCommandLine, left), 1)
}

// ArgsTooLongHint explains an exec failure for a command line over the
// limit: its length and the limit. It is empty when the line is not over.
func ArgsTooLongHint(command string, limit int) string {
	if len(command) <= limit {
		return ""
	}
	return " (the command line is " + strconv.Itoa(len(command)) + " bytes; the limit is " + strconv.Itoa(limit) + ")"
}
