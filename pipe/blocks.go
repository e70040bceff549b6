package pipe

import (
	"bytes"
	"io"
	"slices"
)

// minRead is the least room a read into a block's buffer asks for.
const minRead = 64 << 10

// blockReader cuts an input into blocks held in memory: the copy path.
// It is not safe for concurrent use.
type blockReader struct {
	r     io.Reader
	rec   *Records
	size  int
	count int    // records per block (-N); 0: by size
	carry []byte // input read past the last block
	eof   bool
	pos   int64 // the input's offset of the next block
	// free holds the buffers of released blocks for reuse: the blocks in
	// flight bound the memory, not the input's size.
	free chan []byte
}

func newBlockReader(r io.Reader, rest []byte, eof bool, rec *Records, size, count, buffers int) *blockReader {
	return &blockReader{r: r, rec: rec, size: size, count: count, carry: slices.Clone(rest), eof: eof, free: make(chan []byte, buffers)}
}

// next returns the next block, or io.EOF at the end of the input. Give
// the block's memory back with release once it is no longer used.
func (b *blockReader) next() ([]byte, error) {
	if len(b.carry) == 0 && b.eof {
		return nil, io.EOF
	}
	buf := b.buffer()
	buf = append(buf, b.carry...)
	b.carry = b.carry[:0]
	var c cutter
	for {
		if cut, ok := c.cut(b, buf); ok {
			b.carry = append(b.carry, buf[cut:]...)
			b.pos += int64(cut)
			return buf[:cut], nil
		}
		if b.eof {
			if len(buf) == 0 {
				b.release(buf)
				return nil, io.EOF
			}
			b.pos += int64(len(buf))
			return buf, nil
		}
		if cap(buf)-len(buf) < minRead {
			buf = slices.Grow(buf, max(len(buf), minRead))
		}
		n, err := b.r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			b.eof = true
		case err != nil:
			b.release(buf)
			return nil, err
		}
	}
}

// cutter remembers how far one block's buffer was searched.
type cutter struct {
	pos     int // the last record boundary found
	records int // records up to pos
	scanned int // bytes searched for a single-byte record end
}

// cut returns where the block in buf ends, when buf holds that far.
func (c *cutter) cut(b *blockReader, buf []byte) (int, bool) {
	if end, ok := b.rec.singleByte(); ok && b.count == 0 {
		// Any end byte is a boundary: look from the block size on.
		if len(buf) < b.size {
			return 0, false
		}
		from := max(b.size-1, c.scanned)
		i := bytes.IndexByte(buf[from:], end)
		if i < 0 {
			c.scanned = len(buf)
			return 0, false
		}
		return from + i + 1, true
	}
	for {
		e, ok := b.rec.Next(buf, c.pos, b.eof)
		if !ok {
			return 0, false
		}
		c.pos = e
		c.records++
		if b.count > 0 && c.records == b.count || b.count == 0 && e >= b.size {
			return e, true
		}
	}
}

// buffer returns an empty buffer for a block.
func (b *blockReader) buffer() []byte {
	select {
	case buf := <-b.free:
		return buf[:0]
	default:
		return make([]byte, 0, b.size+minRead)
	}
}

// release gives a block's memory back for reuse. A buffer that grew for a
// long record is left to the collector.
func (b *blockReader) release(buf []byte) {
	if cap(buf) > 2*(b.size+minRead) {
		return
	}
	select {
	case b.free <- buf:
	default:
	}
}

// more reports whether input is left, reading some if needed.
func (b *blockReader) more() (bool, error) {
	for len(b.carry) == 0 && !b.eof {
		b.carry = slices.Grow(b.carry, minRead)
		n, err := b.r.Read(b.carry[:cap(b.carry)])
		b.carry = b.carry[:n]
		switch {
		case err == io.EOF:
			b.eof = true
		case err != nil:
			return false, err
		}
	}
	return len(b.carry) > 0, nil
}
