package chaos

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/krun-dev/krun/runner"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTracer: step 0 holds every file; each finish event records what the
// job changed, also a rewrite of the same size at once after (which file
// times may not show), a file gone and a link; excluded paths are left
// out.
func TestTracer(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "count"), "1\n")
	writeFile(t, filepath.Join(root, "keep"), "same\n")
	writeFile(t, filepath.Join(root, "jobs.tsv"), "x\n")
	os.Mkdir(filepath.Join(root, "sub"), 0o755)
	writeFile(t, filepath.Join(root, "sub", "gone"), "bye\n")
	var out bytes.Buffer
	tr := NewTracer(&out, root, []string{"jobs.tsv"})
	finish := func(seq int64) {
		tr.Observe(runner.Event{Kind: runner.EventStart, Job: &runner.Job{Seq: seq}})
		tr.Observe(runner.Event{Kind: runner.EventFinish, Job: &runner.Job{Seq: seq}, Status: runner.Status{Exit: int(seq)}})
	}
	writeFile(t, filepath.Join(root, "count"), "2\n")
	writeFile(t, filepath.Join(root, "jobs.tsv"), "y\n")
	finish(3)
	os.Remove(filepath.Join(root, "sub", "gone"))
	os.Symlink("count", filepath.Join(root, "link"))
	finish(1)
	finish(2) // nothing changed
	if err := tr.Err(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	writeFile(t, path, out.String())
	trace, err := ReadTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	if trace.Jobs() != 3 {
		t.Fatalf("%d jobs in the trace, want 3:\n%s", trace.Jobs(), out.String())
	}
	paths := func(s TraceStep) []string {
		var p []string
		for _, f := range s.Files {
			p = append(p, f.Path)
		}
		slices.Sort(p)
		return p
	}
	if got := paths(trace.Steps[0]); !slices.Equal(got, []string{"count", "keep", "sub/gone"}) {
		t.Errorf("step 0: %v", got)
	}
	if s := trace.Steps[1]; s.Seq != 3 || s.Exit != 3 || !slices.Equal(paths(s), []string{"count"}) {
		t.Errorf("step 1: %+v, want job 3 changing count", s)
	}
	if s := trace.Steps[2]; s.Seq != 1 || !slices.Equal(paths(s), []string{"link", "sub/gone"}) {
		t.Errorf("step 2: %+v, want job 1 removing sub/gone and making link", s)
	}
	if s := trace.Steps[3]; len(s.Files) != 0 {
		t.Errorf("step 3: %+v, want no change", s)
	}
	h := trace.History("count")
	if len(h) != 4 || h[0].Sum == h[1].Sum || h[1] != h[3] || h[0].Size != 2 {
		t.Errorf("history of count: %+v", h)
	}
	if g := trace.History("sub/gone"); g[1].Gone || !g[2].Gone {
		t.Errorf("history of sub/gone: %+v", g)
	}
	if l := trace.History("link"); !l[0].Gone || !l[2].Link || l[2].Size != int64(len("count")) {
		t.Errorf("history of link: %+v", l)
	}
}

func TestReadTraceErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty":   "",
		"garbage": "{\"step\":0}\nnot json\n",
		"gap":     "{\"step\":0}\n{\"step\":2}\n",
	} {
		path := filepath.Join(dir, name)
		writeFile(t, path, content)
		if _, err := ReadTrace(path); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
