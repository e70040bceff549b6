package main

import (
	"fmt"
	"os"
	"syscall"
)

// krun's exit statuses, in one table. A run of jobs exits with the number
// of failed jobs (runner.Result.ExitStatus: GNU parallel's rule, capped at
// 101) unless one of these applies; the helper commands exit with their
// own from this list.
const (
	// exitFailed: krun lint found something; krun chaos found a
	// difference; krun append, lock or sem could not do their part; a
	// krun lock or sem wait timed out (as flock(1) -w).
	exitFailed = 1
	// exitNotRunnable and exitNotFound: the COMMAND of krun lock or sem
	// cannot be run, or was not found, as sh reports them.
	exitNotRunnable = 126
	exitNotFound    = 127
	// exitSignal + n: krun was stopped by signal n (see signalCode).
	exitSignal = 128
	// exitBrokenPipe: krun's standard output was closed early
	// (krun ... | head), what a shell reports for a pipeline member killed
	// by SIGPIPE.
	exitBrokenPipe = exitSignal + int(syscall.SIGPIPE)
	// exitUsage: a bad flag, bad input or a setup error (no job was
	// started), or krun's own failure during the run (a full disk).
	exitUsage = 255
)

// signalCode is the exit status for sig: 128+n.
func signalCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return exitSignal + int(s)
	}
	return exitSignal + int(syscall.SIGTERM)
}

// exitError carries an exit status up to main.
type exitError struct {
	code int
	err  error // printed when not nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError wraps err as a usage error: exit status 255.
func usageError(err error) error { return &exitError{code: exitUsage, err: err} }

// failure wraps err as a helper command's failure: exit status 1.
func failure(err error) error { return &exitError{code: exitFailed, err: err} }
