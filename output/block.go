package output

import (
	"errors"
	"fmt"
	"io"
)

// Block is a stream read to its end before it is used, held as job output
// is: in memory up to a limit, the rest in a spill file that is removed
// from its directory as soon as it is made, so that nothing is left
// behind even by kill -9. krun append reads its standard input into one
// before it takes the lock, so that the lock is held only while writing.
type Block struct {
	buf   buffer
	spool *spool
}

// ReadBlock reads r, which name names in errors, to the end into a Block
// that holds up to memLimit bytes in memory and spills the rest to a file
// in tmpDir ("" for $TMPDIR). The error says whether reading r or
// spilling failed.
func ReadBlock(r io.Reader, name, tmpDir string, memLimit int64) (*Block, error) {
	sp := newSpool(tmpDir)
	b := &Block{spool: sp, buf: buffer{spool: sp, budget: &budget{limit: memLimit}, limit: memLimit}}
	w := &blockWriter{b: &b.buf}
	if _, err := io.Copy(w, r); err != nil {
		b.Close()
		if w.err != nil {
			return nil, fmt.Errorf("spill %s to disk: %w", name, w.err)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// Reader returns a reader of the block's bytes, from the start.
func (b *Block) Reader() io.Reader { return b.buf.reader() }

// Len is the size of the block in bytes.
func (b *Block) Len() int64 { return b.buf.len() }

// Close frees the block's memory and its spill file.
func (b *Block) Close() error {
	b.buf.reset()
	return b.spool.close()
}

// blockWriter remembers a failure to hold what was read, to tell it from
// a failure to read.
type blockWriter struct {
	b   *buffer
	err error
}

func (w *blockWriter) Write(p []byte) (int, error) {
	n, err := w.b.Write(p)
	if err != nil {
		w.err = errors.Join(w.err, err)
	}
	return n, err
}
