package output

import (
	"bytes"
	"errors"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// lineBuffered is the LineBuffered mode: a job's complete lines are written
// as soon as they are produced, each whole, so lines of different jobs
// alternate but are never cut. A line's beginning waits in the job's
// buffer (spilling like grouped output if it is huge) until its newline
// arrives; a last line without newline is written when the job ends.
type lineBuffered struct {
	opt     Options
	streams [2]*lockedDest
	spool   *spool
	budget  *budget
}

// lockedDest serialises writes to one of krun's streams: whole lines in
// line-buffered mode, each Write in ungrouped mode.
type lockedDest struct {
	mu sync.Mutex
	d  *dest
	// midLine: the last byte written was not a newline (a job's last line
	// without one). Guarded by mu.
	midLine bool
}

// Write writes p as one uninterrupted write (ungrouped mode).
func (ld *lockedDest) Write(p []byte) (int, error) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.write(p)
}

// write writes p; ld.mu must be held.
func (ld *lockedDest) write(p []byte) (int, error) {
	if len(p) > 0 {
		ld.midLine = p[len(p)-1] != '\n'
	}
	return ld.d.Write(p)
}

// writeLine writes line on a line of its own.
func (ld *lockedDest) writeLine(line []byte) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	if ld.midLine {
		ld.write([]byte{'\n'})
	}
	ld.write(line)
}

func newLineBuffered(o Options) *lineBuffered {
	sp, bud := newBuffers(o)
	l := &lineBuffered{
		opt:     o,
		streams: [2]*lockedDest{{d: newDest(o.names()[0], o.Stdout)}, {d: newDest(o.names()[1], o.Stderr)}},
		spool:   sp,
		budget:  bud,
	}
	if o.SameFile() {
		l.streams[1] = l.streams[0] // one lock: whole lines in the one file
	}
	return l
}

func (l *lineBuffered) Begin(job *runner.Job) runner.JobOutput {
	j := &lineJob{jobOutput: jobOutput{job: job}, ci: l.opt.CI}
	for i, ld := range l.streams {
		ls := &lineStream{ld: ld, partial: buffer{spool: l.spool, budget: l.budget, limit: l.opt.BufferSize}}
		j.streams[i] = ls
		j.writers[i] = jobWriter(l.opt, ls, job, i)
	}
	return j
}

func (l *lineBuffered) Message(line string) { l.streams[1].writeLine([]byte(line + "\n")) }

func (l *lineBuffered) Close() error {
	return errors.Join(l.streams[0].d.err(), l.streams[1].d.err(), l.spool.close())
}

// lineStream is one stream of one job in line-buffered mode.
type lineStream struct {
	ld      *lockedDest
	partial buffer // the beginning of a line whose newline has not come
}

func (ls *lineStream) Write(p []byte) (int, error) {
	i := bytes.LastIndexByte(p, '\n')
	if i < 0 {
		return ls.partial.Write(p)
	}
	if err := ls.writeOut(p[:i+1]); err != nil {
		return 0, err
	}
	if _, err := ls.partial.Write(p[i+1:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeOut writes the waiting partial line and then p, which ends with a
// newline or is the job's last bytes, as one uninterrupted run.
func (ls *lineStream) writeOut(p []byte) error {
	ls.ld.mu.Lock()
	defer ls.ld.mu.Unlock()
	if ls.partial.len() > 0 {
		if err := ls.partial.writeTo(lockedWriter{ls.ld}); err != nil {
			ls.ld.d.fail(err)
			return err
		}
	}
	if len(p) == 0 {
		return nil
	}
	_, err := ls.ld.write(p)
	return err
}

// lineJob is one job's output in line-buffered mode.
type lineJob struct {
	jobOutput
	ci      CI
	streams [2]*lineStream
}

// End writes a last line that has no newline, and the CI annotation of
// a failed job as a line of its own on stdout.
func (j *lineJob) End(st runner.Status) error {
	for _, ls := range j.streams {
		if ls.partial.len() > 0 {
			ls.writeOut(nil)
		}
	}
	if ann := j.ci.annotation(j.job, st); ann != nil {
		j.streams[0].ld.writeLine(ann)
	}
	return errors.Join(j.streams[0].ld.d.err(), j.streams[1].ld.d.err())
}

// lockedWriter is a lockedDest as an io.Writer for a holder of its lock.
type lockedWriter struct{ ld *lockedDest }

func (w lockedWriter) Write(p []byte) (int, error) { return w.ld.write(p) }
