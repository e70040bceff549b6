package timeline

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Outcome is how a try ended. Outcomes are ordered by severity: a bar that
// stands for several tries takes the colour of the worst of them.
type Outcome uint8

// The outcomes, least severe first.
const (
	OK         Outcome = iota // exit status 0
	Retried                   // a try that failed and was run again
	Halted                    // ended by krun: a --halt rule, a signal or a failed run
	Killed                    // joblog Exitval -1: ended by the runner, for a timeout, a halt or a signal
	Unfinished                // started, and no end was recorded (the runner was killed)
	TimedOut                  // ended by --timeout
	Failed                    // a non-zero exit status, a signal, or it could not start
	numOutcomes
)

// outcomeInfo holds each outcome's CSS class, legend label and colour.
var outcomeInfo = [numOutcomes]struct{ class, label, colour string }{
	OK:         {"ok", "ok", "#59a14f"},
	Retried:    {"retried", "failed, retried", "#edc948"},
	Halted:     {"halted", "ended by a halt or signal", "#9c6ade"},
	Killed:     {"killed", "killed (Exitval -1)", "#b07aa1"},
	Unfinished: {"unfinished", "no end recorded", "#9d9d9d"},
	TimedOut:   {"timeout", "timed out", "#f28e2b"},
	Failed:     {"failed", "failed", "#e15759"},
}

// String returns the outcome's short name: ok, retried, halted, killed,
// unfinished, timeout or failed.
func (o Outcome) String() string {
	if o >= numOutcomes {
		return "unknown"
	}
	return outcomeInfo[o].class
}

// failure reports whether a job whose last try ended so failed.
func (o Outcome) failure() bool {
	return o == Failed || o == TimedOut || o == Halted || o == Killed
}

// Bar is one try of a job.
type Bar struct {
	Seq     int64
	Attempt int    // the try, from 1
	Host    string // "" for the local machine
	Slot    int    // the job slot, from 1; 0 when the input does not say
	// Start and End are Unix times in nanoseconds.
	Start, End int64
	Outcome    Outcome
	TimedOut   bool // a retried try that --timeout ended
	Exit       int
	Signal     int
	Command    string // at most maxText characters
	Error      string // why the job could not start, if it could not
}

// Duration is the try's run time in nanoseconds.
func (b *Bar) Duration() int64 { return b.End - b.Start }

// Mark is an event of the run as a whole: a --halt rule that tripped, or a
// change of the circuit breaker.
type Mark struct {
	Kind    string // "halt" or "breaker"
	Time    int64  // Unix time in nanoseconds
	Message string
}

// Run is what a timeline draws: the tries of the jobs, and the marks.
type Run struct {
	// Format says where the run was read from: "krun events", "joblog" or
	// "" when the input held nothing.
	Format string
	Bars   []Bar  // sorted by start
	Marks  []Mark // sorted by time
}

// sortRun puts the bars and marks in their canonical order, so that the
// same tries give the same picture whatever order they were read in.
func sortRun(r *Run) {
	slices.SortStableFunc(r.Bars, func(a, b Bar) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Seq, b.Seq),
			cmp.Compare(a.Attempt, b.Attempt), strings.Compare(a.Host, b.Host),
			cmp.Compare(a.End, b.End), cmp.Compare(a.Slot, b.Slot))
	})
	slices.SortStableFunc(r.Marks, func(a, b Mark) int {
		return cmp.Or(cmp.Compare(a.Time, b.Time), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Message, b.Message))
	})
}

// The times and durations a timeline takes, in seconds: up to the year
// 2191 and 31 years, so that no end, and no span between two times,
// overflows nanoseconds in an int64.
const (
	maxStart    = 7e9
	maxDuration = 1e9
)

// maxText is the most characters of a command or message a timeline
// keeps: enough to recognise a job, and a bound on the file's size.
const maxText = 100

// clip returns s as valid UTF-8 (each invalid byte becomes U+FFFD, as
// encoding/json writes it), cut to at most n characters with an ellipsis.
func clip(s string, n int) string {
	if utf8.ValidString(s) && len(s) <= n {
		return s
	}
	var b strings.Builder
	i := 0
	for _, r := range s { // an invalid byte comes as utf8.RuneError
		if i == n {
			b.WriteRune('…')
			break
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}

// normHost returns the host of a try, "" for the local machine (":" in
// joblogs).
func normHost(h string) string {
	h = strings.TrimSpace(h)
	if h == ":" {
		return ""
	}
	return clip(h, 60)
}
