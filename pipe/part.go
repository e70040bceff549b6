package pipe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/runner"
)

// window is how much of the file is read at a time to find a boundary.
const window = 64 << 10

// parts cuts a seekable file into byte ranges at record boundaries
// (--pipepart), reading only around each boundary.
type parts struct {
	f    *os.File
	size int64
	rec  *Records
	pos  int64 // where the next range starts
	step int64 // the block size
}

// NewPart returns the Source giving each job one range of f, a seekable
// file, spliced straight from it (--pipepart). Count, Deliver, Again and
// RoundRobin do not apply: every range can be given again.
func NewPart(f *os.File, o Options) (*Source, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	switch {
	case o.Count > 0:
		return nil, errors.New("a record count per block needs the records read: not with ranges of a file")
	case o.RoundRobin:
		return nil, errors.New("round-robin shares a stream: not with ranges of a file")
	case o.Deliver != ToStdin:
		return nil, errors.New("ranges of a file go to standard input only")
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil || !fi.Mode().IsRegular() && fi.Mode()&os.ModeType != os.ModeDevice {
		return nil, fmt.Errorf("%s is not a seekable file (a regular file or a disk): give it to --pipe instead", f.Name())
	}
	return newParts(f, o, 0)
}

// seekable reports whether f is a regular file whose blocks can be found
// by seeking, and its current offset.
func seekable(f *os.File) (int64, bool) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	off, err := f.Seek(0, io.SeekCurrent)
	return off, err == nil
}

// newParts returns the Source of the ranges of f from its offset from
// on. At the end it leaves f's offset at the end, as if read.
func newParts(f *os.File, o Options, from int64) (*Source, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	rec, _ := NewRecords(o.RecEnd, o.RecStart, o.Regexp)
	head, _ := parseHeader(o.Header)
	p := &parts{f: f, size: size, rec: rec, step: o.BlockSize, pos: from}
	var hd []byte
	s := &Source{spliced: true, feeders: &sync.WaitGroup{}}
	fd := int(f.Fd())
	begun := false
	s.next = func() ([]string, runner.Stdin, error) {
		if !begun && head != nil {
			begun = true
			hd, _, _, err = head.read(io.NewSectionReader(f, from, size-from))
			if err != nil {
				return nil, nil, fmt.Errorf("read the header: %w", err)
			}
			p.pos += int64(len(hd))
		}
		start, end, err := p.next()
		if err != nil {
			return nil, nil, err
		}
		return nil, &rangeBlock{fd: fd, head: hd, off: start, end: end, feeders: s.feeders}, nil
	}
	return s, nil
}

// next returns the next range, or io.EOF.
func (p *parts) next() (start, end int64, err error) {
	if p.pos >= p.size {
		return 0, 0, io.EOF
	}
	start = p.pos
	end = p.size
	if p.size-start > p.step {
		if end, err = p.boundary(start, start+p.step); err != nil {
			return 0, 0, fmt.Errorf("read %s: %w", p.f.Name(), err)
		}
	}
	p.pos = end
	return start, end, nil
}

// boundary returns the first record boundary at or after t, the end of
// the file if none, reading forward from a little before t (but not
// before lo, the start of the range).
func (p *parts) boundary(lo, t int64) (int64, error) {
	if end, ok := p.rec.singleByte(); ok {
		buf := make([]byte, window)
		for at := t - 1; at < p.size; at += window {
			n, err := p.f.ReadAt(buf, at)
			if err != nil && err != io.EOF {
				return 0, err
			}
			if i := bytes.IndexByte(buf[:n], end); i >= 0 {
				return at + int64(i) + 1, nil
			}
		}
		return p.size, nil
	}
	// Start early enough that a record end reaching t is seen whole.
	w0 := max(lo, t-1-int64(len(p.rec.lit)))
	for n := int64(window); ; n *= 2 {
		buf := make([]byte, min(n, p.size-w0))
		if _, err := p.f.ReadAt(buf, w0); err != nil && err != io.EOF {
			return 0, err
		}
		atEOF := w0+int64(len(buf)) >= p.size
		from := 0
		for {
			e, ok := p.rec.Next(buf, from, atEOF)
			if !ok {
				break
			}
			if w0+int64(e) >= t {
				return w0 + int64(e), nil
			}
			from = e
		}
		if atEOF {
			return p.size, nil
		}
	}
}

// rangeBlock is the standard input of a --pipepart job: the header, then
// its range of the file, spliced. It can be given again.
type rangeBlock struct {
	fd       int
	head     []byte
	off, end int64
	feeders  *sync.WaitGroup
}

// Open starts moving the range into a new pipe.
func (b *rangeBlock) Open() (*os.File, error) {
	r, w, err := newPipe(0)
	if err != nil {
		return nil, err
	}
	b.feeders.Add(1)
	go func() {
		defer b.feeders.Done()
		defer closeFD(w)
		if writeFD(w, b.head) != nil {
			return
		}
		src := b.fd
		off := b.off
		var buf []byte
		for off < b.end {
			n, err := spliceFD(src, &off, w, int(min(b.end-off, 1<<30)))
			if errors.Is(err, errNoSplice) {
				if buf == nil {
					buf = make([]byte, window)
				}
				m, rerr := unix.Pread(src, buf[:min(int64(len(buf)), b.end-off)], off)
				if rerr == unix.EINTR {
					continue
				}
				if rerr != nil || m <= 0 || writeFD(w, buf[:m]) != nil {
					return
				}
				off += int64(m)
				continue
			}
			if err != nil || n == 0 {
				return // the job stopped reading, or the file shrank
			}
		}
	}()
	return r, nil
}

// Close does nothing: a range holds no memory.
func (b *rangeBlock) Close() {}
