package output

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// spool is the one temporary file that the buffered output of all jobs
// spills to once it outgrows memory. It is removed from the directory as
// soon as it is created, so nothing is left behind even if krun is killed
// with SIGKILL; its space is returned to the file system as each job's
// output is written out (hole punching, on Linux) and when krun exits.
//
// Jobs append segments to it concurrently; each job remembers its own.
// One file for all jobs keeps krun at one descriptor however many jobs
// wait to be written (-k behind a slow first job).
type spool struct {
	dir string

	mu   sync.Mutex
	f    *os.File
	size int64 // the end of the file: where the next segment goes
	err  error // the first failure to create the file
}

// segment is a range of the spool file.
type segment struct {
	off, n int64
}

// newSpool returns a spool that creates its file in dir ("" means the
// system's temporary directory) when first written.
func newSpool(dir string) *spool {
	if dir == "" {
		dir = os.TempDir()
	}
	return &spool{dir: dir}
}

// write appends p to the spool file and returns where it went.
func (s *spool) write(p []byte) (segment, error) {
	s.mu.Lock()
	if s.f == nil && s.err == nil {
		s.f, s.err = createUnlinked(s.dir)
	}
	if s.err != nil {
		s.mu.Unlock()
		return segment{}, s.err
	}
	seg := segment{off: s.size, n: int64(len(p))}
	s.size += seg.n
	f := s.f
	s.mu.Unlock()
	// Segments never overlap, so writers need not hold the lock.
	if _, err := f.WriteAt(p, seg.off); err != nil {
		return segment{}, &spillError{dir: s.dir, err: unwrapPathError(err)}
	}
	return seg, nil
}

// copyTo writes the segments to w, in order. Errors from w are returned
// as they are.
func (s *spool) copyTo(w io.Writer, segs []segment) error {
	if len(segs) == 0 {
		return nil
	}
	buf := make([]byte, 64<<10)
	for _, seg := range segs {
		r := io.NewSectionReader(s.f, seg.off, seg.n)
		for {
			n, rerr := r.Read(buf)
			if n > 0 {
				if _, err := w.Write(buf[:n]); err != nil {
					return err
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				return fmt.Errorf("read spilled output in %s: %w", s.dir, unwrapPathError(rerr))
			}
		}
	}
	return nil
}

// spillError is a failure to write to the spill file in dir.
type spillError struct {
	dir string
	err error
}

func (e *spillError) Error() string { return fmt.Sprintf("spill output to %s: %v", e.dir, e.err) }
func (e *spillError) Unwrap() error { return e.err }

// release gives the space of segments back to the file system.
func (s *spool) release(segs []segment) {
	for _, seg := range segs {
		punchHole(s.f, seg.off, seg.n)
	}
}

// close closes the spool file.
func (s *spool) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// createUnlinked creates a temporary file in dir and removes its name, so
// that only the open descriptor keeps it alive.
func createUnlinked(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "krun-spool-*")
	if err != nil {
		return nil, fmt.Errorf("create spill file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("create spill file: %w", err)
	}
	return f, nil
}

// unwrapPathError drops the *os.PathError around err: the spool file's
// own name means nothing to the user, as it no longer exists.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
