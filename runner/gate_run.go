package runner

import (
	"fmt"
	"time"
)

// The run loop's side of the Gate: a record that arrives while the gate
// is closed is held, and started when a later check opens it; a job the
// gate ends (evicted) keeps its slot, its output is discarded, and it
// runs again before any new record once the gate opens.

// gateOpen checks the gate before a job starts; while it is closed, the
// loop polls it. Each flag that holds jobs back says so once per run, so
// that a run that seems stuck tells why.
func (r *run) gateOpen() bool {
	if !r.cfg.Gate.enabled() {
		return true
	}
	st := r.cfg.Gate.check(r.cfg.Shell, r.cfg.Env)
	if st.err != nil {
		r.fail(st.err)
		return false
	}
	if st.evict {
		r.evictYoungest(st.why)
	}
	if !st.open && !r.gateSaid[st.kind] {
		if r.gateSaid == nil {
			r.gateSaid = map[string]bool{}
		}
		r.gateSaid[st.kind] = true
		r.cfg.Sink.Message("waiting to start jobs: " + st.why)
	}
	return st.open
}

// gateTimer returns the channel of the next poll of the gate, when one
// is due: a record or an ended job waits for it, or jobs run that it may
// have to end.
func (r *run) gateTimer(current <-chan time.Time) <-chan time.Time {
	g := &r.cfg.Gate
	if current != nil || !g.enabled() {
		return current
	}
	if r.held != nil || len(r.requeue) > 0 || g.evicts() && r.inflight > len(r.requeue) {
		return time.After(g.poll())
	}
	return nil
}

// pollGate is a poll of the gate: it may end the youngest job, and when
// it opens, the first ended job runs again, or else the held record
// starts.
func (r *run) pollGate() {
	if r.stopping {
		return
	}
	if !r.gateOpen() {
		return
	}
	if len(r.requeue) > 0 {
		f := r.requeue[0]
		r.requeue = r.requeue[1:]
		r.starts++
		f.job.started = r.starts
		go r.runJob(f.job, f.out, r.timeout())
		return
	}
	if r.held != nil && r.canStart() {
		rec := *r.held
		r.held = nil
		r.start(rec)
	}
}

// evictYoungest ends the most recently started job that is not already
// ending, by the termination sequence; it runs again later (see
// requeued).
func (r *run) evictYoungest(why string) {
	p := r.procs.youngest()
	if p == nil {
		return
	}
	r.cfg.Sink.Message(fmt.Sprintf("job %d: ending it, to run it again later: %s", p.job.Seq, why))
	p.evicted.Store(true)
	go p.terminate(r.cfg.TermSeq)
}

// requeued takes a job the gate ended: it waits, with its slot, to run
// again; when the run is stopping, it ends with the status of its try.
func (r *run) requeued(f finished) {
	if r.stopping {
		go r.endJob(f.job, f.out, f.status)
		return
	}
	r.requeue = append(r.requeue, f)
}

// dropRequeued ends the jobs waiting to run again when the run stops.
func (r *run) dropRequeued() {
	for _, f := range r.requeue {
		go r.endJob(f.job, f.out, f.status)
	}
	r.requeue = nil
	r.held = nil
}
