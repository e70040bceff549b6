package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/krun-dev/krun/quoting"
)

// fileStdin is a job's standard input read from a file, opened afresh for
// each try; it counts its opens and closes.
type fileStdin struct {
	path   string
	mu     sync.Mutex
	opens  int
	closes int
}

func (f *fileStdin) Open() (*os.File, error) {
	f.mu.Lock()
	f.opens++
	f.mu.Unlock()
	return os.Open(f.path)
}

func (f *fileStdin) Close() {
	f.mu.Lock()
	f.closes++
	f.mu.Unlock()
}

// stdinSource yields one job per file, each file its standard input.
type stdinSource struct {
	stdins []*fileStdin
	i      int
}

func (s *stdinSource) Next() ([]string, error) {
	if s.i == len(s.stdins) {
		return nil, io.EOF
	}
	s.i++
	return nil, nil
}

func (s *stdinSource) Stdin() Stdin { return s.stdins[s.i-1] }

// newStdinSource writes n files, "block N\n" in file N, and returns the
// source giving them to n jobs.
func newStdinSource(t *testing.T, n int) *stdinSource {
	t.Helper()
	dir := t.TempDir()
	src := &stdinSource{}
	for i := 1; i <= n; i++ {
		path := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(path, fmt.Appendf(nil, "block %d\n", i), 0o600); err != nil {
			t.Fatal(err)
		}
		src.stdins = append(src.stdins, &fileStdin{path: path})
	}
	return src
}

// TestRunStdin: a job of a StdinSource reads its own standard input; each
// try opens it again; it is closed once, whether the job ran, was skipped
// or ran dry.
func TestRunStdin(t *testing.T) {
	t.Parallel()
	t.Run("run", func(t *testing.T) {
		cfg := testConfig(t, "cat", 2)
		sink := &memSink{}
		cfg.Sink = sink
		src := newStdinSource(t, 5)
		res, err := Run(context.Background(), cfg, src)
		if err != nil || res.Succeeded != 5 {
			t.Fatalf("result %+v, %v; want 5 jobs succeeded", res, err)
		}
		for i, st := range src.stdins {
			if got, want := sink.out[int64(i+1)].String(), fmt.Sprintf("block %d\n", i+1); got != want {
				t.Errorf("job %d read %q, want %q", i+1, got, want)
			}
			if st.opens != 1 || st.closes != 1 {
				t.Errorf("job %d: opened %d times, closed %d times; want once each", i+1, st.opens, st.closes)
			}
		}
	})
	t.Run("retries", func(t *testing.T) {
		dir := quoting.Quote(t.TempDir())
		cfg := testConfig(t, `if [ ! -e `+dir+`/t$KRUN_SEQ ]; then touch `+dir+`/t$KRUN_SEQ; exit 1; fi; cat`, 2)
		cfg.Retries = 2
		sink := &memSink{}
		cfg.Sink = sink
		src := newStdinSource(t, 3)
		if res, err := Run(context.Background(), cfg, src); err != nil || res.Succeeded != 3 {
			t.Fatalf("result %+v, %v; want 3 jobs succeeded", res, err)
		}
		for i, st := range src.stdins {
			if got, want := sink.out[int64(i+1)].String(), fmt.Sprintf("block %d\n", i+1); got != want {
				t.Errorf("job %d's last try read %q, want %q", i+1, got, want)
			}
			if st.opens != 2 || st.closes != 1 {
				t.Errorf("job %d: opened %d times, closed %d times; want 2 and 1", i+1, st.opens, st.closes)
			}
		}
	})
	t.Run("skipped and dry", func(t *testing.T) {
		cfg := testConfig(t, "cat", 2)
		cfg.Sink = &memSink{}
		cfg.Skip = func(seq int64) bool { return seq%2 == 0 }
		var dry bytes.Buffer
		cfg.DryRun = &dry
		src := newStdinSource(t, 4)
		if _, err := Run(context.Background(), cfg, src); err != nil {
			t.Fatal(err)
		}
		for i, st := range src.stdins {
			if st.opens != 0 || st.closes != 1 {
				t.Errorf("job %d: opened %d times, closed %d times; want 0 and 1", i+1, st.opens, st.closes)
			}
		}
		if got := dry.String(); got != "cat \ncat \n" {
			t.Errorf("dry run printed %q, want two commands", got)
		}
	})
}
