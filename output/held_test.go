package output

import (
	"io"
	"os"
	"strings"
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
