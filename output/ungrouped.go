package output

import (
	"errors"
	"io"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// ungrouped is the Ungrouped mode (-u): every chunk a job writes goes
// straight to krun's stream. Chunks of different jobs may cut each other's
// lines; nothing is buffered, so it is the fastest mode.
type ungrouped struct {
	opt     Options
	streams [2]*syncWriter
}

// syncWriter makes one Write at a time reach a dest.
type syncWriter struct {
	mu sync.Mutex
	d  *dest
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.d.Write(p)
}

func newUngrouped(o Options) *ungrouped {
	return &ungrouped{opt: o, streams: [2]*syncWriter{{d: newDest(o.names()[0], o.Stdout)}, {d: newDest(o.names()[1], o.Stderr)}}}
}

func (u *ungrouped) Begin(job *runner.Job) runner.JobOutput {
	j := &ungroupedJob{u: u}
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
	u       *ungrouped
	writers [2]io.Writer
}

func (j *ungroupedJob) Stdout() io.Writer { return j.writers[0] }
func (j *ungroupedJob) Stderr() io.Writer { return j.writers[1] }

func (j *ungroupedJob) End(runner.Status) error {
	return errors.Join(j.u.streams[0].d.err(), j.u.streams[1].d.err())
}
