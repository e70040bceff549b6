package output

import (
	"bytes"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/krun-dev/krun/runner"
)

// TestHeldKeepsOnlyTheLastTry: in every mode, a held job's failed try is
// dropped, nothing is written before the job ends, and the last try's
// two streams reach the mode in the order the job wrote them, through a
// spill file when they outgrow memory.
func TestHeldKeepsOnlyTheLastTry(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{Grouped, LineBuffered, Ungrouped} {
		t.Run(map[Mode]string{Grouped: "grouped", LineBuffered: "line", Ungrouped: "ungrouped"}[mode], func(t *testing.T) {
			t.Parallel()
			// One file for both streams (2>&1): the order between them shows.
			f, err := os.CreateTemp(t.TempDir(), "out")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			o := Options{Mode: mode, Stdout: f, Stderr: f, BufferSize: 64, TmpDir: t.TempDir(), Tag: true}
			s := Held(New(o), o)
			out := s.Begin(&runner.Job{Seq: 1, Slot: 1, Tag: "t", Hold: true})
			io.WriteString(out.Stdout(), "failed try\npartial")
			out.Discard()
			big := strings.Repeat("x", 100) // past BufferSize: spills
			io.WriteString(out.Stdout(), "out1\n")
			io.WriteString(out.Stderr(), "err1 "+big+"\n")
			io.WriteString(out.Stdout(), "out2\n")
			if fi, _ := f.Stat(); fi.Size() != 0 {
				t.Fatalf("%d bytes written before the held job ended", fi.Size())
			}
			if err := out.End(runner.Status{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(f.Name())
			if want := "t\tout1\nt\terr1 " + big + "\nt\tout2\n"; string(got) != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

// TestHeldPassesOtherJobsThrough: a job that is never tried again gets
// the mode's own output, live.
func TestHeldPassesOtherJobsThrough(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	o := Options{Mode: Ungrouped, Stdout: &out, Stderr: io.Discard}
	s := Held(New(o), o)
	j := s.Begin(&runner.Job{Seq: 1, Slot: 1})
	io.WriteString(j.Stdout(), "live\n")
	if got := out.String(); got != "live\n" {
		t.Fatalf("got %q before End, want the output live", got)
	}
	j.End(runner.Status{})
}

// TestReadBlock: a block larger than its memory limit spills and reads
// back whole, in order; a failing reader is reported as a read failure.
func TestReadBlock(t *testing.T) {
	t.Parallel()
	want := strings.Repeat("0123456789", 50_000) // 500 kB over a 64 kB limit
	b, err := ReadBlock(strings.NewReader(want), "input", t.TempDir(), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !b.buf.spilled {
		t.Error("the block did not spill past its limit")
	}
	got, err := io.ReadAll(b.Reader())
	if err != nil || string(got) != want || b.Len() != int64(len(want)) {
		t.Fatalf("read back %d bytes (err %v), want %d", len(got), err, len(want))
	}
	_, err = ReadBlock(io.MultiReader(strings.NewReader("x"), errReader{}), "input", t.TempDir(), 64)
	if err == nil || !strings.HasPrefix(err.Error(), "read input: ") {
		t.Fatalf("error %v, want a read failure", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, os.ErrClosed }

// TestWriteFrontGivesBack: handing on the front of a buffer gives its
// memory and its disk back as it goes, which is how Held hands a job's
// output to the mode below without holding it twice.
func TestWriteFrontGivesBack(t *testing.T) {
	t.Parallel()
	o := Options{BufferSize: 1 << 20, TmpDir: t.TempDir()}
	bufs := NewBuffers(o)
	b := buffer{spool: bufs.spool, budget: bufs.budget, limit: o.BufferSize}
	const size = 16 << 20
	chunk := []byte(strings.Repeat("z", 1<<16))
	for written := 0; written < size; written += len(chunk) {
		if _, err := b.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	blocks := func() int64 {
		var st syscall.Stat_t
		if err := syscall.Fstat(int(bufs.spool.f.Fd()), &st); err != nil {
			t.Fatal(err)
		}
		return st.Blocks * 512
	}
	before := blocks()
	if before < size-2<<20 {
		t.Fatalf("spilled %d MiB of %d", before>>20, size>>20)
	}
	var out bytes.Buffer
	if err := b.writeFront(&out, size*3/4); err != nil {
		t.Fatal(err)
	}
	if after := blocks(); after > before/2 {
		t.Errorf("the spill file still holds %d MiB after handing on 3/4 of %d MiB", after>>20, before>>20)
	}
	if used := bufs.budget.used.Load(); used != 0 {
		t.Errorf("%d bytes of memory still counted after handing on the memory part", used)
	}
	if err := b.writeFront(&out, size); err != nil {
		t.Fatal(err)
	}
	if out.Len() != size || b.len() != 0 || strings.Trim(out.String(), "z") != "" {
		t.Fatalf("handed on %d bytes (buffer left %d), want %d", out.Len(), b.len(), size)
	}
}

// TestHeldHandsOnBehindAnotherJob: a held job that ends behind another
// (-k) reaches the stream whole once that job ends, and the shared
// memory budget is back to what the mode holds.
func TestHeldHandsOnBehindAnotherJob(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	o := Options{Mode: Grouped, KeepOrder: true, Stdout: &out, Stderr: io.Discard, BufferSize: 1 << 20, TmpDir: t.TempDir()}
	o.Buffers = NewBuffers(o)
	s := Held(New(o), o)
	first := s.Begin(&runner.Job{Seq: 1, Slot: 1}) // owns the stream until it ends
	held := s.Begin(&runner.Job{Seq: 2, Slot: 2, Hold: true})
	const size = 8 << 20
	chunk := []byte(strings.Repeat("y", 1<<16))
	for written := 0; written < size; written += len(chunk) {
		if _, err := held.Stdout().Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := held.End(runner.Status{}); err != nil {
		t.Fatal(err)
	}
	if used := o.Buffers.budget.used.Load(); used > o.BufferSize {
		t.Errorf("%d bytes of memory counted after the hand-on, want at most the mode's one buffer (%d)", used, o.BufferSize)
	}
	io.WriteString(first.Stdout(), "first\n")
	first.End(runner.Status{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "first\n"+strings.Repeat("y", size) {
		t.Fatalf("wrote %d bytes, want the first job's line then %d bytes", len(got), size)
	}
}
