package pipe

import (
	"errors"
	"io"
	"os"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// roundRobin shares the blocks of one input among a fixed set of jobs
// (--round-robin): each job's writer takes the next block whenever its job
// has taken the last one, so a slow job gets fewer blocks.
type roundRobin struct {
	mu    sync.Mutex
	start func() error
	br    func() *blockReader
	head  func() []byte
	err   error
	begun bool
}

// take returns the next block, or io.EOF.
func (rr *roundRobin) take() ([]byte, error) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if err := rr.begin(); err != nil {
		return nil, err
	}
	return rr.br().next()
}

// begin reads the header, once; called with mu held.
func (rr *roundRobin) begin() error {
	if !rr.begun {
		rr.begun = true
		rr.err = rr.start()
	}
	return rr.err
}

// more reports whether the input has a block left for one more job.
func (rr *roundRobin) more() (bool, error) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if err := rr.begin(); err != nil {
		return false, err
	}
	return rr.br().more()
}

// roundRobinNext yields jobs jobs, while there is input for them.
func (s *Source) roundRobinNext(jobs int, start func() error, br func() *blockReader, head func() []byte) func() ([]string, runner.Stdin, error) {
	rr := &roundRobin{start: start, br: br, head: head}
	n := 0
	return func() ([]string, runner.Stdin, error) {
		if n >= max(jobs, 1) {
			return nil, nil, io.EOF
		}
		more, err := rr.more()
		if err != nil {
			return nil, nil, err
		}
		if !more {
			return nil, nil, io.EOF
		}
		n++
		return nil, &rrStdin{rr: rr}, nil
	}
}

// rrStdin is the standard input of one job of a --round-robin run.
type rrStdin struct {
	rr     *roundRobin
	opened bool
}

// Open starts writing blocks into the job's pipe, the header first.
func (s *rrStdin) Open() (*os.File, error) {
	if s.opened {
		return nil, errors.New("with --round-robin the blocks a job took cannot be given again")
	}
	s.opened = true
	r, w, err := newPipe(0)
	if err != nil {
		return nil, err
	}
	// Not counted in Source.feeders: it may be waiting for krun's input.
	go func() {
		defer closeFD(w)
		rr := s.rr
		headDone := false
		for {
			data, err := rr.take()
			if err != nil {
				return
			}
			if !headDone {
				headDone = true
				if writeFD(w, rr.head()) != nil {
					rr.br().release(data)
					return
				}
			}
			err = writeFD(w, data)
			rr.br().release(data)
			if err != nil {
				return // the job stopped reading
			}
		}
	}()
	return r, nil
}

// Close does nothing: the job's writer ends with its pipe.
func (s *rrStdin) Close() {}
