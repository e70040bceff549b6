package pipe

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// tailRead is how much is read at a time near a streamed block's end,
// where the record end is looked for: records are usually short.
const tailRead = 8 << 10

// streamer cuts an input with a one-byte record end into blocks and
// streams each one into a job's pipe, one block at a time: the splice
// path. It is used by one goroutine at a time (blocks hand it on).
type streamer struct {
	fd       int
	end      byte
	size     int
	head     []byte
	carry    []byte // read past the last block
	eof      bool
	noSplice bool
	scratch  []byte
	// pos is the input's offset of the next block.
	pos int64
	// spliced and copied count the bytes moved each way, for tests.
	spliced, copied int64
}

// Read reads from the input; io.EOF at its end (the header is read
// through it).
func (s *streamer) Read(p []byte) (int, error) {
	n, err := readFD(s.fd, p)
	if err == nil && n == 0 {
		return 0, io.EOF
	}
	return n, err
}

// more reports whether input is left for another block, reading some if
// needed.
func (s *streamer) more() (bool, error) {
	if len(s.carry) > 0 {
		return true, nil
	}
	if s.eof {
		return false, nil
	}
	n, err := readFD(s.fd, s.scratch)
	if err != nil {
		return false, err
	}
	if n == 0 {
		s.eof = true
		return false, nil
	}
	s.carry = append(s.carry, s.scratch[:n]...)
	return true, nil
}

// fdWriter writes to a job's pipe; after the first failure (the job no
// longer reads) it drops what it is given. fd -1 drops everything.
type fdWriter struct {
	fd  int
	err error
	n   int64 // bytes given, written or dropped
}

func (w *fdWriter) write(p []byte) {
	w.n += int64(len(p))
	if w.err == nil && len(p) > 0 {
		w.err = writeFD(w.fd, p)
	}
}

var errDropped = errors.New("block dropped: its job never ran")

// feed writes the header and the next block into the pipe dst (-1: drop
// it). Once the job stops reading, the rest of its block is read and
// dropped, so that the next block starts at its boundary. The error is
// the input's; the write's, ignored, shows in the job's status.
func (s *streamer) feed(dst int) error {
	w := fdWriter{fd: dst}
	if dst < 0 {
		w.err = errDropped
	}
	w.write(s.head)
	w.n = 0
	defer func() { s.pos += w.n }()
	if len(s.carry) >= s.size {
		if i := bytes.IndexByte(s.carry[s.size-1:], s.end); i >= 0 {
			cut := s.size + i
			w.write(s.carry[:cut])
			s.carry = s.carry[:copy(s.carry, s.carry[cut:])]
			return nil
		}
	}
	w.write(s.carry)
	written := len(s.carry)
	s.carry = s.carry[:0]
	// The bulk: all but the last byte of the block size, moved unread.
	if err := s.move(&w, s.size-1-written); err != nil {
		return err
	}
	// The end: up to and including the next record end.
	for !s.eof {
		n, err := readFD(s.fd, s.scratch)
		if err != nil {
			return err
		}
		if n == 0 {
			s.eof = true
			break
		}
		s.copied += int64(n)
		if i := bytes.IndexByte(s.scratch[:n], s.end); i >= 0 {
			w.write(s.scratch[:i+1])
			s.carry = append(s.carry, s.scratch[i+1:n]...)
			break
		}
		w.write(s.scratch[:n])
	}
	return nil
}

// move moves n bytes of input to w: spliced while w takes them, else
// read (and written or dropped).
func (s *streamer) move(w *fdWriter, n int) error {
	for n > 0 && !s.eof {
		if w.err == nil && !s.noSplice {
			m, err := spliceFD(s.fd, nil, w.fd, n)
			switch {
			case errors.Is(err, errNoSplice):
				s.noSplice = true
				continue
			case err == unix.EPIPE:
				w.err = err
				continue
			case err != nil:
				return err
			case m == 0:
				s.eof = true
			}
			s.spliced += int64(m)
			w.n += int64(m)
			n -= m
			continue
		}
		m, err := readFD(s.fd, s.scratch[:min(n, len(s.scratch))])
		if err != nil {
			return err
		}
		if m == 0 {
			s.eof = true
		}
		s.copied += int64(m)
		w.write(s.scratch[:m])
		n -= m
	}
	return nil
}

// streamBlock is the standard input of a job on the splice path: its
// block is streamed to the first try, or dropped if none runs.
type streamBlock struct {
	s    *streamer
	once sync.Once
	done chan struct{} // closed when the block has been fed or dropped
	err  error         // the input's error, once done
	off  int64         // the block's offset in the input
	size atomic.Int64  // its size, once done
}

// start feeds the block into dst, or drops it with dst -1, once.
func (b *streamBlock) start(dst int) bool {
	started := false
	b.once.Do(func() {
		started = true
		// Not counted in Source.feeders: this writer reads krun's input
		// to the block's end even when dropping it, and ends then.
		go func() {
			b.err = b.s.feed(dst)
			b.size.Store(b.s.pos - b.off)
			if dst >= 0 {
				closeFD(dst)
			}
			close(b.done)
		}()
	})
	return started
}
