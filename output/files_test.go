package output

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krun-dev/krun/runner"
)

// TestFiles: each job's stdout lands in a file of its own, its name is
// the job's output, stderr passes through, and a discarded try leaves
// nothing in the file.
func TestFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errs syncBuffer
	s := Files(New(Options{Stdout: &out, Stderr: &errs}), dir)
	j := begin(s, 1, "a")
	io.WriteString(j.Stdout(), "first try\n")
	j.Discard()
	io.WriteString(j.Stdout(), "kept\n")
	io.WriteString(j.Stderr(), "to stderr\n")
	if err := j.End(runner.Status{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(out.String(), "\n")
	if filepath.Dir(name) != dir || strings.Contains(name, "\n") {
		t.Fatalf("output %q is not one file name in %s", out.String(), dir)
	}
	data, err := os.ReadFile(name)
	if err != nil || string(data) != "kept\n" {
		t.Errorf("file holds %q (%v), want the last try's output", data, err)
	}
	if errs.String() != "to stderr\n" {
		t.Errorf("stderr %q", errs.String())
	}
}

// TestFilesCannotCreate: a directory where no file can be made fails the
// job's output with a WriteError, which stops the run.
func TestFilesCannotCreate(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	s := Files(New(Options{Stdout: &out, Stderr: &errs}), filepath.Join(t.TempDir(), "none"))
	j := begin(s, 1, "a")
	if _, err := io.WriteString(j.Stdout(), "x"); err == nil {
		t.Error("a write succeeded")
	}
	err := j.End(runner.Status{})
	var we *WriteError
	if !errors.As(err, &we) || !strings.Contains(err.Error(), "none") {
		t.Errorf("End = %v, want a WriteError naming the directory", err)
	}
	s.Close()
}
