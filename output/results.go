package output

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/runner"
)

// Results wraps a Sink and also saves every job's output under a
// directory (--results DIR): DIR/<seq>/stdout, stderr, cmd and exitval.
type Results struct {
	Sink
	dir string
}

// NewResults returns a Results saving under dir, which it creates.
func NewResults(inner Sink, dir string) (*Results, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return &Results{Sink: inner, dir: dir}, nil
}

// Begin creates the job's directory and files.
func (r *Results) Begin(job *runner.Job) runner.JobOutput {
	inner := r.Sink.Begin(job)
	rj := &resultsJob{inner: inner, dir: filepath.Join(r.dir, strconv.FormatInt(job.Seq, 10))}
	rj.err = rj.create(job)
	return rj
}

// resultsJob tees one job's output into its result files.
type resultsJob struct {
	inner       runner.JobOutput
	dir         string
	out, errOut *os.File
	err         error // the failure to create the files, reported at End
}

func (rj *resultsJob) create(job *runner.Job) error {
	if err := os.MkdirAll(rj.dir, 0o777); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	// Begin runs on the run loop: the files are opened without waiting
	// (a FIFO with no reader is an error), by the rule of package outfile.
	if err := outfile.WriteFile(filepath.Join(rj.dir, "cmd"), []byte(job.Command+"\n")); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	var err error
	if rj.out, err = outfile.OpenNow(filepath.Join(rj.dir, "stdout"), outfile.Truncate); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if rj.errOut, err = outfile.OpenNow(filepath.Join(rj.dir, "stderr"), outfile.Truncate); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// tee writes to the result file first, so that the file is complete even
// when krun's own stream fails.
func tee(f *os.File, w io.Writer) io.Writer {
	if f == nil {
		return w
	}
	return io.MultiWriter(f, w)
}

func (rj *resultsJob) Stdout() io.Writer { return tee(rj.out, rj.inner.Stdout()) }
func (rj *resultsJob) Stderr() io.Writer { return tee(rj.errOut, rj.inner.Stderr()) }

// Discard empties the files of a failed try.
func (rj *resultsJob) Discard() {
	for _, f := range []*os.File{rj.out, rj.errOut} {
		if f != nil {
			f.Truncate(0)
			f.Seek(0, io.SeekStart)
		}
	}
	rj.inner.Discard()
}

// End writes exitval and closes the files.
func (rj *resultsJob) End(st runner.Status) error {
	errs := []error{rj.err}
	for _, f := range []*os.File{rj.out, rj.errOut} {
		if f != nil {
			if err := f.Close(); err != nil {
				errs = append(errs, fmt.Errorf("results: %w", err))
			}
		}
	}
	if rj.err == nil {
		if err := outfile.WriteFile(filepath.Join(rj.dir, "exitval"), []byte(strconv.Itoa(st.Exit)+"\n")); err != nil {
			errs = append(errs, fmt.Errorf("results: %w", err))
		}
	}
	errs = append(errs, rj.inner.End(st))
	return errors.Join(errs...)
}
