// Package output decides where the bytes of jobs go: grouped per job (the
// default), line by line, or unbuffered; in completion or input order;
// tagged or not; with memory bounded by spilling to a temporary file.
package output

import (
	"context"
	"io"
	"os"

	"github.com/krun-dev/krun/runner"
)

// Mode is how the output of concurrent jobs is combined.
type Mode int

const (
	// Grouped writes each job's stdout, and its stderr, as one contiguous
	// block. One job at a time owns each stream and writes to it live.
	Grouped Mode = iota
	// LineBuffered writes each complete line as soon as it is produced:
	// lines of different jobs alternate but are never cut.
	LineBuffered
	// Ungrouped passes output through as it comes, with no guarantee.
	Ungrouped
)

// DefaultBufferSize is how much of one job's output is held in memory
// before the rest spills to a temporary file.
const DefaultBufferSize = 8 << 20

// minMemoryLimit is the least memory the buffers of all jobs may hold
// together; the limit is the larger of this and BufferSize. Held output
// that spills lives in the page cache, which costs no more CPU than
// holding it in krun's heap (measured: 8 jobs × 20 MB waiting, the same
// CPU with 8 MiB or 32 MiB held, and 19 MiB of RSS instead of 43 MiB).
const minMemoryLimit = 8 << 20

// Options configures [New].
type Options struct {
	// Context ends waits the sinks do on their own, such as for the lock
	// of a file that --append shares with other processes. NewAppend
	// needs it.
	Context context.Context
	Mode    Mode
	// KeepOrder writes the jobs' output in start order (-k). With
	// LineBuffered it behaves as Grouped with KeepOrder: the oldest job
	// streams live and the others wait their turn.
	KeepOrder bool
	// Stdout and Stderr are krun's own streams.
	Stdout, Stderr io.Writer
	// StdoutName and StderrName name them in errors; "" means "stdout"
	// and "stderr".
	StdoutName, StderrName string
	// BufferSize is how much of one job's stream is held in memory before
	// it spills to disk; 0 means DefaultBufferSize.
	BufferSize int64
	// TmpDir is where output spills; "" means the system's temporary
	// directory ($TMPDIR).
	TmpDir string
	// Tag prefixes every line of a job with its Job.Tag and a TAB.
	Tag bool
	// ColorStdout and ColorStderr colour the tags written to each stream,
	// one colour per job slot.
	ColorStdout, ColorStderr bool
	// CI wraps each job's stdout block in a collapsible group of that CI
	// system's log, and marks failed jobs (Grouped mode only).
	CI CI
	// Buffers, when set, are the spill file and memory budget every sink
	// made with these options shares (see NewBuffers); nil gives each sink
	// its own.
	Buffers *Buffers
}

// Sink is a runner.Sink that must be closed after the run.
type Sink interface {
	runner.Sink
	// Close writes what is still waiting and releases the spill file.
	Close() error
}

// New returns the sink for o.
func New(o Options) Sink {
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	switch {
	case o.Mode == Ungrouped:
		return newUngrouped(o)
	case o.Mode == LineBuffered && !o.KeepOrder:
		return newLineBuffered(o)
	}
	return newGrouped(o)
}

// names returns the names of the two streams for errors.
func (o Options) names() [2]string {
	n := [2]string{"stdout", "stderr"}
	if o.StdoutName != "" {
		n[0] = o.StdoutName
	}
	if o.StderrName != "" {
		n[1] = o.StderrName
	}
	return n
}

// SameFile reports whether krun's stdout and stderr are the same file or
// pipe (2>&1): then one job at a time may write to either, or the lines of
// two jobs would meet in that file.
func (o Options) SameFile() bool {
	a, ok1 := o.Stdout.(interface{ Stat() (os.FileInfo, error) })
	b, ok2 := o.Stderr.(interface{ Stat() (os.FileInfo, error) })
	if !ok1 || !ok2 {
		return o.Stdout == o.Stderr
	}
	fa, err1 := a.Stat()
	fb, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// Buffers are the spill file and the memory budget of a run: given to
// every sink of the run through Options.Buffers, they hold the run's
// output to one budget and one file, whichever sinks buffer it.
type Buffers struct {
	spool  *spool
	budget *budget
}

// NewBuffers returns the buffers for a run configured by o.
func NewBuffers(o Options) *Buffers {
	return &Buffers{spool: newSpool(o.TmpDir), budget: &budget{limit: MemoryBudget(o)}}
}

// newBuffers returns the spool and the memory budget shared by the buffers
// of every job: o.Buffers', or new ones.
func newBuffers(o Options) (*spool, *budget) {
	if o.Buffers != nil {
		return o.Buffers.spool, o.Buffers.budget
	}
	b := NewBuffers(o)
	return b.spool, b.budget
}

// MemoryBudget is the most output the buffers of all jobs hold in memory
// together, beyond which they spill: BufferSize, at least 8 MiB. One job
// may use all of it.
func MemoryBudget(o Options) int64 {
	size := o.BufferSize
	if size <= 0 {
		size = DefaultBufferSize
	}
	return max(size, minMemoryLimit)
}

// jobWriter returns w, wrapped to prefix each line with the job's tag
// when tagging is on.
func jobWriter(o Options, w io.Writer, job *runner.Job, stream int) io.Writer {
	if !o.Tag {
		return w
	}
	color := (stream == 0 && o.ColorStdout) || (stream == 1 && o.ColorStderr)
	return newTagWriter(w, job, color)
}
