package output

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// BlockAppender appends one block to a shared file, whole, under the
// file's lock; lockfile.Appender is one.
type BlockAppender interface {
	Append(ctx context.Context, r io.Reader) (int64, error)
	Name() string
}

// AppendOptions configures [NewAppend].
type AppendOptions struct {
	// Stdout and Stderr, when set, receive the jobs' streams instead of
	// krun's own (--append, --append-stderr).
	Stdout, Stderr BlockAppender
	// KeepOrder appends the blocks in input order.
	KeepOrder bool
}

// Append wraps a Sink so that the jobs' stdout (and stderr) are appended
// to shared files, each job's stream as one contiguous block written under
// the file's exclusive flock: any number of krun processes, and flock(1)
// users of the same lock, can append to one file and no block is ever cut
// or lost. A job's stream is buffered (spilling to disk like grouped
// output) until it ends. Tags apply, as configured in the wrapped sink's
// Options.
type Append struct {
	Sink
	opt       Options
	aopt      AppendOptions
	spool     *spool
	budget    *budget
	mu        sync.Mutex
	queue     []*appendJob // with KeepOrder: begun, not yet appended
	appendErr errOnce
}

// NewAppend wraps inner; o are the options inner was made with, whose
// Context ends the waits for a file's lock.
func NewAppend(inner Sink, o Options, a AppendOptions) *Append {
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	sp, bud := newBuffers(o)
	return &Append{Sink: inner, opt: o, aopt: a, spool: sp, budget: bud}
}

// Begin returns the job's output: the appended streams buffered, the others
// to the wrapped sink.
func (a *Append) Begin(job *runner.Job) runner.JobOutput {
	j := &appendJob{a: a, JobOutput: a.Sink.Begin(job)}
	for i, ap := range []BlockAppender{a.aopt.Stdout, a.aopt.Stderr} {
		if ap == nil {
			continue
		}
		j.bufs[i] = &buffer{spool: a.spool, budget: a.budget, limit: a.opt.BufferSize}
		j.writers[i] = jobWriter(a.opt, j.bufs[i], job, i)
	}
	if a.aopt.KeepOrder {
		a.mu.Lock()
		a.queue = append(a.queue, j)
		a.mu.Unlock()
	}
	return j
}

// Close closes the wrapped sink and the spill file.
func (a *Append) Close() error {
	return errors.Join(a.Sink.Close(), a.spool.close())
}

// appendJob is one job's output with appended streams; the others, and
// Discard, are the wrapped sink's.
type appendJob struct {
	runner.JobOutput
	a       *Append
	bufs    [2]*buffer
	writers [2]io.Writer
	ended   bool // guarded by a.mu
}

func (j *appendJob) Stdout() io.Writer {
	if j.writers[0] != nil {
		return j.writers[0]
	}
	return j.JobOutput.Stdout()
}

func (j *appendJob) Stderr() io.Writer {
	if j.writers[1] != nil {
		return j.writers[1]
	}
	return j.JobOutput.Stderr()
}

// End appends the job's blocks, now or, with KeepOrder, once the jobs
// begun before it have been appended.
func (j *appendJob) End(st runner.Status) error {
	a := j.a
	if !a.aopt.KeepOrder {
		j.appendBlocks()
	} else {
		a.mu.Lock()
		j.ended = true
		for len(a.queue) > 0 && a.queue[0].ended {
			a.queue[0].appendBlocks()
			a.queue = a.queue[1:]
		}
		a.mu.Unlock()
	}
	return errors.Join(a.appendErr.get(), j.JobOutput.End(st))
}

// appendBlocks appends each buffered stream as one block.
func (j *appendJob) appendBlocks() {
	for i, ap := range []BlockAppender{j.a.aopt.Stdout, j.a.aopt.Stderr} {
		b := j.bufs[i]
		if b == nil || b.len() == 0 {
			continue
		}
		if _, err := ap.Append(j.a.opt.Context, b.reader()); err != nil {
			j.a.appendErr.set(&WriteError{Stream: ap.Name(), Err: err})
		}
		b.reset()
	}
}
