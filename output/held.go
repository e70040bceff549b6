package output

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// Held wraps the outermost sink of a run whose jobs may be tried again
// (runner.Job.Hold): a held job's output is kept, in the order the job
// wrote its two streams, and given to the wrapped sink whole when the job
// ends. Below it, every mode and report sees only the last try, so none of
// them has anything to take back when a try fails; Discard drops a failed
// try here. Jobs that are not held pass straight through. Held output is
// kept like grouped output: in memory up to BufferSize and the shared
// budget, then in a spill file of its own.
func Held(inner Sink, o Options) Sink {
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	sp, bud := newBuffers(o)
	return &heldSink{Sink: inner, spool: sp, budget: bud, limit: o.BufferSize}
}

type heldSink struct {
	Sink
	spool  *spool
	budget *budget
	limit  int64
}

// Begin passes the job to the wrapped sink, and holds its output when it
// may be tried again.
func (h *heldSink) Begin(job *runner.Job) runner.JobOutput {
	out := h.Sink.Begin(job)
	if !job.Hold {
		return out
	}
	j := &heldJob{seq: job.Seq, inner: out, buf: buffer{spool: h.spool, budget: h.budget, limit: h.limit}}
	j.streams = [2]heldStream{{j, 0}, {j, 1}}
	return j
}

// Close closes the wrapped sink and the spill file.
func (h *heldSink) Close() error { return errors.Join(h.Sink.Close(), h.spool.close()) }

// heldJob is the output of one held job: both streams in one buffer, with
// the runs that say which stream each stretch came from.
type heldJob struct {
	seq     int64
	inner   runner.JobOutput
	streams [2]heldStream

	mu   sync.Mutex // the two streams are written by two goroutines
	buf  buffer
	runs []heldRun
}

// heldRun is a stretch of a held job's buffer written to one stream.
type heldRun struct {
	stream int
	n      int64
}

func (j *heldJob) Stdout() io.Writer { return j.streams[0] }
func (j *heldJob) Stderr() io.Writer { return j.streams[1] }

// Discard drops what the failed try wrote.
func (j *heldJob) Discard() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf.reset()
	j.runs = j.runs[:0]
}

// End gives the last try's output to the wrapped sink, stretch by stretch
// in the order it was written, and ends the job there.
func (j *heldJob) End(st runner.Status) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	r := j.buf.reader()
	for _, run := range j.runs {
		dst := j.inner.Stdout()
		if run.stream == 1 {
			dst = j.inner.Stderr()
		}
		if _, err = io.CopyN(dst, r, run.n); err != nil {
			if _, ours := errors.AsType[*WriteError](err); ours {
				err = nil // krun's stream failed: the wrapped End says so
			} else {
				err = fmt.Errorf("output of job %d, held for --retries: %w", j.seq, err)
			}
			break
		}
	}
	j.buf.reset()
	j.runs = nil
	return errors.Join(err, j.inner.End(st))
}

// heldStream is one stream of a held job.
type heldStream struct {
	j      *heldJob
	stream int
}

func (s heldStream) Write(p []byte) (int, error) {
	j := s.j
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.buf.Write(p); err != nil {
		return 0, err
	}
	if n := len(j.runs); n > 0 && j.runs[n-1].stream == s.stream {
		j.runs[n-1].n += int64(len(p))
	} else {
		j.runs = append(j.runs, heldRun{stream: s.stream, n: int64(len(p))})
	}
	return len(p), nil
}
