package runner

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/krun-dev/krun/quoting"
)

// Unit tests of the run loop, below the binary: real processes, a sink
// and an observer of the test's own.

// listSource yields one record per value.
type listSource struct {
	values []string
	i      int
}

func (l *listSource) Next() ([]string, error) {
	if l.i == len(l.values) {
		return nil, io.EOF
	}
	l.i++
	return []string{l.values[l.i-1]}, nil
}

// memSink keeps every job's stdout.
type memSink struct {
	mu   sync.Mutex
	out  map[int64]*bytes.Buffer
	msgs []string
}

type memOutput struct {
	s   *memSink
	buf *bytes.Buffer
}

func (s *memSink) Begin(job *Job) JobOutput {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		s.out = map[int64]*bytes.Buffer{}
	}
	b := &bytes.Buffer{}
	s.out[job.Seq] = b
	return memOutput{s, b}
}

func (s *memSink) Message(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, line)
}

func (o memOutput) Stdout() io.Writer { return lockedWriter{o.s, o.buf} }
func (o memOutput) Stderr() io.Writer { return io.Discard }
func (o memOutput) Discard()          {}
func (o memOutput) End(Status) error  { return nil }

type lockedWriter struct {
	s *memSink
	b *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.b.Write(p)
}

// inFlight is an observer that counts the tries running at once and keeps
// the high-water mark.
type inFlight struct {
	mu        sync.Mutex
	now, high int
	finished  int
}

func (f *inFlight) Observe(e Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch e.Kind {
	case EventStart:
		f.now++
		f.high = max(f.high, f.now)
	case EventFinish, EventRetry:
		f.now--
		if e.Kind == EventFinish {
			f.finished++
		}
	}
}

func testConfig(t *testing.T, tmpl string, jobs int) Config {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ParseTemplate([]string{tmpl}, TemplateOptions{Shell: sh})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Template: tp, Jobs: jobs, Shell: sh}
}

// TestRunNeverMoreThanJobs: however many jobs, at most Jobs run at once,
// and the cap is reached: the first three jobs wait until three have
// started, so they all run together.
func TestRunNeverMoreThanJobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := testConfig(t, `cd `+quoting.Quote(dir)+` && touch s.{#} && while [ "$(ls s.* | wc -l)" -lt 3 ]; do sleep 0.01; done; echo {}`, 3)
	sink, obs := &memSink{}, &inFlight{}
	cfg.Sink, cfg.Observer = sink, obs
	var values []string
	for i := 1; i <= 12; i++ {
		values = append(values, strconv.Itoa(i))
	}
	res, err := Run(context.Background(), cfg, &listSource{values: values})
	if err != nil {
		t.Fatal(err)
	}
	if res.Started != 12 || res.Succeeded != 12 || res.Failed != 0 {
		t.Errorf("result %+v, want 12 started and succeeded", res)
	}
	if obs.high != 3 {
		t.Errorf("at most %d jobs ran at once, want exactly 3", obs.high)
	}
	for i, v := range values {
		if got := sink.out[int64(i+1)].String(); got != v+"\n" {
			t.Errorf("job %d wrote %q, want %q", i+1, got, v+"\n")
		}
	}
}

// TestRunHaltCounts: a --halt now,fail=1 rule stops the run at the first
// failure; the jobs it ends are "ended", the rest never start, and the
// exit status is the failed job's.
func TestRunHaltCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Job 1 fails once job 2 runs; job 2 runs until it is ended.
	cfg := testConfig(t, `cd `+quoting.Quote(dir)+` && if [ {} = fail ]; then while [ ! -e long ]; do sleep 0.01; done; exit 7; else touch long; sleep 30; fi`, 2)
	halt, err := ParseHalt("now,fail=1")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Halt = halt
	cfg.Sink, cfg.Observer = &memSink{}, &inFlight{}
	res, err := Run(context.Background(), cfg, &listSource{values: []string{"fail", "long", "never", "never"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Halted || res.Failed != 1 || res.Ended != 1 || res.Started != 2 {
		t.Errorf("result %+v, want halted with 1 failed, 1 ended, 2 started", res)
	}
	if res.ExitStatus() != 7 {
		t.Errorf("exit status %d, want the failed job's 7", res.ExitStatus())
	}
	if res.LastSeq != 2 {
		t.Errorf("LastSeq %d: records after the halt were read", res.LastSeq)
	}
}

// TestRunRetriesUntilSuccess: a job that fails twice and then succeeds
// is tried three times and counts as succeeded.
func TestRunRetriesUntilSuccess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	count := filepath.Join(dir, "tries")
	cfg := testConfig(t, `echo x >> `+quoting.Quote(count)+` && [ "$(wc -l < `+quoting.Quote(count)+`)" -ge {} ]`, 1)
	cfg.Retries = 3
	obs := &inFlight{}
	cfg.Sink, cfg.Observer = &memSink{}, obs
	res, err := Run(context.Background(), cfg, &listSource{values: []string{"3"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != 1 || res.Failed != 0 {
		t.Errorf("result %+v, want the job to succeed on its third try", res)
	}
	if obs.finished != 1 || obs.now != 0 {
		t.Errorf("%d finish events, %d tries still counted running", obs.finished, obs.now)
	}
}
