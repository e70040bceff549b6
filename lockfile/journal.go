package lockfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// The pending-block journal makes a block all or nothing even when its
// writer is killed (kill -9, the OOM killer) in the middle of it.
//
// Under the lock, before a block's first byte, the writer creates a small
// file beside the target, ".NAME.krun-pending", recording where the block
// starts and, before each chunk is written, where the block will end once
// that chunk is in: the recorded end is never short of what the file
// holds. When the block is whole the journal is removed. The next krun
// writer, under the same lock, finds a journal left behind and rolls the
// unfinished block back, truncating the file to its start, when everything
// after the start lies within the recorded end: those bytes can only be
// the dead writer's. If the file holds more (a writer that takes the lock
// but does not know the journal, such as flock(1) in a script, appended
// after the torn block), nothing is cut: no one's data is lost, and the
// torn block is reported where it is.

// journal is the pending-block record of one Appender's target.
type journal struct {
	path string
	f    *os.File
	rec  [16]byte
}

// journalPath returns the journal's file name for a target.
func journalPath(target string) string {
	dir, base := filepath.Split(target)
	return filepath.Join(dir, "."+base+".krun-pending")
}

// begin records that a block starts at start; a failure to create the
// journal (a directory krun may not write in) leaves the block without
// one, as before.
func (j *journal) begin(start int64) {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o666)
	if err != nil {
		return
	}
	j.f = f
	binary.LittleEndian.PutUint64(j.rec[:8], uint64(start))
	j.progress(start)
}

// progress records that the block will end at end once the next write is
// in.
func (j *journal) progress(end int64) {
	if j.f == nil {
		return
	}
	binary.LittleEndian.PutUint64(j.rec[8:], uint64(end))
	j.f.WriteAt(j.rec[:], 0)
}

// done removes the journal: the block is whole, or was rolled back.
func (j *journal) done() {
	if j.f == nil {
		return
	}
	j.f.Close()
	j.f = nil
	os.Remove(j.path)
}

// recover looks for a block a dead writer left unfinished in f, whose
// current size is size, and rolls it back if only that writer's bytes
// follow its start. It returns a message for the user, or "".
func recoverBlock(journalFile string, f *os.File, size int64) (string, error) {
	data, err := os.ReadFile(journalFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", journalFile, err)
	}
	defer os.Remove(journalFile)
	if len(data) < 16 {
		return "", nil // the writer died before recording anything
	}
	start := int64(binary.LittleEndian.Uint64(data[:8]))
	end := int64(binary.LittleEndian.Uint64(data[8:16]))
	switch {
	case size <= start:
		return "", nil // nothing of the block reached the file
	case size <= end:
		if err := f.Truncate(start); err != nil {
			return "", fmt.Errorf("roll back the unfinished block at byte %d of %s: %w", start, f.Name(), err)
		}
		return fmt.Sprintf("rolled back an unfinished block of %d bytes at byte %d of %s, left by a writer that was killed", size-start, start, f.Name()), nil
	default:
		return fmt.Sprintf("an unfinished block at byte %d of %s, left by a writer that was killed, is followed by data another writer appended: left as it is", start, f.Name()), nil
	}
}
