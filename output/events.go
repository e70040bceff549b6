package output

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/krun-dev/krun/runner"
)

// EventRecord is one line of the --events stream (JSON Lines). Fields that
// do not apply to an event are left out.
type EventRecord struct {
	Event    string   `json:"event"`              // start, finish, retry, timeout, breaker, halt, end
	Time     string   `json:"time"`               // RFC 3339 with nanoseconds
	Seq      int64    `json:"seq,omitempty"`      // the job's sequence number
	Slot     int      `json:"slot,omitempty"`     // the job slot it runs in, from 1 ({%})
	Host     string   `json:"host,omitempty"`     // the host it runs on, with -S (":" for the local machine)
	Args     []string `json:"args,omitempty"`     // the job's arguments
	Command  string   `json:"command,omitempty"`  // the command line run
	Attempt  int      `json:"attempt,omitempty"`  // the try, from 1
	Delay    float64  `json:"delay,omitempty"`    // seconds of --jitter waited before the first try (start)
	Exit     *int     `json:"exit,omitempty"`     // exit status (finish, retry)
	Signal   int      `json:"signal,omitempty"`   // the signal that ended the job
	Duration float64  `json:"duration,omitempty"` // seconds (finish, retry)
	Bytes    int64    `json:"bytes,omitempty"`    // output bytes, stdout and stderr
	TimedOut bool     `json:"timed_out,omitempty"`
	Killed   bool     `json:"killed,omitempty"` // krun ended the job
	Halted   bool     `json:"halted,omitempty"` // ... because a --halt rule tripped: not a failure
	// The counts of the run, in the last event ("end").
	Started    *int   `json:"started,omitempty"`
	Succeeded  *int   `json:"succeeded,omitempty"`
	Failed     *int   `json:"failed,omitempty"`
	Ended      *int   `json:"ended,omitempty"`       // by a --halt rule
	NotStarted *int64 `json:"not_started,omitempty"` // -1: the rest of the input
	Error      string `json:"error,omitempty"`       // why the job could not start
	Message    string `json:"message,omitempty"`
}

// Events writes every event as one JSON object per line. It is a
// runner.Observer.
type Events struct {
	mu   sync.Mutex
	w    func([]byte) error
	name string
	err  errOnce
}

// NewEvents returns an Events writing with w, which gets one whole line per
// call; name is the destination for error messages.
func NewEvents(w func(line []byte) error, name string) *Events {
	return &Events{w: w, name: name}
}

// NewEventsWriter returns an Events writing to w.
func NewEventsWriter(w io.Writer, name string) *Events {
	return NewEvents(func(b []byte) error { _, err := w.Write(b); return err }, name)
}

// Observe writes e.
func (ev *Events) Observe(e runner.Event) { ev.write(eventRecord(e)) }

// write writes one record as a line.
func (ev *Events) write(rec EventRecord) {
	line, err := json.Marshal(rec)
	if err != nil {
		ev.err.set(fmt.Errorf("events %s: %w", ev.name, err))
		return
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if err := ev.w(append(line, '\n')); err != nil {
		ev.err.set(fmt.Errorf("events %s: %w", ev.name, err))
	}
}

// End writes the last event, "end", with the counts of the run and how
// many jobs a halt left unstarted (-1: unknown).
func (ev *Events) End(res runner.Result, notStarted int64) {
	rec := EventRecord{Event: "end", Time: time.Now().Format(time.RFC3339Nano),
		Started: &res.Started, Succeeded: &res.Succeeded, Failed: &res.Failed, Ended: &res.Ended, NotStarted: &notStarted}
	ev.write(rec)
}

// Err returns the first failure to write an event.
func (ev *Events) Err() error { return ev.err.get() }

// eventRecord turns a runner event into its JSON form.
func eventRecord(e runner.Event) EventRecord {
	r := EventRecord{Event: string(e.Kind), Time: e.Time.Format(time.RFC3339Nano), Attempt: e.Attempt, Message: e.Message}
	if e.Job != nil {
		r.Seq, r.Slot, r.Args, r.Command = e.Job.Seq, e.Job.Slot, e.Job.Args, e.Job.Command
		r.Host = e.Job.Host
		if e.Kind == runner.EventStart && e.Attempt == 1 {
			r.Delay = e.Job.Delay.Seconds()
		}
	}
	if e.Kind == runner.EventFinish || e.Kind == runner.EventRetry {
		st := e.Status
		exit := st.Exit
		r.Exit = &exit
		r.Signal = int(st.Signal)
		r.Duration = st.Duration.Seconds()
		r.Bytes = st.Bytes
		r.TimedOut = st.TimedOut
		r.Killed = st.Killed
		r.Halted = st.Halted
		if st.Err != nil {
			r.Error = st.Err.Error()
		}
	}
	return r
}
