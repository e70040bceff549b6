package runner

import (
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMedianTracker: the running median matches sorting, for odd and even
// counts and any order of arrival.
func TestMedianTracker(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var m medianTracker
	if m.median() != 0 {
		t.Fatalf("median of nothing: %v", m.median())
	}
	var all []time.Duration
	for i := 0; i < 500; i++ {
		d := time.Duration(r.IntN(10000)) * time.Millisecond
		m.add(d)
		all = append(all, d)
		sorted := slices.Sorted(slices.Values(all))
		want := sorted[len(sorted)/2]
		if len(sorted)%2 == 0 {
			want = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
		}
		if got := m.median(); got != want || m.count() != len(all) {
			t.Fatalf("after %d runtimes: median %v (count %d), want %v", len(all), got, m.count(), want)
		}
	}
}

// TestParseTermSeq: krun's and GNU parallel's forms, a KILL added at the
// end when missing, and one-line errors.
func TestParseTermSeq(t *testing.T) {
	t.Parallel()
	good := map[string][]TermStep{
		"TERM,2s,KILL":              {{syscall.SIGTERM, 2 * time.Second}, {syscall.SIGKILL, 0}},
		"TERM,200,TERM,100,KILL,25": {{syscall.SIGTERM, 200 * time.Millisecond}, {syscall.SIGTERM, 100 * time.Millisecond}, {syscall.SIGKILL, 25 * time.Millisecond}},
		"INT,1s":                    {{syscall.SIGINT, time.Second}, {syscall.SIGKILL, 0}},
		"HUP":                       {{syscall.SIGHUP, 0}, {syscall.SIGKILL, 0}},
	}
	for in, want := range good {
		got, err := ParseTermSeq(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseTermSeq(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "BOGUS", "TERM,x", "TERM,-1s,KILL"} {
		if _, err := ParseTermSeq(in); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseTermSeq(%q): err = %v, want a one-line error", in, err)
		}
	}
}

// TestBreakerStates walks the circuit breaker through closed, open,
// half-open and back: it opens when the failure rate of the window
// reaches the threshold, lets exactly one probe through when half-open,
// closes on its success and opens again on its failure.
func TestBreakerStates(t *testing.T) {
	t.Parallel()
	b := &breaker{policy: BreakerPolicy{FailPercent: 50, Window: 4, Cooldown: time.Hour}}
	seq := int64(0)
	run := func(failed bool) string {
		seq++
		if !b.allows() {
			t.Fatalf("job %d: the breaker (%v) did not allow it", seq, b.state)
		}
		b.started(seq)
		return b.finished(seq, failed)
	}
	for _, failed := range []bool{false, true, false} {
		if msg := run(failed); msg != "" {
			t.Fatalf("the window is not full yet, but: %s", msg)
		}
	}
	if msg := run(true); b.state != breakerOpen || !strings.HasPrefix(msg, "breaker open: 2/4") {
		t.Fatalf("2 of 4 failed at 50%%: state %v, message %q", b.state, msg)
	}
	if b.allows() {
		t.Fatal("an open breaker allows a job")
	}
	b.cooled()
	if b.state != breakerHalfOpen || !b.allows() {
		t.Fatalf("after the cooldown: state %v", b.state)
	}
	seq++
	b.started(seq) // the probe
	if b.allows() {
		t.Fatal("half-open lets a second job through while the probe runs")
	}
	if msg := b.finished(seq, true); b.state != breakerOpen || !strings.Contains(msg, "probe job") {
		t.Fatalf("a failed probe: state %v, message %q", b.state, msg)
	}
	b.cooled()
	seq++
	b.started(seq)
	if msg := b.finished(seq, false); b.state != breakerClosed || !strings.HasPrefix(msg, "breaker closed") {
		t.Fatalf("a good probe: state %v, message %q", b.state, msg)
	}
	if len(b.window) != 0 {
		t.Fatalf("closing kept the old window %v", b.window)
	}
}
