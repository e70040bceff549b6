package output

import (
	"bytes"
	"io"
	"sync/atomic"
)

// budget caps the memory that the buffers of all jobs hold together, so
// that thousands of finished jobs waiting behind a slow one (-k) cannot
// exhaust memory: past the cap, buffers spill to the spool.
type budget struct {
	limit int64
	used  atomic.Int64
}

// take reserves n bytes, or reports false when that would pass the cap.
func (b *budget) take(n int) bool {
	if b.used.Add(int64(n)) > b.limit {
		b.used.Add(-int64(n))
		return false
	}
	return true
}

// give returns n bytes to the budget.
func (b *budget) give(n int) { b.used.Add(-int64(n)) }

// buffer holds one output stream of one job until it can be written out:
// in memory up to the job's limit and the shared budget, then in the spool.
// Once a buffer has spilled, the rest of the stream follows it to the
// spool, so the order of the bytes is kept. A buffer is not safe for
// concurrent use.
type buffer struct {
	spool   *spool
	budget  *budget
	limit   int64 // the most bytes of this job held in memory
	mem     []byte
	segs    []segment
	spilled bool
}

func (b *buffer) Write(p []byte) (int, error) {
	if !b.spilled {
		if int64(len(b.mem)+len(p)) <= b.limit && b.budget.take(len(p)) {
			b.mem = append(b.mem, p...)
			return len(p), nil
		}
		b.spilled = true
	}
	seg, err := b.spool.write(p)
	if err != nil {
		return 0, err
	}
	if n := len(b.segs); n > 0 && b.segs[n-1].off+b.segs[n-1].n == seg.off {
		b.segs[n-1].n += seg.n // the usual case: nobody else spilled since
	} else {
		b.segs = append(b.segs, seg)
	}
	return len(p), nil
}

// len is the number of bytes buffered.
func (b *buffer) len() int64 {
	n := int64(len(b.mem))
	for _, s := range b.segs {
		n += s.n
	}
	return n
}

// writeTo writes the buffered bytes to w and empties the buffer.
func (b *buffer) writeTo(w io.Writer) error {
	var err error
	if len(b.mem) > 0 {
		_, err = w.Write(b.mem)
	}
	if err == nil {
		err = b.spool.copyTo(w, b.segs)
	}
	b.reset()
	return err
}

// reader returns a reader of the buffered bytes, in order; the buffer
// must not change until it has been read.
func (b *buffer) reader() io.Reader {
	readers := []io.Reader{bytes.NewReader(b.mem)}
	for _, seg := range b.segs {
		readers = append(readers, io.NewSectionReader(b.spool.f, seg.off, seg.n))
	}
	return io.MultiReader(readers...)
}

// reset empties the buffer and frees what it held.
func (b *buffer) reset() {
	b.budget.give(len(b.mem))
	b.mem = nil
	if len(b.segs) > 0 {
		b.spool.release(b.segs)
		b.segs = nil
	}
	b.spilled = false
}
