package output

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/krun-dev/krun/runner"
)

// syncBuffer is a bytes.Buffer safe for the sink's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func begin(s Sink, seq int64, args ...string) runner.JobOutput {
	return s.Begin(&runner.Job{Seq: seq, Slot: int(seq), Args: args, Tag: strings.Join(args, " ")})
}

// TestGroupedHeldUntilTheEnd: a job's output is held until it ends, and
// written in the order jobs end, however early it began to write.
func TestGroupedHeldUntilTheEnd(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs})
	slow, fast := begin(s, 1), begin(s, 2)
	io.WriteString(slow.Stdout(), "slow-start\n")
	io.WriteString(fast.Stdout(), "fast-start\n")
	if got := out.String(); got != "" {
		t.Fatalf("output was written before its job ended: %q", got)
	}
	io.WriteString(fast.Stdout(), "fast-end\n")
	fast.End(runner.Status{})
	io.WriteString(slow.Stdout(), "slow-end\n")
	slow.End(runner.Status{})
	if got := out.String(); got != "fast-start\nfast-end\nslow-start\nslow-end\n" {
		t.Fatalf("got %q, want the blocks in the order the jobs ended", got)
	}
}

// TestGroupedOwnerStreamsLiveOthersWait: a job that outgrows its memory
// while the stream is free takes it and writes live; the others wait.
func TestGroupedOwnerStreamsLiveOthersWait(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, BufferSize: 4})
	j1 := begin(s, 1)
	j2 := begin(s, 2)
	io.WriteString(j1.Stdout(), "one-a\n")
	io.WriteString(j2.Stdout(), "two\n")
	if got := out.String(); got != "one-a\n" {
		t.Fatalf("the job that outgrew its buffer owns stdout and writes live: got %q", got)
	}
	j2.End(runner.Status{})
	if got := out.String(); got != "one-a\n" {
		t.Fatalf("a job that ends waits for the owner's block: got %q", got)
	}
	io.WriteString(j1.Stdout(), "one-b\n")
	j1.End(runner.Status{})
	if got := out.String(); got != "one-a\none-b\ntwo\n" {
		t.Fatalf("after the owner ends the waiting job follows: got %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGroupedNextOwnerFlushesThenStreams(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, BufferSize: 3})
	j1, j2, j3 := begin(s, 1), begin(s, 2), begin(s, 3)
	io.WriteString(j1.Stdout(), "one\n")
	io.WriteString(j2.Stdout(), "two-a\n")
	io.WriteString(j3.Stdout(), "three\n")
	j3.End(runner.Status{})
	j1.End(runner.Status{})
	// j3 ended while j1 owned stdout: written when j1 ends; then j2, still
	// running and past its memory, owns stdout.
	if got := out.String(); got != "one\nthree\ntwo-a\n" {
		t.Fatalf("got %q", got)
	}
	io.WriteString(j2.Stdout(), "two-b\n")
	if got := out.String(); got != "one\nthree\ntwo-a\ntwo-b\n" {
		t.Fatalf("the new owner writes live: got %q", got)
	}
	j2.End(runner.Status{})
}

func TestGroupedCompletionOrderWhileStreamIsFree(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs})
	j1, j2 := begin(s, 1), begin(s, 2)
	io.WriteString(j2.Stderr(), "two\n") // stdout stays free
	j2.End(runner.Status{})
	if got := out.String(); got != "" {
		t.Fatalf("stdout %q", got)
	}
	io.WriteString(j1.Stdout(), "one\n")
	j1.End(runner.Status{})
	if got := errs.String(); got != "two\n" {
		t.Fatalf("stderr %q", got)
	}
	// A job that writes nothing does not hold back one that ends.
	j3, j4 := begin(s, 3), begin(s, 4)
	io.WriteString(j4.Stdout(), "four\n")
	j4.End(runner.Status{})
	if got := out.String(); got != "one\nfour\n" {
		t.Fatalf("stdout %q", got)
	}
	j3.End(runner.Status{})
}

func TestGroupedKeepOrder(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, KeepOrder: true})
	jobs := []runner.JobOutput{begin(s, 1), begin(s, 2), begin(s, 3)}
	for i := len(jobs) - 1; i >= 0; i-- {
		io.WriteString(jobs[i].Stdout(), strings.Repeat(string(rune('a'+i)), 3)+"\n")
		io.WriteString(jobs[i].Stderr(), "err"+string(rune('a'+i))+"\n")
		jobs[i].End(runner.Status{})
	}
	if got := out.String(); got != "aaa\nbbb\nccc\n" {
		t.Errorf("stdout %q", got)
	}
	if got := errs.String(); got != "erra\nerrb\nerrc\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestGroupedMessagesWaitForTheOwner(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, BufferSize: 3})
	j1 := begin(s, 1)
	io.WriteString(j1.Stderr(), "partial")
	s.Message("krun: hello")
	io.WriteString(j1.Stderr(), " line\n")
	j1.End(runner.Status{})
	if got := errs.String(); got != "partial line\nkrun: hello\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestSpillKeepsBytesAndOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, KeepOrder: true, BufferSize: 1024, TmpDir: dir})
	j1, j2 := begin(s, 1), begin(s, 2)
	var want bytes.Buffer
	chunk := func(i int) []byte { return bytes.Repeat([]byte{byte(i), 0, 0xff, '\n'}, 100+i) }
	for i := 0; i < 50; i++ {
		j2.Stdout().Write(chunk(i)) // j2 waits behind j1: buffered, spilled
	}
	gr := s.(*grouped)
	if gr.spool.f == nil {
		t.Fatal("20 KB behind a 1 KB buffer did not spill")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the spill file has a name in %s: %v", dir, entries)
	}
	io.WriteString(j1.Stdout(), "first\n")
	want.WriteString("first\n")
	for i := 0; i < 50; i++ {
		want.Write(chunk(i))
	}
	j1.End(runner.Status{})
	j2.End(runner.Status{})
	if !bytes.Equal([]byte(out.String()), want.Bytes()) {
		t.Fatalf("spilled output differs: %d bytes, want %d", len(out.String()), want.Len())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultMemoryBudgetIsOneBufferSize: by default all waiting jobs
// together hold one --buffer-size (8 MiB) in memory, not 8 MiB each: three
// jobs of 6 MiB waiting behind a running one keep 8 MiB at most and spill
// the rest, and every byte still comes out.
func TestDefaultMemoryBudgetIsOneBufferSize(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, KeepOrder: true, TmpDir: t.TempDir()})
	head := begin(s, 1)
	block := bytes.Repeat([]byte("y"), 6<<20)
	for i := 2; i <= 4; i++ {
		j := begin(s, int64(i))
		j.Stdout().Write(block)
		j.End(runner.Status{})
	}
	gr := s.(*grouped)
	if used := gr.streams[0].jobs[1].buf.budget.used.Load(); used > DefaultBufferSize {
		t.Fatalf("waiting jobs hold %d bytes in memory, over one --buffer-size (%d)", used, DefaultBufferSize)
	}
	if spilled := gr.spool.size; spilled < 3*int64(len(block))-DefaultBufferSize {
		t.Fatalf("spilled %d bytes of the 18 MiB waiting, want at least %d", spilled, 3*int64(len(block))-DefaultBufferSize)
	}
	head.End(runner.Status{})
	if got := len(out.String()); got != 3*len(block) {
		t.Fatalf("wrote %d bytes, want %d", got, 3*len(block))
	}
}

func TestMemoryBudgetSpillsManyWaitingJobs(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, KeepOrder: true, BufferSize: 1 << 20, TmpDir: t.TempDir()})
	head := begin(s, 1)
	block := bytes.Repeat([]byte("x"), 64<<10)
	for i := 2; i < 1000; i++ {
		j := begin(s, int64(i))
		j.Stdout().Write(block)
		j.End(runner.Status{})
	}
	// 998 jobs × 64 KiB = 62 MiB waiting: more than the 8 MiB budget.
	gr := s.(*grouped)
	if used := gr.streams[0].jobs[1].buf.budget.used.Load(); used > minMemoryLimit {
		t.Fatalf("waiting jobs hold %d bytes in memory, over the %d budget", used, minMemoryLimit)
	}
	if gr.spool.size == 0 {
		t.Fatal("nothing spilled past the memory budget")
	}
	head.End(runner.Status{})
	if got := len(out.String()); got != 998*len(block) {
		t.Fatalf("wrote %d bytes, want %d", got, 998*len(block))
	}
}

func TestLineBufferedNeverCutsLines(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Mode: LineBuffered, Stdout: &out, Stderr: &errs})
	j1, j2 := begin(s, 1), begin(s, 2)
	io.WriteString(j1.Stdout(), "a1 part")
	io.WriteString(j2.Stdout(), "b1\nb2 part")
	io.WriteString(j1.Stdout(), "ial\n")
	j2.End(runner.Status{})
	j1.End(runner.Status{})
	if got := out.String(); got != "b1\na1 partial\nb2 part" {
		t.Errorf("got %q", got)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := New(Options{Stdout: &out, Stderr: &errs, Tag: true, ColorStderr: true, KeepOrder: true})
	j := begin(s, 1, "a", "b")
	io.WriteString(j.Stdout(), "x\ny")
	io.WriteString(j.Stdout(), "z\n")
	io.WriteString(j.Stderr(), "e\n")
	j.End(runner.Status{})
	if got := out.String(); got != "a b\tx\na b\tyz\n" {
		t.Errorf("stdout %q", got)
	}
	if got := errs.String(); got != "\x1b[32ma b\x1b[0m\te\n" {
		t.Errorf("stderr %q", got)
	}
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteErrorReportedOnce(t *testing.T) {
	t.Parallel()
	var errs syncBuffer
	s := New(Options{Stdout: failingWriter{os.ErrClosed}, Stderr: &errs, BufferSize: 1})
	j := begin(s, 1)
	if _, err := io.WriteString(j.Stdout(), "xx"); err == nil {
		t.Fatal("live write to a failing stdout succeeded")
	}
	err := j.End(runner.Status{})
	var we *WriteError
	if !errors.As(err, &we) || we.Stream != "stdout" {
		t.Fatalf("End = %v, want a stdout WriteError", err)
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	good := map[string]int64{"64K": 64 << 10, "8M": 8 << 20, "1G": 1 << 30, "100": 100, "2GiB": 2 << 30, "3KB": 3 << 10}
	for in, want := range good {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1X", "K", "0.1", "NaN", "99999999999T"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

// TestGroupedSameFileOneOwner: with stdout and stderr the same file (2>&1)
// one job at a time writes to it, both of its streams in one block.
func TestGroupedSameFileOneOwner(t *testing.T) {
	t.Parallel()
	var both syncBuffer
	s := New(Options{Stdout: &both, Stderr: &both, BufferSize: 2})
	j1, j2 := begin(s, 1), begin(s, 2)
	io.WriteString(j1.Stdout(), "AAA")
	io.WriteString(j2.Stderr(), "err\n")
	s.Message("krun: note")
	j2.End(runner.Status{})
	io.WriteString(j1.Stderr(), "-e-")
	io.WriteString(j1.Stdout(), "BBB\n")
	j1.End(runner.Status{})
	if got := both.String(); got != "AAA-e-BBB\nkrun: note\nerr\n" {
		t.Errorf("got %q", got)
	}
}
