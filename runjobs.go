package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// runJobs is the root command, in three steps: the configuration, checked
// with no I/O; the wiring, which resolves and opens everything before the
// first job starts, so that a usage error never leaves half a run behind;
// and the run.
func runJobs(ctx context.Context, o *options, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := newConfig(o, args, os.Getenv)
	if err != nil {
		return usageError(err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	l, err := wire(ctx, cfg, stdin, stdout, stderr)
	if err != nil {
		return err
	}
	defer l.release()
	res, err := runner.Run(ctx, l.runner, l.batches)
	return l.finish(res, err)
}

// finish reports how the run ended, closes the sink and the reports, and
// returns krun's exit status: 128+n after a signal, 141 after a closed
// stdout, 255 when krun itself failed, else the count of failed jobs.
func (l *launch) finish(res runner.Result, err error) error {
	unstarted := notStarted(res, l.cfg, l.total)
	l.rep.finish(res, unstarted)
	// The cause first, then the counts: a full disk before "3 of 10 jobs
	// failed". Said here, it is not said again at exit.
	causeSaid := err != nil && !errors.Is(err, syscall.EPIPE) && l.intr.signal() == nil
	if causeSaid {
		l.sink.Message(errorLine(err))
	}
	if line := summary(res, l.cfg, unstarted); line != "" && !errors.Is(err, syscall.EPIPE) {
		// Not after a closed stdout: the jobs krun ended are no news.
		l.sink.Message(line)
	}
	cerr := errors.Join(l.sink.Close(), l.rep.close(l.intr.fresh()))
	if sig := l.intr.signal(); sig != nil {
		// Stopped by a signal: 128+n, whatever waits it ended (a lock,
		// the reader of a FIFO), which the error names.
		if err == nil {
			err = cerr
		}
		return &exitError{code: signalCode(sig), err: err}
	}
	if err == nil {
		err = cerr
	}
	if l.dry != nil && err == nil {
		if ferr := l.dry.Flush(); ferr != nil {
			err = &output.WriteError{Stream: "stdout", Err: ferr}
		}
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return &exitError{code: exitBrokenPipe}
		}
		if causeSaid {
			// Said above; a closing error is news only if it is another.
			if cerr != nil && !strings.Contains(cerr.Error(), err.Error()) {
				return &exitError{code: exitUsage, err: cerr}
			}
			return &exitError{code: exitUsage}
		}
		return &exitError{code: exitUsage, err: err}
	}
	if code := res.ExitStatus(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// messages passes krun's lines to one destination, which may change
// before the run starts (not after: it is not safe for concurrent use).
type messages struct {
	to interface{ Message(string) }
}

// Message writes line.
func (m *messages) Message(line string) { m.to.Message(line) }
