package output

import (
	"bytes"
	"io"
	"sync"
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
	spool  *spool
	budget *budget
	limit  int64 // the most bytes of this job held in memory
	// mem holds the bytes in chunks that double in size, so that growing
	// never copies what is already held.
	mem    [][]byte
	memLen int
	// memOff is how much of mem[0] writeFront has written already.
	memOff  int
	segs    []segment
	spilled bool
}

// Chunk sizes of a buffer's memory: the first fits small outputs, each next
// one doubles up to the largest.
const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

func (b *buffer) Write(p []byte) (int, error) {
	if !b.spilled {
		if int64(b.memLen+len(p)) <= b.limit && b.budget.take(len(p)) {
			b.hold(p)
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

// full reports whether writing n more bytes would spill to the spool: the
// job's memory limit or the shared budget is reached (or it spilled).
func (b *buffer) full(n int) bool {
	return b.spilled || int64(b.memLen+n) > b.limit || b.budget.used.Load()+int64(n) > b.budget.limit
}

// hold copies p into the memory chunks.
func (b *buffer) hold(p []byte) {
	b.memLen += len(p)
	for len(p) > 0 {
		n := len(b.mem)
		if n == 0 || len(b.mem[n-1]) == cap(b.mem[n-1]) {
			size := minChunk
			if n > 0 {
				size = min(2*cap(b.mem[n-1]), maxChunk)
			}
			b.mem = append(b.mem, getChunk(max(size, min(len(p), maxChunk))))
			n++
		}
		last := b.mem[n-1]
		k := min(len(p), cap(last)-len(last))
		b.mem[n-1] = append(last, p[:k]...)
		p = p[k:]
	}
}

// len is the number of bytes buffered.
func (b *buffer) len() int64 {
	n := int64(b.memLen)
	for _, s := range b.segs {
		n += s.n
	}
	return n
}

// writeTo writes the buffered bytes to w and empties the buffer.
func (b *buffer) writeTo(w io.Writer) error {
	var err error
	for i, c := range b.mem {
		if i == 0 {
			c = c[b.memOff:]
		}
		if _, err = w.Write(c); err != nil {
			break
		}
	}
	if err == nil {
		err = b.spool.copyTo(w, b.segs)
	}
	b.reset()
	return err
}

// writeFront writes the first n bytes held to w and drops them, giving
// their memory and disk back as it goes: handing held output on to
// another buffer never holds it twice. The buffer must not be written to
// meanwhile.
func (b *buffer) writeFront(w io.Writer, n int64) error {
	for n > 0 && len(b.mem) > 0 {
		c := b.mem[0][b.memOff:]
		k := int(min(int64(len(c)), n))
		if _, err := w.Write(c[:k]); err != nil {
			return err
		}
		n -= int64(k)
		b.memLen -= k
		b.budget.give(k)
		b.memOff += k
		if b.memOff == len(b.mem[0]) {
			putChunk(b.mem[0])
			b.mem, b.memOff = b.mem[1:], 0
		}
	}
	for n > 0 && len(b.segs) > 0 {
		seg := b.segs[0]
		k := min(seg.n, n)
		if err := b.spool.copyTo(w, []segment{{seg.off, k}}); err != nil {
			return err
		}
		b.spool.release([]segment{{seg.off, k}})
		n -= k
		if k == seg.n {
			b.segs = b.segs[1:]
		} else {
			b.segs[0] = segment{seg.off + k, seg.n - k}
		}
	}
	return nil
}

// reader returns a reader of the buffered bytes, in order; the buffer
// must not change until it has been read.
func (b *buffer) reader() io.Reader {
	var readers []io.Reader
	for i, c := range b.mem {
		if i == 0 {
			c = c[b.memOff:]
		}
		readers = append(readers, bytes.NewReader(c))
	}
	for _, seg := range b.segs {
		readers = append(readers, io.NewSectionReader(b.spool.f, seg.off, seg.n))
	}
	return io.MultiReader(readers...)
}

// reset empties the buffer and frees what it held.
func (b *buffer) reset() {
	b.budget.give(b.memLen)
	for _, c := range b.mem {
		putChunk(c)
	}
	b.mem, b.memLen, b.memOff = nil, 0, 0
	if len(b.segs) > 0 {
		b.spool.release(b.segs)
		b.segs = nil
	}
	b.spilled = false
}

// chunkPools keep the memory chunks of buffers that were written out, for
// the next buffers to fill: a long run of jobs with held output reuses the
// same memory instead of leaving garbage for the collector to find. Pool i
// holds chunks of minChunk<<i bytes.
var chunkPools [chunkClasses]sync.Pool

// chunkClasses is the number of chunk sizes: minChunk to maxChunk.
const chunkClasses = 9 // 4 KiB << 8 = 1 MiB

// chunkClass is the pool of the smallest chunk of at least size bytes.
func chunkClass(size int) int {
	i := 0
	for minChunk<<i < size && i < chunkClasses-1 {
		i++
	}
	return i
}

// getChunk returns an empty chunk with room for size bytes (size at most
// maxChunk), from its pool when it can.
func getChunk(size int) []byte {
	i := chunkClass(size)
	if v, ok := chunkPools[i].Get().(*[]byte); ok {
		return (*v)[:0]
	}
	return make([]byte, 0, minChunk<<i)
}

// putChunk gives a chunk back to its pool.
func putChunk(c []byte) {
	i := chunkClass(cap(c))
	if minChunk<<i != cap(c) {
		return
	}
	c = c[:0]
	chunkPools[i].Put(&c)
}
