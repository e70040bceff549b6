package output

import (
	"fmt"
	"io"
	"sync/atomic"
)

// dest is one of krun's own output streams, stdout or stderr. After the
// first failed write it writes nothing more and returns that error, so a
// closed pipe or a full disk is reported once.
type dest struct {
	name   string
	w      io.Writer
	failed atomic.Pointer[failure]
	// midLine: the last byte written was not a newline (a job's output
	// that ended without one), so krun's next line needs one first.
	midLine atomic.Bool
}

// failure boxes the first error of a dest.
type failure struct{ err error }

func newDest(name string, w io.Writer) *dest { return &dest{name: name, w: w} }

// Write writes p, or returns the first error met.
func (d *dest) Write(p []byte) (int, error) {
	if f := d.failed.Load(); f != nil {
		return 0, f.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := d.w.Write(p)
	if n > 0 {
		d.midLine.Store(p[n-1] != '\n')
	}
	if err != nil {
		d.fail(&WriteError{Stream: d.name, Err: err})
		return n, d.err()
	}
	return n, nil
}

// writeLine writes one of krun's lines, on a line of its own.
func (d *dest) writeLine(line string) {
	if d.midLine.Load() {
		d.Write(newline)
	}
	io.WriteString(d, line)
}

// fail records err as the dest's failure unless it already has one: output
// meant for the stream was lost.
func (d *dest) fail(err error) { d.failed.CompareAndSwap(nil, &failure{err}) }

// err returns the first failure, or nil.
func (d *dest) err() error {
	if f := d.failed.Load(); f != nil {
		return f.err
	}
	return nil
}

// WriteError is a failure to write to krun's standard output or error.
type WriteError struct {
	Stream string // "stdout" or "stderr"
	Err    error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("write %s: %v", e.Stream, unwrapPathError(e.Err))
}

func (e *WriteError) Unwrap() error { return e.Err }

// OutputStream names the stream that failed; it marks the error as
// krun's own output failing rather than a job's.
func (e *WriteError) OutputStream() string { return e.Stream }
