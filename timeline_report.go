package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/runner"
	"github.com/krun-dev/krun/timeline"
)

// timelineReport is --timeline FILE: it records the run's events as they
// happen, keeping what the chart needs of each try, and draws the chart
// at the end. Its chart is byte for byte the one that krun timeline draws
// from the --events file of the same run. It is a runner.Observer.
type timelineReport struct {
	path string
	rec  *timeline.Recorder
}

// checkTimelinePath checks, before any job runs, that the chart can be
// written to path at the end of the run.
func checkTimelinePath(path string) error {
	if path == "-" {
		// As a file name it would surprise; as standard output it would
		// land in the middle of the jobs' output.
		return errors.New(`"-" is not a file: name one (/dev/stdout to write the chart there)`)
	}
	return outfile.Check(path)
}

func newTimelineReport(path string) *timelineReport {
	return &timelineReport{path: path, rec: timeline.NewRecorder()}
}

// Observe records e, with the fields --events writes for it.
func (t *timelineReport) Observe(e runner.Event) {
	te := timeline.Event{Kind: string(e.Kind), Time: e.Time, Attempt: e.Attempt, Message: e.Message}
	if e.Job != nil {
		te.Seq, te.Slot, te.Command = e.Job.Seq, e.Job.Slot, e.Job.Command
	}
	if e.Kind == runner.EventFinish || e.Kind == runner.EventRetry {
		st := e.Status
		te.Exit, te.Signal, te.Duration = st.Exit, int(st.Signal), st.Duration
		te.TimedOut, te.Killed = st.TimedOut, st.Killed || st.Halted
		if st.Err != nil {
			te.Error = st.Err.Error()
		}
	}
	t.rec.Add(te)
}

// write draws the chart into the file, by the rules of package outfile;
// ctx and waiting are for a FIFO with no reader yet.
func (t *timelineReport) write(ctx context.Context, waiting func()) error {
	var chart bytes.Buffer
	err := timeline.Render(&chart, t.rec.Run(), timeline.FormatOf(t.path), timeline.Options{})
	if err == nil {
		err = outfile.Replace(ctx, t.path, chart.Bytes(), waiting)
	}
	if err != nil {
		return fmt.Errorf("timeline %s: %w", t.path, err)
	}
	return nil
}
