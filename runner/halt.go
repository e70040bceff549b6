package runner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HaltWhen is how a tripped --halt stops the run.
type HaltWhen int

const (
	// HaltNever never halts.
	HaltNever HaltWhen = iota
	// HaltSoon starts no new job and waits for the running ones.
	HaltSoon
	// HaltNow also ends the running jobs.
	HaltNow
)

// HaltOn is what a --halt counts.
type HaltOn int

const (
	HaltOnFail    HaltOn = iota // count failed jobs
	HaltOnSuccess               // count jobs that succeeded
	HaltOnDone                  // count finished jobs, either way
)

// HaltPolicy is a --halt rule, with GNU parallel's grammar.
type HaltPolicy struct {
	When HaltWhen
	On   HaltOn
	// Count trips the rule after that many jobs; Percent (when > 0) after
	// that share of the finished jobs, once at least 3 have finished.
	Count   int
	Percent float64
	text    string
}

// minPercentJobs is how many jobs must have finished before a percentage
// rule can trip: one failure out of one is not a rate.
const minPercentJobs = 3

// ParseHalt parses never, 0, 1, 2 and (soon|now),(fail|success|done)=(N|P%).
func ParseHalt(s string) (HaltPolicy, error) {
	p := HaltPolicy{text: s}
	switch s {
	case "never", "0":
		return p, nil
	case "1":
		return HaltPolicy{When: HaltSoon, On: HaltOnFail, Count: 1, text: s}, nil
	case "2":
		return HaltPolicy{When: HaltNow, On: HaltOnFail, Count: 1, text: s}, nil
	}
	bad := fmt.Errorf("invalid halt rule %q: want never, soon|now,fail|success|done=N or =P%%", s)
	when, rule, ok := strings.Cut(s, ",")
	if !ok {
		return p, bad
	}
	switch when {
	case "soon":
		p.When = HaltSoon
	case "now":
		p.When = HaltNow
	default:
		return p, bad
	}
	on, value, ok := strings.Cut(rule, "=")
	if !ok {
		return p, bad
	}
	switch on {
	case "fail":
		p.On = HaltOnFail
	case "success":
		p.On = HaltOnSuccess
	case "done":
		p.On = HaltOnDone
	default:
		return p, bad
	}
	if pct, isPct := strings.CutSuffix(value, "%"); isPct {
		v, err := strconv.ParseFloat(pct, 64)
		if err != nil || v <= 0 || v > 100 || math.IsNaN(v) {
			return p, bad
		}
		p.Percent = v
		return p, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return p, bad
	}
	p.Count = n
	return p, nil
}

// String returns the rule as given.
func (p HaltPolicy) String() string { return p.text }

// tripped reports whether the rule trips after a job ended, given the
// counts of finished, failed and succeeded jobs so far.
func (p HaltPolicy) tripped(done, failed, succeeded int) bool {
	if p.When == HaltNever {
		return false
	}
	n := map[HaltOn]int{HaltOnFail: failed, HaltOnSuccess: succeeded, HaltOnDone: done}[p.On]
	if p.Percent > 0 {
		return done >= minPercentJobs && float64(n)*100 >= p.Percent*float64(done)
	}
	return n >= p.Count
}
