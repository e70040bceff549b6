package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Hold locks the file at path, like Lock, and returns the open file that
// holds the lock instead of an unlock function. An flock(2) lock belongs to
// the open file, so a child process that inherits it (exec.Cmd.ExtraFiles)
// holds the lock too: the lock lasts until the last process holding the
// file closes it or dies, the way flock(1) hands its lock to COMMAND. Even
// if the caller is killed, the lock stays with the child.
//
// Hold is for handing a lock to another process; it does not exclude other
// goroutines of this process that use Lock.
func Hold(ctx context.Context, path string, shared bool) (*os.File, error) {
	// O_NONBLOCK: a FIFO at path must not hang the open.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|unix.O_NONBLOCK, 0o666)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	how := unix.LOCK_EX
	if shared {
		how = unix.LOCK_SH
	}
	if err := flockWait(ctx, f, how); err != nil {
		f.Close()
		if ctx.Err() != nil {
			return nil, waitError(ctx, path, shared, ctx.Err())
		}
		return nil, lockError(path, err)
	}
	return f, nil
}

// flockWait takes an flock(2) lock on f, trying again every retryDelay
// until ctx is done.
func flockWait(ctx context.Context, f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retryDelay):
		}
	}
}

// Hold takes a free slot, like Acquire, and returns the open slot file that
// holds it (see the package function Hold): a child process that inherits
// it keeps the slot for as long as it lives.
func (s *Semaphore) Hold(ctx context.Context) (*os.File, int, error) {
	var held *os.File
	slot, err := s.waitSlot(ctx, func(i int) (bool, error) {
		var err error
		held, err = s.tryHold(i)
		return held != nil, err
	})
	if err != nil {
		return nil, 0, err
	}
	return held, slot, nil
}

// tryHold takes slot i if it is free, with the checks of tryAcquire: the
// slot file must be a regular file of this user, not a link.
func (s *Semaphore) tryHold(i int) (*os.File, error) {
	path := s.slotPath(i)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("slot file %s is a symbolic link: refusing to use it", path)
		}
		return nil, lockError(path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, unix.EINTR) {
			return nil, nil
		}
		return nil, lockError(path, &os.PathError{Op: "flock", Path: path, Err: err})
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("slot file %s is not a regular file: refusing to use it", path)
	}
	if err == nil {
		err = checkOwner("slot file", path, fi, s.uid)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
