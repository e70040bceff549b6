package output

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// Files wraps a sink for GNU parallel's --files: each job's standard
// output goes to a new file of its own in dir (os.TempDir() when empty),
// which stays after the run, and the job's output through inner is that
// file's name on one line (tagged, ordered and grouped as inner does).
// The job's standard error goes to inner as usual. A file that cannot be
// created or written fails the job's output, which stops the run.
func Files(inner Sink, dir string) Sink {
	if dir == "" {
		dir = os.TempDir()
	}
	return &filesSink{Sink: inner, dir: dir}
}

type filesSink struct {
	Sink
	dir string
}

// Begin creates the job's file.
func (s *filesSink) Begin(job *runner.Job) runner.JobOutput {
	out := s.Sink.Begin(job)
	f, err := os.CreateTemp(s.dir, "krun-*.out")
	if err != nil {
		err = &WriteError{Stream: "--files", Err: fmt.Errorf("create a file in %s: %w", s.dir, err)}
	}
	return &fileOutput{JobOutput: out, f: f, err: err}
}

// fileOutput is one job's output under --files.
type fileOutput struct {
	runner.JobOutput
	f   *os.File
	mu  sync.Mutex // err, between the copier and End
	err error
}

// Stdout is the job's file.
func (o *fileOutput) Stdout() io.Writer { return o }

// Write writes to the file, and remembers the first error.
func (o *fileOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.f.Write(p)
	if err != nil {
		o.err = &WriteError{Stream: "--files (" + o.f.Name() + ")", Err: err}
		return n, o.err
	}
	return n, nil
}

// Discard empties the file for the next try.
func (o *fileOutput) Discard() {
	o.mu.Lock()
	if o.err == nil {
		if err := o.f.Truncate(0); err != nil {
			o.err = &WriteError{Stream: "--files (" + o.f.Name() + ")", Err: err}
		} else if _, err := o.f.Seek(0, io.SeekStart); err != nil {
			o.err = &WriteError{Stream: "--files (" + o.f.Name() + ")", Err: err}
		}
	}
	o.mu.Unlock()
	o.JobOutput.Discard()
}

// End closes the file and writes its name as the job's output.
func (o *fileOutput) End(status runner.Status) error {
	o.mu.Lock()
	err := o.err
	if o.f != nil {
		if cerr := o.f.Close(); cerr != nil && err == nil {
			err = &WriteError{Stream: "--files (" + o.f.Name() + ")", Err: cerr}
		}
	}
	o.mu.Unlock()
	if err == nil {
		_, err = io.WriteString(o.JobOutput.Stdout(), o.f.Name()+"\n")
	}
	if eerr := o.JobOutput.End(status); err == nil {
		err = eerr
	}
	return err
}
