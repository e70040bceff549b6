// Package output decides where the bytes of jobs go: grouped per job,
// in input order or completion order, to krun's standard output and
// standard error.
package output

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// Group is the default output mode: each job's standard output and standard
// error are collected while it runs and written whole, each as one
// contiguous block, when it ends, so no byte of one job is ever mixed with
// another job's. With keepOrder the blocks come in input order (-k),
// otherwise in completion order.
//
// Group implements runner.Sink. Its methods are safe for concurrent use.
type Group struct {
	mu        sync.Mutex
	stdout    io.Writer
	stderr    io.Writer
	keepOrder bool
	// queue holds, with keepOrder, the jobs begun and not yet written, in
	// start order.
	queue []*groupJob
	// err is the first error writing to stdout or stderr; nothing more is
	// written after it.
	err error
}

// NewGroup returns a Group writing to stdout and stderr.
func NewGroup(stdout, stderr io.Writer, keepOrder bool) *Group {
	return &Group{stdout: stdout, stderr: stderr, keepOrder: keepOrder}
}

// Begin returns the output of a job that is about to start.
func (g *Group) Begin(job *runner.Job) runner.JobOutput {
	j := &groupJob{g: g, seq: job.Seq}
	if g.keepOrder {
		g.mu.Lock()
		g.queue = append(g.queue, j)
		g.mu.Unlock()
	}
	return j
}

// Message writes line and a newline to stderr between two jobs' blocks.
func (g *Group) Message(line string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.write(g.stderr, []byte(line+"\n"), "stderr")
}

// write writes b to w unless an earlier write failed, and remembers the
// first failure.
func (g *Group) write(w io.Writer, b []byte, name string) {
	if g.err != nil || len(b) == 0 {
		return
	}
	if _, err := w.Write(b); err != nil {
		g.err = &WriteError{Stream: name, Err: err}
	}
}

// emit writes a job's blocks. g.mu must be held.
func (g *Group) emit(j *groupJob) {
	g.write(g.stdout, j.stdout.Bytes(), "stdout")
	g.write(g.stderr, j.stderr.Bytes(), "stderr")
	j.stdout = bytes.Buffer{}
	j.stderr = bytes.Buffer{}
}

// WriteError is a failure to write to krun's standard output or error.
type WriteError struct {
	Stream string // "stdout" or "stderr"
	Err    error
}

func (e *WriteError) Error() string { return fmt.Sprintf("write %s: %v", e.Stream, e.Err) }

func (e *WriteError) Unwrap() error { return e.Err }

// groupJob is one job's output in a Group.
type groupJob struct {
	g      *Group
	seq    int64
	stdout bytes.Buffer
	stderr bytes.Buffer
	ended  bool
}

// Stdout and Stderr collect the job's streams. Each is written by one
// goroutine, and End runs after both are done, so they need no lock.
func (j *groupJob) Stdout() io.Writer { return &j.stdout }
func (j *groupJob) Stderr() io.Writer { return &j.stderr }

// End writes the job's output: at once, or with keepOrder when every job
// begun before it has been written.
func (j *groupJob) End(runner.Status) error {
	g := j.g
	g.mu.Lock()
	defer g.mu.Unlock()
	j.ended = true
	if !g.keepOrder {
		g.emit(j)
		return g.err
	}
	for len(g.queue) > 0 && g.queue[0].ended {
		g.emit(g.queue[0])
		g.queue[0] = nil
		g.queue = g.queue[1:]
	}
	return g.err
}
