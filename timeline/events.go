package timeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Event is one event of a run, as krun's --events stream records it (one
// JSON object per line: see the README). A timeline uses these kinds:
// "start" (a try started), "retry" and "finish" (a try ended; finish is
// the job's last), "halt" and "breaker"; it ignores the others.
type Event struct {
	Kind    string
	Time    time.Time
	Seq     int64
	Slot    int    // the job slot, from 1; 0 if unknown
	Host    string // "" or ":" for the local machine
	Command string
	Attempt int // the try, from 1
	// For retry and finish: how the try ended.
	Exit     int
	Signal   int
	Duration time.Duration
	TimedOut bool   // ended by --timeout
	Killed   bool   // ended by krun
	Error    string // why the job could not start
	// For halt and breaker: what happened.
	Message string
}

// Recorder collects the events of a run as they happen, for a timeline
// drawn at its end. Its methods are safe to call from several goroutines
// at once. The zero value is not ready: use [NewRecorder].
type Recorder struct {
	mu sync.Mutex
	b  builder
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{b: newBuilder()} }

// Add records e. It keeps what a timeline draws (a few dozen bytes and the
// first characters of the command per try), not the event.
func (r *Recorder) Add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.b.add(e)
}

// Run returns the run recorded: the same [Run] that [Read] returns for
// the --events file of the same events. Tries that started and did not
// end are unfinished. Call it once the run is over: the bars are handed
// over, not copied, and a later Add or Run may reorder them.
func (r *Recorder) Run() *Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.b.run()
}

// builder turns events into bars and marks.
type builder struct {
	open  map[tryKey]openTry // tries that started and have not ended
	bars  []Bar
	marks []Mark
	last  int64 // the latest time seen
	any   bool  // an event was added
}

type tryKey struct {
	seq     int64
	attempt int
	host    string
}

type openTry struct {
	start   int64
	slot    int
	command string
}

func newBuilder() builder { return builder{open: map[tryKey]openTry{}} }

// nanos converts seconds to nanoseconds, rounding. Durations pass through
// it from both sources, so that a Recorder and the --events file of the
// same run agree to the nanosecond.
func nanos(seconds float64) int64 { return int64(math.Round(seconds * 1e9)) }

func (b *builder) add(e Event) {
	t := e.Time.UnixNano()
	if !b.any || t > b.last {
		b.last = t
	}
	b.any = true
	key := tryKey{seq: e.Seq, attempt: max(e.Attempt, 1), host: normHost(e.Host)}
	switch e.Kind {
	case "start":
		b.open[key] = openTry{start: t, slot: e.Slot, command: clip(e.Command, maxText)}
	case "finish", "retry":
		d := max(nanos(e.Duration.Seconds()), 0)
		bar := Bar{
			Seq: e.Seq, Attempt: key.attempt, Host: key.host, Slot: e.Slot,
			Start: t - d, Exit: e.Exit, Signal: e.Signal,
			Command: clip(e.Command, maxText), Error: clip(e.Error, maxText),
		}
		if o, ok := b.open[key]; ok {
			delete(b.open, key)
			bar.Start = o.start
			if bar.Slot == 0 {
				bar.Slot = o.slot
			}
			if bar.Command == "" {
				bar.Command = o.command
			}
		}
		bar.End = bar.Start + d
		b.last = max(b.last, bar.End)
		switch {
		case e.Kind == "retry":
			bar.Outcome, bar.TimedOut = Retried, e.TimedOut
		case e.Error != "":
			bar.Outcome = Failed
		case e.TimedOut:
			bar.Outcome = TimedOut
		case e.Killed:
			bar.Outcome = Halted
		case e.Exit != 0 || e.Signal != 0:
			bar.Outcome = Failed
		default:
			bar.Outcome = OK
		}
		b.bars = append(b.bars, bar)
	case "halt", "breaker":
		b.marks = append(b.marks, Mark{Kind: e.Kind, Time: t, Message: clip(e.Message, 2*maxText)})
	}
}

// run returns the bars and marks so far, sorted; the tries still open are
// unfinished bars ending at the latest time seen.
func (b *builder) run() *Run {
	// The bars are sorted in place (their order is no one else's) and not
	// copied unless tries are open: a Recorder of a long run holds one
	// copy of them, not two.
	r := &Run{Bars: b.bars[:len(b.bars):len(b.bars)], Marks: append([]Mark(nil), b.marks...)}
	if b.any {
		r.Format = "krun events"
	}
	for k, o := range b.open {
		r.Bars = append(r.Bars, Bar{Seq: k.seq, Attempt: k.attempt, Host: k.host, Slot: o.slot,
			Start: o.start, End: max(b.last, o.start), Outcome: Unfinished, Command: o.command})
	}
	sortRun(r)
	return r
}

// eventLine is one line of an --events file: the fields a timeline uses.
type eventLine struct {
	Event    *string  `json:"event"`
	Time     *string  `json:"time"`
	Seq      int64    `json:"seq"`
	Slot     int      `json:"slot"`
	Host     string   `json:"host"`
	Command  string   `json:"command"`
	Attempt  int      `json:"attempt"`
	Exit     int      `json:"exit"`
	Signal   int      `json:"signal"`
	Duration *float64 `json:"duration"`
	TimedOut bool     `json:"timed_out"`
	Killed   bool     `json:"killed"`
	Error    string   `json:"error"`
	Message  string   `json:"message"`
}

// jobEvents are the kinds of event about one job, which need a seq.
var jobEvents = map[string]bool{"start": true, "finish": true, "retry": true, "timeout": true}

// parseEvent parses one line of an --events file. The error says what is
// wrong, in one line, without the file and line number.
func parseEvent(line []byte) (Event, error) {
	var l eventLine
	if err := json.Unmarshal(line, &l); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return Event{}, fmt.Errorf("not valid JSON: %s", oneLine(se.Error()))
		case errors.As(err, &te) && te.Field != "":
			return Event{}, fmt.Errorf("field %q: want a %s, got %s", te.Field, te.Type, te.Value)
		case errors.As(err, &te):
			return Event{}, fmt.Errorf("want a JSON object, got %s", te.Value)
		}
		return Event{}, fmt.Errorf("not an event: %s", oneLine(err.Error()))
	}
	switch {
	case l.Event == nil:
		return Event{}, errors.New(`no "event" field`)
	case l.Time == nil:
		return Event{}, errors.New(`no "time" field`)
	}
	e := Event{Kind: *l.Event, Seq: l.Seq, Slot: l.Slot, Host: l.Host, Command: l.Command,
		Attempt: l.Attempt, Exit: l.Exit, Signal: l.Signal, TimedOut: l.TimedOut,
		Killed: l.Killed, Error: l.Error, Message: l.Message}
	t, err := time.Parse(time.RFC3339Nano, *l.Time)
	if err != nil {
		return Event{}, fmt.Errorf("time %q is not an RFC 3339 time", clip(*l.Time, 40))
	}
	if sec := t.Unix(); sec < 0 || sec >= maxStart {
		return Event{}, fmt.Errorf("time %q is out of range (1970 to 2191)", clip(*l.Time, 40))
	}
	e.Time = t
	if l.Duration != nil {
		d := *l.Duration
		if d < 0 || d >= maxDuration {
			return Event{}, fmt.Errorf("duration %v is out of range", d)
		}
		e.Duration = time.Duration(nanos(d))
	}
	switch {
	case jobEvents[e.Kind] && e.Seq < 1:
		return Event{}, fmt.Errorf("%q event without a seq (a job number from 1)", e.Kind)
	case e.Slot < 0:
		return Event{}, fmt.Errorf("slot %d is negative", e.Slot)
	case e.Attempt < 0:
		return Event{}, fmt.Errorf("attempt %d is negative", e.Attempt)
	}
	return e, nil
}
