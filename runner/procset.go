package runner

import (
	"sync"
	"syscall"
)

// procSet is the set of running processes, shared by the job goroutines
// (which add and remove theirs) and the run loop (which ends them all).
type procSet struct {
	mu    sync.Mutex
	procs map[*process]struct{}
	// stopSeq, once set, is how every process, present or added later, is
	// ended: the run is stopping; halting, because a --halt rule tripped.
	stopSeq []TermStep
	halting bool
}

// add registers p; if the run is stopping, p is ended at once.
func (s *procSet) add(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.procs == nil {
		s.procs = map[*process]struct{}{}
	}
	s.procs[p] = struct{}{}
	if s.stopSeq != nil {
		if s.halting {
			p.markHalted()
		}
		go p.terminate(s.stopSeq)
	}
}

func (s *procSet) remove(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.procs, p)
}

// stop ends every process with seq, and every process added from now on;
// halting tells that a --halt rule is the reason.
func (s *procSet) stop(seq []TermStep, halting bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopSeq, s.halting = seq, halting
	for p := range s.procs {
		if halting {
			p.markHalted()
		}
		go p.terminate(seq)
	}
}

// kill sends SIGKILL to every process group at once.
func (s *procSet) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopSeq = []TermStep{{Signal: syscall.SIGKILL}}
	for p := range s.procs {
		p.markKilled()
		p.signal(syscall.SIGKILL)
	}
}

// youngest returns the process of the job started last that krun is not
// already ending, or nil. Only the run loop may call it (Job.started).
func (s *procSet) youngest() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	var y *process
	for p := range s.procs {
		if p.killed.Load() || p.evicted.Load() {
			continue
		}
		if y == nil || p.job.started > y.job.started {
			y = p
		}
	}
	return y
}
