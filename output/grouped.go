package output

import (
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/krun-dev/krun/runner"
)

// grouped is the Grouped mode. A job's output is held (in memory, then in
// the spill file) and written whole when the job ends, in the order jobs
// end, as GNU parallel does: a slow job that prints one early line holds
// back nobody. Only a job whose held output outgrows its memory (its
// --buffer-size or the shared budget) while the stream is free takes the
// stream: its buffer is written and it goes on live, with no buffering and
// no spill, until it ends. Jobs that end meanwhile wait, and are written in
// the order they ended as soon as it ends; then a running job that has
// outgrown its memory, if any, takes the stream. With KeepOrder the owner
// is always the oldest job not yet written, and ended jobs wait for the
// ones begun before them. Either way a job's stream is one contiguous
// block, never mixed with another job's bytes; and a lone job writing
// gigabytes spools nothing (beyond its first buffer's worth) and shows its
// output as it runs.
//
// Locks, in the order they are taken (never the other way round):
// groupStream.mu, then jobStream.mu. Calls that may block on writing to
// krun's stream: jobStream.Write of the owner (holding its jobStream.mu),
// and every groupStream method that writes blocks or messages (setOwner,
// advance, handOn, end, writeMessages; holding groupStream.mu), so a
// stalled reader of krun's stdout stalls the jobs that write to it. Jobs
// that are only buffering never wait on the stream.
type grouped struct {
	opt     Options
	streams [2]*groupStream // stdout, stderr
	spool   *spool
	// merged: stdout and stderr are one file (2>&1); one stream serves
	// both, and each job writes its two streams into one block, in the
	// order it wrote them.
	merged bool
}

func newGrouped(o Options) *grouped {
	sp, bud := newBuffers(o)
	g := &grouped{opt: o, spool: sp, merged: o.SameFile()}
	for i, w := range []io.Writer{o.Stdout, o.Stderr} {
		if i == 1 && g.merged {
			g.streams[1] = g.streams[0]
			break
		}
		g.streams[i] = &groupStream{
			d:         newDest(o.names()[i], w),
			keepOrder: o.KeepOrder,
			newBuffer: func() buffer { return buffer{spool: sp, budget: bud, limit: o.BufferSize} },
		}
	}
	return g
}

// Begin adds a job that is about to start.
func (g *grouped) Begin(job *runner.Job) runner.JobOutput {
	j := &groupJob{jobOutput: jobOutput{job: job}, ci: g.opt.CI}
	for i, s := range g.streams {
		if i == 1 && g.merged {
			j.streams[1] = j.streams[0]
			j.writers[1] = jobWriter(g.opt, j.streams[0], job, 1)
			break
		}
		js := &jobStream{s: s, buf: s.newBuffer(), hold: job.Hold}
		if i == 0 {
			js.header = g.opt.CI.header(job)
		}
		s.mu.Lock()
		s.jobs = append(s.jobs, js)
		if s.keepOrder {
			s.advance()
		}
		s.mu.Unlock()
		j.streams[i] = js
		j.writers[i] = jobWriter(g.opt, js, job, i)
	}
	return j
}

// Message writes a line of krun's own to stderr; while a job owns stderr
// it waits for the owner's block to end.
func (g *grouped) Message(line string) {
	s := g.streams[1]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, line+"\n")
	if s.owner == nil {
		s.writeMessages()
	}
}

// Close writes the messages still waiting and closes the spill file.
func (g *grouped) Close() error {
	s := g.streams[1]
	s.mu.Lock()
	s.writeMessages()
	s.mu.Unlock()
	return errors.Join(g.streams[0].d.err(), g.streams[1].d.err(), g.spool.close())
}

// groupStream is one of krun's streams in grouped mode.
type groupStream struct {
	d         *dest
	keepOrder bool
	newBuffer func() buffer

	mu sync.Mutex // guards the fields below, and ended in every jobStream
	// jobs are the jobs not yet written out, in begin order. Without
	// keepOrder only running jobs are kept here.
	jobs []*jobStream
	// done are, without keepOrder, the ended jobs waiting for the owner to
	// end, in completion order.
	done  []*jobStream
	owner *jobStream
	// owned mirrors owner != nil, for writers that check without s.mu.
	owned atomic.Bool
	msgs  []string // krun's messages waiting for the stream to be free
}

// setOwner makes js (or nobody) the stream's owner. s.mu must be held.
func (s *groupStream) setOwner(js *jobStream) {
	s.owner = js
	s.owned.Store(js != nil)
	if js != nil {
		js.goLive()
	}
}

// claim makes js the owner if the stream is free: the first job to write
// to a free stream writes live.
func (s *groupStream) claim(js *jobStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.owner == nil && !js.ended && !js.hold {
		s.setOwner(js)
	}
}

// advance hands the stream on, with KeepOrder, as far as it can go: the
// oldest job not yet written owns it. s.mu must be held.
func (s *groupStream) advance() {
	for {
		if s.owner != nil {
			if !s.owner.ended {
				return
			}
			s.jobs = s.jobs[1:] // the owner is always the first
			s.owner.closeBlock()
			s.setOwner(nil)
		}
		s.writeMessages()
		if len(s.jobs) == 0 {
			return
		}
		head := s.jobs[0]
		if !head.ended {
			if !head.hold {
				s.setOwner(head)
			}
			return
		}
		s.jobs = s.jobs[1:]
		head.writeBlock()
	}
}

// handOn passes the stream on when its owner has ended, without
// KeepOrder: the jobs that ended meanwhile are written in completion
// order, then the oldest running job that outgrew its memory owns the
// stream. s.mu must be held.
func (s *groupStream) handOn() {
	s.setOwner(nil)
	s.writeMessages()
	for _, js := range s.done {
		js.writeBlock()
	}
	clear(s.done)
	s.done = s.done[:0]
	for _, js := range s.jobs {
		if !js.hold && js.outgrown() {
			s.setOwner(js)
			return
		}
	}
}

// writeMessages writes krun's waiting messages. s.mu must be held and the
// stream must have no owner.
func (s *groupStream) writeMessages() {
	for _, m := range s.msgs {
		io.WriteString(s.d, m)
	}
	s.msgs = s.msgs[:0]
}

// end marks js as ended: its output is written now, or when its turn
// comes.
func (s *groupStream) end(js *jobStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	js.ended = true
	if s.keepOrder {
		s.advance()
		return
	}
	if i := slices.Index(s.jobs, js); i >= 0 {
		s.jobs = slices.Delete(s.jobs, i, i+1)
	}
	switch s.owner {
	case js:
		js.closeBlock()
		s.handOn()
	case nil:
		js.writeBlock()
		s.writeMessages()
	default:
		s.done = append(s.done, js)
	}
}

// jobStream is one stream of one job in grouped mode.
type jobStream struct {
	s *groupStream

	mu    sync.Mutex // guards buf and live; held while writing live
	buf   buffer
	live  bool
	ended bool // guarded by s.mu
	// hold: the job may be tried again, so its output arrives whole when
	// it ends ([Held] keeps the tries); it must not own the stream before.
	hold bool
	// header and footer surround the job's block for CI logs; the footer
	// is set when the job ends. Guarded by mu.
	header, footer []byte
	headerDone     bool
	// midLine: the job's last byte so far was not a newline, so a footer
	// needs one first to stand at the start of a line. Guarded by mu.
	midLine bool
}

// Write buffers p, or writes it to krun's stream when the job owns it, or
// when holding p would outgrow the job's memory and the stream is free.
func (js *jobStream) Write(p []byte) (int, error) {
	if !js.s.keepOrder && !js.hold && !js.s.owned.Load() && js.wouldSpill(len(p)) {
		js.s.claim(js)
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if len(p) > 0 {
		js.midLine = p[len(p)-1] != '\n'
	}
	if js.live {
		return js.s.d.Write(p)
	}
	return js.buf.Write(p)
}

// wouldSpill reports whether holding n more bytes would outgrow the job's
// memory.
func (js *jobStream) wouldSpill(n int) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	return !js.live && js.buf.full(n)
}

// outgrown reports whether js holds more than its memory: it has spilled.
func (js *jobStream) outgrown() bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.buf.spilled
}

// goLive writes what js has buffered and makes its further writes go
// straight to the stream, which js now owns. A write error is kept by the
// stream's dest and reported from there.
func (js *jobStream) goLive() {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.writeHeld()
	js.live = true
}

// writeBlock writes the whole block of a job that has ended: what it has
// buffered, then the block's footer.
func (js *jobStream) writeBlock() {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.writeHeld()
	js.writeFooter()
}

// writeHeld writes the block's header, once, and empties the buffer into
// the stream. js.mu must be held.
func (js *jobStream) writeHeld() {
	js.openBlock()
	if err := js.buf.writeTo(js.s.d); err != nil {
		js.s.d.fail(err) // a no-op when the write itself failed
	}
}

// writeFooter ends the block's CI group on a line of its own. js.mu must
// be held.
func (js *jobStream) writeFooter() {
	if len(js.footer) == 0 {
		return
	}
	if js.midLine {
		js.s.d.Write([]byte{'\n'})
	}
	js.s.d.Write(js.footer)
}

// openBlock writes the header of the job's block once. js.mu must be held.
func (js *jobStream) openBlock() {
	if !js.headerDone {
		js.headerDone = true
		js.s.d.Write(js.header)
	}
}

// closeBlock ends the block of a job that wrote live.
func (js *jobStream) closeBlock() {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.writeFooter()
}

// groupJob is one job's output in grouped mode.
type groupJob struct {
	jobOutput
	ci      CI
	streams [2]*jobStream
}

// End hands both streams on: the job's output is written if it was
// waiting, and the next job may own the streams. It returns the first
// error writing krun's streams.
func (j *groupJob) End(st runner.Status) error {
	if j.ci != CINone {
		js := j.streams[0]
		js.mu.Lock()
		js.footer = j.ci.footer(j.job, st)
		js.mu.Unlock()
	}
	j.streams[0].s.end(j.streams[0])
	if j.streams[1] != j.streams[0] {
		j.streams[1].s.end(j.streams[1])
	}
	return errors.Join(j.streams[0].s.d.err(), j.streams[1].s.d.err())
}
