package lockfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

// retryDelay is how often a waiter tries a lock held by another process
// again.
const retryDelay = 10 * time.Millisecond

// Lock locks the file at path, exclusively or, if shared is set, shared
// with other shared holders, and returns the function that unlocks it.
// The file is created if it is missing, with mode 0666 before the umask;
// it is never truncated or removed.
//
// Lock blocks until the lock is taken or ctx is done. The lock excludes
// other processes (flock(1) users of path included) and other goroutines
// of this process; it is not reentrant: a goroutine that locks a path it
// holds waits for itself until ctx is done. A context that is already done
// fails at once. On cancellation or timeout the error wraps ctx.Err() and
// names path, so errors.Is(err, context.DeadlineExceeded) reports a
// timeout.
//
// unlock releases the lock and closes the file; calling it again does
// nothing. A holder that dies holds nothing: the kernel drops its lock.
func Lock(ctx context.Context, path string, shared bool) (unlock func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, waitError(ctx, path, shared, err)
	}
	key := registryKey(path)
	if err := pathLocks.acquire(ctx, key, shared); err != nil {
		return nil, waitError(ctx, path, shared, err)
	}
	// O_NONBLOCK: a FIFO at path must not hang the open.
	f := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDONLY|syscall.O_NONBLOCK), flock.SetPermissions(0o666))
	try := f.TryLockContext
	if shared {
		try = f.TryRLockContext
	}
	if _, err := try(ctx, retryDelay); err != nil {
		pathLocks.release(key, shared)
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, waitError(ctx, path, shared, err)
		}
		return nil, lockError(path, err)
	}
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			// gofrs/flock unlocks, then closes the file.
			if uerr := f.Unlock(); uerr != nil {
				err = fmt.Errorf("unlock %s: %w", path, uerr)
			}
			pathLocks.release(key, shared)
		})
		return err
	}, nil
}

// waitError reports a wait for the lock on path that ctx ended with err.
// The message gives the context's cause when it has one ("interrupted by
// interrupt"); errors.Is still finds err (context.Canceled or
// context.DeadlineExceeded).
func waitError(ctx context.Context, path string, shared bool, err error) error {
	mode := "an exclusive"
	if shared {
		mode = "a shared"
	}
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		return &causedError{msg: fmt.Sprintf("wait for %s lock on %s: %v", mode, path, cause), errs: []error{cause, err}}
	}
	return fmt.Errorf("wait for %s lock on %s: %w", mode, path, err)
}

// causedError is an error that says one thing and wraps two: the cause a
// context was cancelled with, and the context's own error.
type causedError struct {
	msg  string
	errs []error
}

func (e *causedError) Error() string   { return e.msg }
func (e *causedError) Unwrap() []error { return e.errs }

// lockError reports a failure to open or lock path; errors from open
// already name the file.
func lockError(path string, err error) error {
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("lock: %w", err)
	}
	return fmt.Errorf("lock %s: %w", path, err)
}
