package lockfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Semaphore is a counting semaphore shared by the processes and
// goroutines that open it with the same directory and name: it has n
// slots, each a lock file NAME.1 to NAME.n in the directory, and a holder
// holds the exclusive lock on one of them. A holder that dies frees its
// slot, as the kernel drops its lock; the slot files stay, and are reused.
//
// The limit is the n each caller asks for: callers of one name should
// agree on it. Its zero value is not usable: use OpenSemaphore.
type Semaphore struct {
	dir  string
	name string
	n    int
	uid  int // the owner slot files must have
}

// OpenSemaphore returns the semaphore of n slots called name in dir, a
// directory such as RuntimeDir() that other users cannot write to. name
// must not be empty or contain a slash. It does not block: slot files are
// created by Acquire.
func OpenSemaphore(dir, name string, n int) (*Semaphore, error) {
	if n < 1 {
		return nil, fmt.Errorf("semaphore %q: need at least 1 slot, not %d", name, n)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return nil, fmt.Errorf("invalid semaphore name %q: it must not be empty or contain a slash", name)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("semaphore directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("semaphore directory %s is not a directory", dir)
	}
	return &Semaphore{dir: registryKey(dir), name: name, n: n, uid: os.Getuid()}, nil
}

// Acquire takes a free slot and returns the function that frees it and
// the slot's number, from 1 to n. It blocks until a slot is free or ctx is
// done; on cancellation or timeout the error wraps ctx.Err(). Waiters,
// in this process or others, try the slots every few milliseconds and are
// served in no particular order.
//
// A slot file that is a symbolic link, not a regular file, or owned by
// another user is refused with an error: it is opened with O_NOFOLLOW and
// checked on the open file.
func (s *Semaphore) Acquire(ctx context.Context) (release func() error, slot int, err error) {
	slot, err = s.waitSlot(ctx, func(i int) (bool, error) {
		var err error
		release, err = s.tryAcquire(i)
		return release != nil, err
	})
	if err != nil {
		return nil, 0, err
	}
	return release, slot, nil
}

// waitSlot tries take on every slot, again every retryDelay, until one
// succeeds, fails or ctx is done; it returns the slot taken.
func (s *Semaphore) waitSlot(ctx context.Context, take func(i int) (bool, error)) (int, error) {
	var timer *time.Timer
	for {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("wait for a slot of semaphore %q in %s: %w", s.name, s.dir, err)
		}
		for i := 1; i <= s.n; i++ {
			if ok, err := take(i); err != nil || ok {
				return i, err
			}
		}
		if timer == nil {
			timer = time.NewTimer(retryDelay)
			defer timer.Stop()
		} else {
			timer.Reset(retryDelay)
		}
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
	}
}

// slotPath returns the lock file of slot i.
func (s *Semaphore) slotPath(i int) string {
	return filepath.Join(s.dir, s.name+"."+strconv.Itoa(i))
}

// tryAcquire takes slot i if it is free, without waiting: it returns the
// release function, or nil if the slot is taken. It is tryHold, with the
// slot also taken among this process's goroutines.
func (s *Semaphore) tryAcquire(i int) (func() error, error) {
	path := s.slotPath(i)
	if !pathLocks.tryAcquire(path) {
		return nil, nil
	}
	f, err := s.tryHold(i)
	if f == nil {
		pathLocks.release(path, false)
		return nil, err
	}
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			// Closing the file drops its flock(2) lock.
			if cerr := f.Close(); cerr != nil {
				err = fmt.Errorf("unlock %s: %w", path, cerr)
			}
			pathLocks.release(path, false)
		})
		return err
	}, nil
}
