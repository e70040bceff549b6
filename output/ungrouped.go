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
}

func newUngrouped(o Options) *ungrouped {
	return &ungrouped{
		opt:     o,
		streams: [2]*lockedDest{{d: newDest(o.names()[0], o.Stdout)}, {d: newDest(o.names()[1], o.Stderr)}},
	}
}

func (u *ungrouped) Begin(job *runner.Job) runner.JobOutput {
	j := &ungroupedJob{jobOutput: jobOutput{job: job}, u: u}
	for i, s := range u.streams {
		j.writers[i] = jobWriter(u.opt, s, job, i)
	}
	return j
}

func (u *ungrouped) Message(line string) { io.WriteString(u.streams[1], line+"\n") }

func (u *ungrouped) Close() error {
	return errors.Join(u.streams[0].d.err(), u.streams[1].d.err())
}

// ungroupedJob is one job's output in ungrouped mode.
type ungroupedJob struct {
	jobOutput
	u *ungrouped
}

// End writes the CI annotation of a failed job on a line of its own.
func (j *ungroupedJob) End(st runner.Status) error {
	if ann := j.u.opt.CI.annotation(j.job, st); ann != nil {
		j.u.streams[0].writeLine(ann)
	}
	return errors.Join(j.u.streams[0].d.err(), j.u.streams[1].d.err())
}
