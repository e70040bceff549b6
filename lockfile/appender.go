package lockfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// copyBufferSize is the size of the chunks Append copies a block in.
const copyBufferSize = 64 << 10

// An Appender appends blocks of bytes to a file that other goroutines and
// processes append to as well, each block contiguous: never cut by another
// block, whatever its size. It holds the file open with O_APPEND and
// writes each block while holding an exclusive lock on a lock file: the
// file itself, or another file that cooperating scripts lock, as in
// flock(1) users of "200>/var/lock/report.lock".
//
// Blocks of different writers never mix as long as every writer takes the
// same lock; writers that do not are not excluded. An Appender is safe for
// use by many goroutines. Its zero value is not usable: use OpenAppender.
type Appender struct {
	f        *os.File
	lockPath string
	// fdLock: no lock file; the file is a device or FIFO, locked through
	// its own descriptor (opening a FIFO again to lock it could block).
	// turn orders this process's writers, which flock(2) on one shared
	// descriptor would not.
	fdLock bool
	turn   chan struct{}
	// Notify, when set, receives a line about a block a killed writer
	// left unfinished, found before a block is appended (journal.go).
	Notify func(message string)
	// journal is the pending-block journal's file name, beside the file
	// that links lead to.
	journal string
}

// OpenAppender opens path for appending, creating it with mode 0666
// before the umask if it is missing, and returns an Appender that locks
// lockPath, or path itself if lockPath is empty. It does not block; the
// lock file is created at the first append.
func OpenAppender(path, lockPath string) (*Appender, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("open for appending: %w", err)
	}
	return NewAppender(f, lockPath), nil
}

// NewAppender returns an Appender for f, a file opened for writing (with
// O_APPEND if it is a regular file), which it then owns. It locks
// lockPath, or, if lockPath is empty, the file itself: through its name
// when it is a regular file, through f's descriptor otherwise.
func NewAppender(f *os.File, lockPath string) *Appender {
	target := f.Name()
	if resolved, err := filepath.EvalSymlinks(target); err == nil {
		target = resolved
	}
	a := &Appender{f: f, turn: make(chan struct{}, 1), journal: journalPath(target)}
	if lockPath == "" {
		if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
			a.fdLock = true
			return a
		}
		lockPath = f.Name()
	}
	// The lock file's name is kept absolute, in case the working
	// directory changes.
	a.lockPath = registryKey(lockPath)
	return a
}

// lock takes the Appender's lock, waiting until ctx is done.
func (a *Appender) lock(ctx context.Context) (func() error, error) {
	if !a.fdLock {
		return Lock(ctx, a.lockPath, false)
	}
	select {
	case a.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, waitError(ctx, a.f.Name(), false, ctx.Err())
	}
	err := flockWait(ctx, a.f, unix.LOCK_EX)
	switch {
	case err == nil:
		return func() error {
			defer func() { <-a.turn }()
			if err := unix.Flock(int(a.f.Fd()), unix.LOCK_UN); err != nil {
				return fmt.Errorf("unlock %s: %w", a.f.Name(), err)
			}
			return nil
		}, nil
	case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOLCK):
		// A descriptor flock(2) does not lock: this process's writers
		// are still ordered.
		return func() error { <-a.turn; return nil }, nil
	case ctx.Err() != nil:
		<-a.turn
		return nil, waitError(ctx, a.f.Name(), false, ctx.Err())
	default:
		<-a.turn
		return nil, lockError(a.f.Name(), err)
	}
}

// Name returns the name of the file appended to, as given to OpenAppender.
func (a *Appender) Name() string { return a.f.Name() }

// Append reads r to the end and appends everything it yields to the file
// as one contiguous block, while holding the exclusive lock. It returns
// the number of bytes appended.
//
// ctx bounds the wait for the lock only: on cancellation or timeout
// nothing is written and the error wraps ctx.Err(). Once the block is
// started, Append finishes it. Since other writers wait while Append reads
// r, r should be data at hand, such as a buffer or a file, not a slow
// pipe.
//
// If reading r or writing the file fails (ENOSPC, say), a regular file is
// truncated back to its size before the block, so that no partial block
// is left for readers that take the lock, and the error, which names the
// file, is returned with the count of bytes left in the file: 0 unless the
// file is not a regular file or the truncation failed. The truncation relies on every
// writer taking the lock: it would cut data appended by one that does not.
func (a *Appender) Append(ctx context.Context, r io.Reader) (int64, error) {
	unlock, err := a.lock(ctx)
	if err != nil {
		return 0, err
	}
	n, err := a.writeBlock(r)
	return n, a.unlock(unlock, err)
}

// recover rolls back a block that a killed krun writer left unfinished
// (journal.go); the lock must be held. It returns the file's size.
func (a *Appender) recover() int64 {
	size := a.size()
	if size < 0 {
		return size
	}
	msg, err := recoverBlock(a.journal, a.f, size)
	if err != nil {
		msg = err.Error()
	}
	if msg != "" && a.Notify != nil {
		a.Notify(msg)
	}
	return a.size()
}

// AppendBytes appends p to the file as one contiguous block, like Append:
// a joblog appends each line this way, so that a line is never torn by
// another writer or left partial by a failed write.
func (a *Appender) AppendBytes(ctx context.Context, p []byte) (int, error) {
	unlock, err := a.lock(ctx)
	if err != nil {
		return 0, err
	}
	start := a.size()
	n, err := a.writeAll(p)
	if err != nil {
		var left int64
		left, err = a.rollback(start, int64(n), err)
		n = int(left)
	}
	return n, a.unlock(unlock, err)
}

// Close closes the file. Blocks being appended by other goroutines fail.
func (a *Appender) Close() error {
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", a.f.Name(), err)
	}
	return nil
}

// writeBlock copies r to the file; the lock must be held. A journal
// records the block while it is written, so that a writer killed in the
// middle of it leaves a block the next one rolls back (journal.go).
func (a *Appender) writeBlock(r io.Reader) (int64, error) {
	start := a.recover()
	j := journal{path: a.journal}
	if start >= 0 {
		j.begin(start)
		defer j.done()
	}
	buf := make([]byte, copyBufferSize)
	var n int64
	for {
		nr, rerr := r.Read(buf)
		if nr > 0 {
			j.progress(start + n + int64(nr))
			nw, werr := a.writeAll(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return a.rollback(start, n, werr)
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return a.rollback(start, n, fmt.Errorf("read block for %s: %w", a.f.Name(), rerr))
		}
	}
}

// writeAll writes all of p, in as many writes as the file takes. Each
// write of an O_APPEND file goes to its end at that moment; holding the
// lock makes the writes one block.
func (a *Appender) writeAll(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := a.f.Write(p[n:])
		n += m
		if err != nil {
			// *os.PathError: "write FILE: no space left on device".
			return n, fmt.Errorf("append: %w", err)
		}
		if m == 0 {
			return n, fmt.Errorf("append to %s: %w", a.f.Name(), io.ErrShortWrite)
		}
	}
	return n, nil
}

// size returns the size of the file if it is a regular file, else -1;
// with the lock held, that is where the next block starts.
func (a *Appender) size() int64 {
	fi, err := a.f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

// rollback truncates the file back to start, where the failed block
// began after n bytes of it were written, and returns the number of bytes
// of the block left in the file, and err with any truncation error.
func (a *Appender) rollback(start, n int64, err error) (int64, error) {
	if start < 0 || n == 0 {
		return n, err
	}
	if terr := a.f.Truncate(start); terr != nil {
		return n, errors.Join(err, fmt.Errorf("remove partial block: %w", terr))
	}
	return 0, err
}

// unlock releases the lock and returns err, or the unlock error if err is
// nil.
func (a *Appender) unlock(unlock func() error, err error) error {
	if uerr := unlock(); uerr != nil && err == nil {
		return uerr
	}
	return err
}
