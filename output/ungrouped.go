package output

import (
	"errors"
	"io"

	"github.com/krun-dev/krun/runner"
)

// ungrouped is the Ungrouped mode (-u): every chunk a job writes goes
// straight to krun's stream. Chunks of different jobs may cut each other's
// lines; nothing is buffered, so it is the fastest mode.
type ungrouped struct {
	opt     Options
	streams [2]*lockedDest
	spool   *spool
	budget  *budget
}

func newUngrouped(o Options) *ungrouped {
	sp, bud := newBuffers(o)
	return &ungrouped{
		opt:     o,
		streams: [2]*lockedDest{{d: newDest(o.names()[0], o.Stdout)}, {d: newDest(o.names()[1], o.Stderr)}},
		spool:   sp,
		budget:  bud,
	}
}

func (u *ungrouped) Begin(job *runner.Job) runner.JobOutput {
	j := &ungroupedJob{u: u, job: job}
	for i, s := range u.streams {
		var w io.Writer = s
		if job.Hold {
			// Only the last try's output may be written: keep it till End.
			j.held[i] = &buffer{spool: u.spool, budget: u.budget, limit: u.opt.BufferSize}
			w = j.held[i]
		}
		j.writers[i] = jobWriter(u.opt, w, job, i)
	}
	return j
}

func (u *ungrouped) Message(line string) { io.WriteString(u.streams[1], line+"\n") }

func (u *ungrouped) Close() error {
	return errors.Join(u.streams[0].d.err(), u.streams[1].d.err(), u.spool.close())
}

// ungroupedJob is one job's output in ungrouped mode.
type ungroupedJob struct {
	u       *ungrouped
	job     *runner.Job
	writers [2]io.Writer
	held    [2]*buffer // with Job.Hold, the output of the current try
}

func (j *ungroupedJob) Stdout() io.Writer { return j.writers[0] }
func (j *ungroupedJob) Stderr() io.Writer { return j.writers[1] }

// Discard drops what a failed try wrote.
func (j *ungroupedJob) Discard() {
	for _, b := range j.held {
		if b != nil {
			b.reset()
		}
	}
	for _, w := range j.writers {
		resetTag(w)
	}
}

// End writes the held output of the last try, if any, and the CI
// annotation of a failed job on a line of its own.
func (j *ungroupedJob) End(st runner.Status) error {
	defer func() {
		if ann := j.u.opt.CI.annotation(j.job, st); ann != nil {
			j.u.streams[0].writeLine(ann)
		}
	}()
	for i, b := range j.held {
		if b != nil {
			s := j.u.streams[i]
			s.mu.Lock()
			if err := b.writeTo(lockedWriter{s}); err != nil {
				s.d.fail(err)
			}
			s.mu.Unlock()
		}
	}
	return errors.Join(j.u.streams[0].d.err(), j.u.streams[1].d.err())
}
