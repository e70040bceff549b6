package runner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// TermStep is one step of a termination sequence: send Signal, then wait
// up to Wait for the job to end before the next step.
type TermStep struct {
	Signal syscall.Signal
	Wait   time.Duration
}

// DefaultTermSeq is krun's termination sequence: SIGTERM, 2 s, SIGKILL.
var DefaultTermSeq = []TermStep{{syscall.SIGTERM, 2 * time.Second}, {syscall.SIGKILL, 0}}

// ParseTermSeq parses a --termseq value: signal names and waits taking
// turns, as "TERM,2s,KILL" or GNU parallel's "TERM,200,TERM,100,KILL,25"
// (a bare number is milliseconds, as in GNU parallel). A sequence that does
// not end with KILL gets one, so that a job always ends.
func ParseTermSeq(s string) ([]TermStep, error) {
	fields := strings.Split(s, ",")
	var steps []TermStep
	for i := 0; i < len(fields); i++ {
		sig, err := parseSignal(fields[i])
		if err != nil {
			return nil, fmt.Errorf("invalid termseq %q: %w", s, err)
		}
		step := TermStep{Signal: sig}
		if i+1 < len(fields) {
			i++
			if step.Wait, err = parseWait(fields[i]); err != nil {
				return nil, fmt.Errorf("invalid termseq %q: %w", s, err)
			}
		}
		steps = append(steps, step)
	}
	if len(steps) == 0 {
		return nil, errors.New("invalid termseq: empty")
	}
	if steps[len(steps)-1].Signal != syscall.SIGKILL {
		steps = append(steps, TermStep{Signal: syscall.SIGKILL})
	}
	return steps, nil
}

// parseWait parses a wait of a termination sequence: a Go duration, or a
// number of milliseconds.
func parseWait(s string) (time.Duration, error) {
	if ms, err := strconv.ParseUint(s, 10, 32); err == nil {
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a wait (2s, 500ms, or milliseconds)", s)
	}
	return d, nil
}

// signalNames are the signals a termination sequence may send.
var signalNames = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "KILL": syscall.SIGKILL,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "TERM": syscall.SIGTERM, "ALRM": syscall.SIGALRM,
	"CONT": syscall.SIGCONT, "STOP": syscall.SIGSTOP,
}

// parseSignal parses "TERM", "SIGTERM" or "15".
func parseSignal(s string) (syscall.Signal, error) {
	name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	if sig, ok := signalNames[name]; ok {
		return sig, nil
	}
	if n, err := strconv.Atoi(name); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	return 0, fmt.Errorf("%q is not a signal name", s)
}

// withFirstSignal returns seq with its first signal replaced by sig: a
// forwarded Ctrl-C follows the sequence's timing.
func withFirstSignal(seq []TermStep, sig syscall.Signal) []TermStep {
	out := append([]TermStep(nil), seq...)
	out[0].Signal = sig
	return out
}
