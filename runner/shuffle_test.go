package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// startLog records, in order, the jobs that started and when the sink saw
// each one begin.
type startLog struct {
	captureSink
	mu     sync.Mutex
	begun  map[int64]time.Time
	starts []*Job
	at     map[int64]time.Time
	onBeg  func(n int)
}

func (l *startLog) Begin(job *Job) JobOutput {
	l.mu.Lock()
	if l.begun == nil {
		l.begun, l.at = map[int64]time.Time{}, map[int64]time.Time{}
	}
	l.begun[job.Seq] = time.Now()
	n := len(l.begun)
	l.mu.Unlock()
	if l.onBeg != nil {
		l.onBeg(n)
	}
	return l.captureSink.Begin(job)
}

func (l *startLog) Observe(e Event) {
	if e.Kind != EventStart {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.starts = append(l.starts, e.Job)
	l.at[e.Job.Seq] = e.Time
}

// runShuffled runs "echo {#} {}" over n values v1..vn, one job at a time,
// shuffled with jitter under seed.
func runShuffled(t *testing.T, n int, seed uint64, jitter time.Duration) *startLog {
	t.Helper()
	tmpl, err := ParseTemplate([]string{"echo {#} {}"}, TemplateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for i := 1; i <= n; i++ {
		values = append(values, fmt.Sprintf("v%d", i))
	}
	in, err := OpenInputs(InputOptions{Sources: []Source{{Values: values}}})
	if err != nil {
		t.Fatal(err)
	}
	log := &startLog{}
	cfg := Config{Template: tmpl, Jobs: 1, Shell: "/bin/sh", Sink: log, Observer: log, Shuffle: true, Jitter: jitter, Seed: seed}
	res, err := Run(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Started != n || res.Failed != 0 || res.LastSeq != int64(n) {
		t.Fatalf("result %+v: want %d jobs started, none failed", res, n)
	}
	return log
}

// order returns the sequence numbers and delays of the started jobs.
func (l *startLog) order() (seqs []int64, delays []time.Duration) {
	for _, j := range l.starts {
		seqs = append(seqs, j.Seq)
		delays = append(delays, j.Delay)
	}
	return seqs, delays
}

// TestShuffleSeedReplays: the same seed gives the same start order and
// the same delays; another seed another order; {#} and Seq stay the input
// order number; each job waited at least its delay before it started.
func TestShuffleSeedReplays(t *testing.T) {
	t.Parallel()
	const n, jitter = 12, 3 * time.Millisecond
	a := runShuffled(t, n, 42, jitter)
	b := runShuffled(t, n, 42, jitter)
	c := runShuffled(t, n, 43, jitter)
	seqA, delayA := a.order()
	seqB, delayB := b.order()
	seqC, _ := c.order()
	if !slices.Equal(seqA, seqB) || !slices.Equal(delayA, delayB) {
		t.Errorf("seed 42 twice: orders %v and %v, delays %v and %v: want the same", seqA, seqB, delayA, delayB)
	}
	if slices.Equal(seqA, seqC) {
		t.Errorf("seeds 42 and 43 gave the same order %v", seqA)
	}
	if slices.IsSorted(seqA) {
		t.Errorf("seed 42: order %v is the input order", seqA)
	}
	sorted := slices.Sorted(slices.Values(seqA))
	for i, s := range sorted {
		if s != int64(i+1) {
			t.Fatalf("started %v: not each of 1..%d once", seqA, n)
		}
	}
	distinct := map[time.Duration]bool{}
	for _, j := range a.starts {
		distinct[j.Delay] = true
		if j.Delay < 0 || j.Delay >= jitter {
			t.Errorf("job %d: delay %v outside [0, %v)", j.Seq, j.Delay, jitter)
		}
		if waited := a.at[j.Seq].Sub(a.begun[j.Seq]); waited < j.Delay {
			t.Errorf("job %d started %v after it was begun, before its delay %v", j.Seq, waited, j.Delay)
		}
		want := fmt.Sprintf("%d v%d\n", j.Seq, j.Seq)
		if got := a.jobs[j.Seq].stdout.String(); got != want {
			t.Errorf("job %d printed %q, want %q: {#} is not the input order number", j.Seq, got, want)
		}
	}
	if len(distinct) < n/2 {
		t.Errorf("delays %v: hardly random", delayA)
	}
}

// TestShuffleWithoutJitter: --shuffle alone delays nothing.
func TestShuffleWithoutJitter(t *testing.T) {
	t.Parallel()
	log := runShuffled(t, 5, 7, 0)
	for _, j := range log.starts {
		if j.Delay != 0 {
			t.Errorf("job %d: delay %v without jitter", j.Seq, j.Delay)
		}
	}
}

// recordsOf is a read function over n numbered records, then end.
func recordsOf(n int, end error) func() record {
	i := 0
	return func() record {
		if i == n {
			return record{err: end}
		}
		i++
		return record{seq: int64(i), fields: []string{fmt.Sprint(i)}}
	}
}

// drain reads a shuffler to the record that ends it.
func drain(s *shuffler) (seqs []int64, end error) {
	for {
		rec := s.next()
		if rec.err != nil {
			return seqs, rec.err
		}
		seqs = append(seqs, rec.seq)
	}
}

func TestShufflerWindow(t *testing.T) {
	t.Parallel()
	broken := errors.New("read failed")
	for _, tc := range []struct {
		n, window int
		end       error
	}{
		{0, 4, io.EOF}, {1, 4, io.EOF}, {50, 4, io.EOF}, {50, 50, io.EOF}, {50, 1000, io.EOF}, {30, 8, broken}, {100, 1, io.EOF},
	} {
		t.Run(fmt.Sprintf("%d/%d/%v", tc.n, tc.window, tc.end), func(t *testing.T) {
			t.Parallel()
			shuffle := func(seed uint64) []int64 {
				s := newShuffler(rand.New(rand.NewPCG(seed, randShuffle)), tc.window, recordsOf(tc.n, tc.end))
				seqs, end := drain(s)
				if end != tc.end {
					t.Fatalf("ended with %v, want %v", end, tc.end)
				}
				return seqs
			}
			seqs := shuffle(1)
			if len(seqs) != tc.n {
				t.Fatalf("%d records out of %d", len(seqs), tc.n)
			}
			seen := map[int64]bool{}
			for pos, s := range seqs {
				if seen[s] {
					t.Fatalf("record %d twice: %v", s, seqs)
				}
				seen[s] = true
				// A record is read at most window-1 records before it
				// is handed out.
				if ahead := s - int64(pos+1); ahead > int64(tc.window-1) {
					t.Errorf("record %d handed out at %d: %d ahead of its place, window %d", s, pos+1, ahead, tc.window)
				}
			}
			if !slices.Equal(seqs, shuffle(1)) {
				t.Error("the same seed gave another order")
			}
			if tc.n >= 10 && tc.window > 1 && slices.IsSorted(seqs) {
				t.Errorf("order %v is the input order", seqs)
			}
			if tc.window == 1 && !slices.IsSorted(seqs) {
				t.Errorf("a window of 1 reordered: %v", seqs)
			}
		})
	}
}

// TestShufflerUniform: an input within the window is shuffled uniformly:
// each record is about as often first as any other.
func TestShufflerUniform(t *testing.T) {
	t.Parallel()
	const n, tries = 5, 5000
	first := make([]int, n+1)
	for seed := range uint64(tries) {
		s := newShuffler(rand.New(rand.NewPCG(seed, randShuffle)), 0, recordsOf(n, io.EOF))
		first[s.next().seq]++
	}
	for seq := 1; seq <= n; seq++ {
		// 1000 expected; 6 standard deviations is about 170.
		if c := first[seq]; c < 800 || c > 1200 {
			t.Errorf("record %d came first %d times in %d: want about %d", seq, c, tries, tries/n)
		}
	}
}

// TestJitterStopEndsWaitingJobs: jobs waiting out their delay when the run
// stops end unstarted, and Run returns without waiting for the delays.
func TestJitterStopEndsWaitingJobs(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseTemplate([]string{"echo"}, TemplateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := OpenInputs(InputOptions{Sources: []Source{{Values: []string{"a", "b"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &startLog{onBeg: func(n int) {
		if n == 2 {
			cancel()
		}
	}}
	cfg := Config{Template: tmpl, Jobs: 2, Shell: "/bin/sh", Sink: log, Observer: log, Jitter: 24 * time.Hour, Seed: 1}
	res, err := Run(ctx, cfg, in)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v, want the context's cancellation", err)
	}
	if len(log.starts) != 0 {
		t.Errorf("%d jobs started during their delay", len(log.starts))
	}
	if res.Failed != 2 {
		t.Errorf("result %+v: want the 2 jobs failed", res)
	}
	for seq, j := range log.jobs {
		if !errors.Is(j.status.Err, errStoppedInDelay) || !j.status.Killed {
			t.Errorf("job %d: status %+v, want ended in its delay", seq, j.status)
		}
	}
}

// TestRetryDelaySeeded: the retry jitter depends on the seed, the job and
// the try, not on which goroutine asks first.
func TestRetryDelaySeeded(t *testing.T) {
	t.Parallel()
	base := time.Second
	if a, b := retryDelay(base, 2, 9, 3), retryDelay(base, 2, 9, 3); a != b {
		t.Errorf("same seed, job and try: %v and %v", a, b)
	}
	seen := map[time.Duration]bool{}
	for seq := range int64(20) {
		d := retryDelay(base, 1, 9, seq)
		if d < base || d >= base*3/2 {
			t.Errorf("job %d: delay %v outside [1s, 1.5s)", seq, d)
		}
		seen[d] = true
	}
	if len(seen) < 15 {
		t.Errorf("20 jobs got %d distinct delays", len(seen))
	}
}
