package runner

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BreakerPolicy configures the circuit breaker (--breaker): when the share
// of failures among the last Window finished jobs reaches FailPercent, no
// job starts for Cooldown (open); then exactly one job is let through
// (half-open), whose success closes the breaker and whose failure opens it
// again.
type BreakerPolicy struct {
	FailPercent float64
	Window      int
	Cooldown    time.Duration
}

// ParseBreaker parses "fail=P%,window=N,cooldown=D".
func ParseBreaker(s string) (BreakerPolicy, error) {
	p := BreakerPolicy{}
	bad := func(why string) (BreakerPolicy, error) {
		return p, fmt.Errorf("invalid breaker %q: %s (want fail=P%%,window=N,cooldown=D)", s, why)
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return bad("each setting once, as key=value")
		}
		seen[k] = true
		switch k {
		case "fail":
			pct, ok := strings.CutSuffix(v, "%")
			f, err := strconv.ParseFloat(pct, 64)
			if !ok || err != nil || f <= 0 || f > 100 {
				return bad("fail is a percentage above 0 and at most 100")
			}
			p.FailPercent = f
		case "window":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return bad("window is a number of jobs, at least 1")
			}
			p.Window = n
		case "cooldown":
			d, err := ParseDuration(v)
			if err != nil || d <= 0 {
				return bad("cooldown is a duration such as 30s")
			}
			p.Cooldown = d
		default:
			return bad("unknown setting " + k)
		}
	}
	if len(seen) != 3 {
		return bad("fail, window and cooldown are all needed")
	}
	return p, nil
}

// breakerState is where a circuit breaker stands.
type breakerState int

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalfOpen
)

func (s breakerState) String() string {
	return [...]string{"closed", "open", "half-open"}[s]
}

// breaker is the circuit breaker's state machine, owned by the run loop.
type breaker struct {
	policy  BreakerPolicy
	state   breakerState
	window  []bool // the last outcomes, true for a failure, oldest first
	probing bool   // half-open: the probe job is running
	probe   int64  // its sequence number
	reopen  <-chan time.Time
}

// allows reports whether a job may start now.
func (b *breaker) allows() bool {
	return b.state == breakerClosed || (b.state == breakerHalfOpen && !b.probing)
}

// started records that a job started; in half-open it is the probe.
func (b *breaker) started(seq int64) {
	if b.state == breakerHalfOpen {
		b.probing, b.probe = true, seq
	}
}

// finished records a job's outcome and returns a message when the state
// changed.
func (b *breaker) finished(seq int64, failed bool) string {
	if b.state == breakerHalfOpen && b.probing && seq == b.probe {
		b.probing = false
		if failed {
			return b.open(fmt.Sprintf("the probe job %d failed", seq))
		}
		b.state, b.window = breakerClosed, b.window[:0]
		return fmt.Sprintf("breaker closed: the probe job %d succeeded", seq)
	}
	if b.state != breakerClosed {
		return "" // jobs started before the breaker opened
	}
	b.window = append(b.window, failed)
	if len(b.window) > b.policy.Window {
		b.window = b.window[1:]
	}
	if len(b.window) < b.policy.Window {
		return ""
	}
	fails := 0
	for _, f := range b.window {
		if f {
			fails++
		}
	}
	if float64(fails)*100 >= b.policy.FailPercent*float64(len(b.window)) {
		return b.open(fmt.Sprintf("%d/%d of the last %d jobs failed", fails, len(b.window), len(b.window)))
	}
	return ""
}

// open opens the breaker for the cooldown.
func (b *breaker) open(why string) string {
	b.state = breakerOpen
	b.reopen = time.After(b.policy.Cooldown)
	return fmt.Sprintf("breaker open: %s; pausing %s", why, b.policy.Cooldown)
}

// cooled moves an open breaker to half-open when its cooldown ends.
func (b *breaker) cooled() string {
	b.reopen = nil
	b.state = breakerHalfOpen
	return "breaker half-open: letting one job through"
}
