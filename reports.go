package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/krun-dev/krun/lockfile"
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
	eventsF   *os.File
	junit     *output.JUnit
	timeline  *timelineReport // --timeline
	skip      func(seq int64) bool
	appenders []*lockfile.Appender // --append, --append-stderr
}

// openReports opens every report file before any job starts, so that an
// unwritable joblog is a usage error and not a surprise at the end.
func (o *options) openReports(outOpt output.Options) (*reports, output.Sink, error) {
	sink := output.New(outOpt)
	rep := &reports{}
	var skips []func(int64) bool
	if o.shard != "" || o.shardSet {
		sh, err := runner.ParseShard(o.shard)
		if err != nil {
			return nil, nil, fmt.Errorf("--shard: %w", err)
		}
		skips = append(skips, sh.Skips)
	}
	if (o.resume || o.resumeFailed) && o.jobLog == "" {
		return nil, nil, errors.New("--resume and --resume-failed need --joblog FILE to know what ran")
	}
	if o.resume || o.resumeFailed {
		done, err := output.ReadJobLog(o.jobLog)
		if err != nil {
			return nil, nil, fmt.Errorf("--joblog: %w", err)
		}
		retryFailed := o.resumeFailed
		skips = append(skips, func(seq int64) bool {
			e, ok := done[seq]
			return ok && !(retryFailed && e.Failed)
		})
	}
	if len(skips) > 0 {
		rep.skip = func(seq int64) bool {
			for _, s := range skips {
				if s(seq) {
					return true
				}
			}
			return false
		}
	}
	if o.dryRun {
		// Show what would run (--resume and --shard apply) and touch no
		// file.
		return rep, sink, nil
	}
	if o.timeline != "" {
		// Written at the end; checked now, before any file is touched.
		if err := checkTimelinePath(o.timeline); err != nil {
			return nil, nil, fmt.Errorf("--timeline: %w", err)
		}
	}
	if o.jobLog != "" {
		if !o.resume && !o.resumeFailed {
			// A new run starts a new joblog, as GNU parallel does.
			if err := os.Truncate(o.jobLog, 0); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, nil, fmt.Errorf("--joblog: %w", err)
			}
		}
		a, err := lockfile.OpenAppender(o.jobLog, "")
		if err != nil {
			return nil, nil, fmt.Errorf("--joblog: %w", err)
		}
		rep.joblog = a
		fi, err := os.Stat(o.jobLog)
		if err != nil {
			rep.close()
			return nil, nil, fmt.Errorf("--joblog: %w", err)
		}
		if rep.jobLogW, err = output.NewJobLog(a, o.jobLog, fi.Size()); err != nil {
			rep.close()
			return nil, nil, fmt.Errorf("--joblog: %w", err)
		}
		rep.observers = append(rep.observers, rep.jobLogW)
	}
	switch o.events {
	case "":
	case "-":
		rep.events = output.NewEvents(func(line []byte) error {
			sink.Message(strings.TrimSuffix(string(line), "\n"))
			return nil
		}, "stderr")
		rep.observers = append(rep.observers, rep.events)
	default:
		f, err := os.Create(o.events)
		if err != nil {
			rep.close()
			return nil, nil, fmt.Errorf("--events: %w", err)
		}
		rep.eventsF = f
		rep.events = output.NewEventsWriter(f, o.events)
		rep.observers = append(rep.observers, rep.events)
	}
	if o.junit != "" {
		// Fail now, not after an hour of jobs, if the report cannot be written.
		f, err := os.OpenFile(o.junit, os.O_WRONLY|os.O_CREATE, 0o666)
		if err != nil {
			rep.close()
			return nil, nil, fmt.Errorf("--junit: %w", err)
		}
		f.Close()
		rep.junit = output.NewJUnit(o.junit)
		rep.observers = append(rep.observers, rep.junit)
	}
	if o.lockFile != "" && o.appendOut == "" && o.appendErr == "" {
		rep.close()
		return nil, nil, errors.New("--lock-file locks the file of --append or --append-stderr: give one of them")
	}
	if o.appendOut != "" || o.appendErr != "" {
		var aopt output.AppendOptions
		for _, a := range []struct {
			path, flag string
			to         *output.BlockAppender
		}{{o.appendOut, "--append", &aopt.Stdout}, {o.appendErr, "--append-stderr", &aopt.Stderr}} {
			if a.path == "" {
				continue
			}
			ap, err := lockfile.OpenAppender(a.path, o.lockFile)
			if err != nil {
				rep.close()
				return nil, nil, fmt.Errorf("%s: %w", a.flag, err)
			}
			rep.appenders = append(rep.appenders, ap)
			*a.to = ap
		}
		aopt.KeepOrder = o.keepOrder
		sink = output.NewAppend(sink, outOpt, aopt)
	}
	if o.results != "" {
		res, err := output.NewResults(sink, o.results)
		if err != nil {
			rep.close()
			return nil, nil, fmt.Errorf("--results: %w", err)
		}
		sink = res
	}
	if o.timeline != "" {
		rep.timeline = newTimelineReport(o.timeline)
		rep.observers = append(rep.observers, rep.timeline)
	}
	return rep, sink, nil
}

// observer returns the run's observer, or nil when there are no reports.
func (r *reports) observer() runner.Observer {
	if len(r.observers) == 0 {
		return nil
	}
	return r.observers
}

// close writes the JUnit report and closes the files, returning the first
// failure of any report.
func (r *reports) close() error {
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
	if r.junit != nil {
		errs = append(errs, r.junit.Write())
	}
	if r.timeline != nil {
		errs = append(errs, r.timeline.write())
	}
	for _, a := range r.appenders {
		errs = append(errs, a.Close())
	}
	return errors.Join(errs...)
}

// summary is the one line krun prints when jobs failed: how many, which,
// and where to look.
func summary(res runner.Result, o *options) string {
	if res.Failed == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "krun: %d of %d jobs failed (seq ", res.Failed, res.Started)
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
	if o.jobLog != "" {
		fmt.Fprintf(&b, "; joblog: %s", o.jobLog)
	}
	return b.String()
}
