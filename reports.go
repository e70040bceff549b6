package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krun-dev/krun/lockfile"
	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// reports are the records of a run that krun keeps besides the jobs'
// output: joblog, events, JUnit, results, and which jobs to skip.
type reports struct {
	observers output.Observers
	joblog    *lockfile.Appender
	jobLogW   *output.JobLog
	events    *output.Events
	eventsF   interface{ Close() error }
	resultsF  interface{ Close() error } // --results out.json, .csv, .tsv
	junit     *output.JUnit
	junitPath string
	timeline  *timelineReport // --timeline
	stderr    io.Writer       // for krun's own lines once the sink is closed
	skip      func(seq int64) bool
	appenders []*lockfile.Appender // --append, --append-stderr
	trace     *chaosTrace          // --chaos-trace (krun chaos)
}

// openReports opens every report file before any job starts, so that an
// unwritable joblog is a usage error and not a surprise at the end: first
// the jobs to skip (--shard, --resume), then the checks that change
// nothing, then the opening, each report by its own method, with one
// clean-up path for every failure. ctx ends a wait for the reader of a
// FIFO.
func (o *config) openReports(ctx context.Context, outOpt output.Options) (_ *reports, _ output.Sink, err error) {
	rep := &reports{stderr: outOpt.Stderr}
	if rep.skip, err = o.skipRule(); err != nil {
		return nil, nil, err
	}
	sink := output.New(outOpt)
	if o.dryRun {
		// Show what would run (--resume and --shard apply) and touch no
		// file.
		return rep, sink, nil
	}
	if err := o.checkReportFiles(); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			rep.close(ctx)
		}
	}()
	if err := o.openJobLog(ctx, rep, sink, outOpt); err != nil {
		return nil, nil, err
	}
	if err := o.openEvents(ctx, rep, sink); err != nil {
		return nil, nil, err
	}
	if o.junit != "" {
		rep.junitPath = o.junit
		rep.junit = output.NewJUnit(o.junit)
		rep.observers = append(rep.observers, rep.junit)
	}
	if sink, err = o.openAppends(ctx, rep, sink, outOpt); err != nil {
		return nil, nil, err
	}
	if sink, err = o.openResults(ctx, rep, sink, outOpt); err != nil {
		return nil, nil, err
	}
	if o.timeline != "" {
		rep.timeline = newTimelineReport(o.timeline)
		rep.observers = append(rep.observers, rep.timeline)
	}
	if o.chaosTrace != "" {
		// Last: its first snapshot sees the other reports created.
		if rep.trace, err = o.openChaosTrace(ctx); err != nil {
			return nil, nil, err
		}
		rep.observers = append(rep.observers, rep.trace.tracer)
	}
	return rep, sink, nil
}

// skipRule is the jobs to skip: not in this shard (--shard), or already
// done by the run of --joblog (--resume, --resume-failed); nil for none.
func (o *config) skipRule() (func(seq int64) bool, error) {
	var skips []func(int64) bool
	if o.shard != nil {
		skips = append(skips, o.shard.Skips)
	}
	if o.resume || o.resumeFailed {
		// The joblog is read first: a FIFO or device there would hang the
		// read or never end it.
		if kind, err := outfile.Inspect(o.jobLog); err == nil && kind == outfile.Stream {
			return nil, fmt.Errorf("--joblog: %s is not a regular file: --resume reads what it holds", o.jobLog)
		}
		done, err := output.ReadJobLog(o.jobLog)
		if err != nil {
			return nil, fmt.Errorf("--joblog: %w", err)
		}
		retryFailed := o.resumeFailed
		skips = append(skips, func(seq int64) bool {
			e, ok := done[seq]
			return ok && !(retryFailed && e.Failed)
		})
	}
	if len(skips) == 0 {
		return nil, nil
	}
	return func(seq int64) bool {
		for _, s := range skips {
			if s(seq) {
				return true
			}
		}
		return false
	}, nil
}

// checkReportFiles checks, changing nothing, that every report file can
// be written, so that a rejected invocation truncates no file.
func (o *config) checkReportFiles() error {
	for _, f := range []struct{ flag, path string }{
		{"--joblog", o.jobLog}, {"--events", o.events}, {"--junit", o.junit},
		{"--append", o.appendOut}, {"--append-stderr", o.appendErr},
	} {
		if f.path == "" || f.path == "-" && f.flag == "--events" {
			continue
		}
		if err := outfile.Check(f.path); err != nil {
			return fmt.Errorf("%s: %w", f.flag, err)
		}
	}
	if o.results != "" {
		if err := checkResultsDir(o.results); err != nil {
			return fmt.Errorf("--results: %w", err)
		}
	}
	if o.timeline != "" {
		if err := checkTimelinePath(o.timeline); err != nil {
			return fmt.Errorf("--timeline: %w", err)
		}
	}
	if o.lockFile != "" {
		if err := checkLockFile(o.lockFile); err != nil {
			return fmt.Errorf("--lock-file: %w", err)
		}
	}
	return nil
}

// openJobLog opens --joblog: a new run starts a new joblog, as GNU
// parallel does; --resume and +FILE append to it.
func (o *config) openJobLog(ctx context.Context, rep *reports, sink output.Sink, outOpt output.Options) error {
	if o.jobLog == "" {
		return nil
	}
	mode := outfile.Truncate
	if o.resume || o.resumeFailed || o.jobLogAppend {
		mode = outfile.Append
	}
	f, err := outfile.Open(ctx, o.jobLog, mode, waitNotice(sink, "--joblog", o.jobLog))
	if err != nil {
		return fmt.Errorf("--joblog: %w", err)
	}
	rep.joblog = lockfile.NewAppender(f, "")
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("--joblog: %w", err)
	}
	size := int64(0)
	if fi.Mode().IsRegular() {
		size = fi.Size()
	}
	if rep.jobLogW, err = output.NewJobLog(outOpt.Context, rep.joblog, o.jobLog, size); err != nil {
		return fmt.Errorf("--joblog: %w", err)
	}
	rep.observers = append(rep.observers, rep.jobLogW)
	return nil
}

// openEvents opens --events: a file, or - for krun's stderr.
func (o *config) openEvents(ctx context.Context, rep *reports, sink output.Sink) error {
	switch o.events {
	case "":
		return nil
	case "-":
		rep.events = output.NewEvents(func(line []byte) error {
			sink.Message(strings.TrimSuffix(string(line), "\n"))
			return nil
		}, "stderr")
	default:
		f, err := outfile.Open(ctx, o.events, outfile.Truncate, waitNotice(sink, "--events", o.events))
		if err != nil {
			return fmt.Errorf("--events: %w", err)
		}
		rep.eventsF = f
		rep.events = output.NewEventsWriter(f, o.events)
	}
	rep.observers = append(rep.observers, rep.events)
	return nil
}

// openAppends opens --append and --append-stderr and wraps sink so that
// the jobs' streams go there.
func (o *config) openAppends(ctx context.Context, rep *reports, sink output.Sink, outOpt output.Options) (output.Sink, error) {
	if o.appendOut == "" && o.appendErr == "" {
		return sink, nil
	}
	aopt := output.AppendOptions{KeepOrder: o.keepOrder}
	for _, a := range []struct {
		path, flag string
		to         *output.BlockAppender
	}{{o.appendOut, "--append", &aopt.Stdout}, {o.appendErr, "--append-stderr", &aopt.Stderr}} {
		if a.path == "" {
			continue
		}
		f, err := outfile.Open(ctx, a.path, outfile.Append, waitNotice(sink, a.flag, a.path))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.flag, err)
		}
		ap := lockfile.NewAppender(f, o.lockFile)
		flag := a.flag
		ap.Notify = func(msg string) { sink.Message(noteLine("%s: %s", flag, msg)) }
		rep.appenders = append(rep.appenders, ap)
		*a.to = ap
	}
	return output.NewAppend(sink, outOpt, aopt), nil
}

// openResults opens --results and wraps sink so that the jobs' output is
// saved there too.
func (o *config) openResults(ctx context.Context, rep *reports, sink output.Sink, outOpt output.Options) (output.Sink, error) {
	if o.results == "" {
		return sink, nil
	}
	ropt := output.ResultsOptions{Name: o.results, FileName: o.results, TmpDir: o.tmpDir, Layout: o.resultsLayout,
		Notify: func(msg string) { sink.Message(noteLine("--results: %s", msg)) }}
	switch {
	case ropt.Layout < output.ResultsJSON:
	case resultsOnStdout(o.results):
		ropt.File, ropt.FileName = outOpt.Stdout, "stdout"
	default:
		f, err := outfile.Open(ctx, o.results, outfile.Truncate, waitNotice(sink, "--results", o.results))
		if err != nil {
			return nil, fmt.Errorf("--results: %w", err)
		}
		rep.resultsF, ropt.File = f, f
	}
	res, err := output.NewResults(sink, ropt)
	if err != nil {
		return nil, fmt.Errorf("--results: %w", err)
	}
	return res, nil
}

// waitNotice returns the line krun prints when a report is a FIFO that
// nobody reads yet, so that the wait is not a silent hang.
func waitNotice(to interface{ Message(string) }, flag, path string) func() {
	return func() {
		to.Message(noteLine("%s: waiting for a reader of FIFO %s (Ctrl-C to stop)", flag, path))
	}
}

// lineWriter writes krun's lines straight to a stream.
type lineWriter struct{ w io.Writer }

// Message writes line and a newline.
func (l lineWriter) Message(line string) { fmt.Fprintln(l.w, line) }

// checkLockFile reports whether path can serve as a lock file: an existing
// regular file, or a new one in a writable directory. A FIFO or device
// would hang the open that takes the lock.
func checkLockFile(path string) error {
	kind, err := outfile.Inspect(path)
	switch {
	case err != nil:
		return err
	case kind == outfile.Stream:
		return fmt.Errorf("%s is not a regular file", path)
	case kind == outfile.Missing:
		return outfile.Check(path)
	}
	return nil
}

// checkResultsDir reports whether --results can write under dir: GNU's
// file forms (.json, .csv, .tsv) are files; otherwise the deepest part of
// the path that exists (before a per-job {#}) must be a directory krun may
// create in, as the directories below it are made.
func checkResultsDir(dir string) error {
	switch strings.ToLower(filepath.Ext(dir)) {
	case ".json", ".csv", ".tsv":
		if dir == "-.json" || dir == "-.csv" || dir == "-.tsv" {
			return nil // standard output
		}
		return outfile.Check(dir)
	}
	if i := strings.IndexByte(dir, '{'); i >= 0 {
		dir = dir[:i]
	}
	if dir == "" {
		dir = "."
	}
	for p, below := filepath.Clean(dir), false; ; p, below = filepath.Dir(p), true {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Errorf("%s is not a directory", p)
		case err == nil && below:
			return outfile.Check(filepath.Join(p, "x")) // may create in it
		case err == nil:
			return nil
		case !errors.Is(err, fs.ErrNotExist):
			return err
		case p == filepath.Dir(p):
			return nil
		}
	}
}

// finish tells the reports how the run ended: the counts, and how many
// jobs a halt left unstarted (-1: unknown).
func (r *reports) finish(res runner.Result, unstarted int64) {
	if r.junit != nil {
		r.junit.NotStarted(unstarted)
	}
	if r.events != nil {
		r.events.End(res, unstarted)
	}
}

// observer returns the run's observer, or nil when there are no reports.
func (r *reports) observer() runner.Observer {
	if len(r.observers) == 0 {
		return nil
	}
	return r.observers
}

// close writes the JUnit report and closes the files, returning the first
// failure of any report. ctx ends a wait for the reader of a FIFO.
func (r *reports) close(ctx context.Context) error {
	var errs []error
	if r.jobLogW != nil {
		errs = append(errs, r.jobLogW.Err())
	}
	if r.joblog != nil {
		errs = append(errs, r.joblog.Close())
	}
	if r.events != nil {
		errs = append(errs, r.events.Err())
	}
	if r.eventsF != nil {
		errs = append(errs, r.eventsF.Close())
	}
	if r.resultsF != nil {
		errs = append(errs, r.resultsF.Close())
	}
	if r.junit != nil {
		report, err := r.junit.Report()
		if err == nil {
			err = outfile.Replace(ctx, r.junitPath, report, waitNotice(lineWriter{r.stderr}, "--junit", r.junitPath))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--junit: %w", err))
		}
	}
	if r.timeline != nil {
		errs = append(errs, r.timeline.write(ctx, waitNotice(lineWriter{r.stderr}, "--timeline", r.timeline.path)))
	}
	for _, a := range r.appenders {
		errs = append(errs, a.Close())
	}
	errs = append(errs, r.trace.close())
	return errors.Join(errs...)
}

// notStarted is how many jobs a halt left unstarted: -1 when that is not
// known (the input was a stream, or -n/-X pack several records per job).
func notStarted(res runner.Result, o *config, total int64) int64 {
	switch {
	case !res.Halted:
		return 0
	case total < 0 || o.maxArgs > 1 || o.packs():
		return -1
	}
	return max(total-res.LastSeq, 0)
}

// summary is the one line krun prints when jobs failed or a halt cut the
// run short: how many failed and which, how many the halt ended, how many
// never started, and where to look.
func summary(res runner.Result, o *config, unstarted int64) string {
	if res.Failed == 0 && res.Ended == 0 && unstarted == 0 {
		return ""
	}
	var b strings.Builder
	if res.Failed > 0 {
		fmt.Fprintf(&b, msgPrefix+"%d of %d jobs failed (seq ", res.Failed, res.Started)
		for i, s := range slices.Sorted(slices.Values(res.FailedSeqs)) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprint(&b, s)
		}
		if res.Failed > len(res.FailedSeqs) {
			b.WriteString(", ...")
		}
		b.WriteString(")")
	} else {
		fmt.Fprintf(&b, msgPrefix+"%d jobs started, none failed", res.Started)
	}
	if res.Ended > 0 {
		fmt.Fprintf(&b, ", %d ended by --halt", res.Ended)
	}
	switch {
	case unstarted > 0:
		fmt.Fprintf(&b, ", %d not started", unstarted)
	case unstarted < 0:
		b.WriteString(", the rest of the input not started")
	}
	if o.jobLog != "" {
		fmt.Fprintf(&b, "; joblog: %s", o.jobLog)
	}
	return b.String()
}
