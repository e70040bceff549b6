package lockfile

import (
	"context"
	"path/filepath"
	"sync"
)

// pathLocks is the in-process half of every lock. A flock(2) lock belongs
// to an open file, and gofrs/flock falls back to per-process fcntl(2)
// locks on some systems, so goroutines of one process first queue here,
// where they wait on a channel instead of polling, and only then take the
// kernel lock. This is package state on purpose: the kernel's lock table
// is process state too, and two Appenders or Semaphores on the same file
// in one process must exclude each other without knowing each other. Go's
// cmd/go/internal/lockedfile/internal/filelock keeps a table like it for
// fcntl locks.
var pathLocks = registry{entries: make(map[string]*pathLock)}

// registry maps a cleaned absolute path to its in-process lock.
type registry struct {
	mu      sync.Mutex
	entries map[string]*pathLock
}

// pathLock is a readers-writer lock whose waits can be cancelled. Writers
// waiting keep new readers out, so that a stream of shared holders cannot
// starve an exclusive one. It is not reentrant.
type pathLock struct {
	refs           int // holders and waiters; the entry is dropped at 0
	readers        int
	writer         bool
	writersWaiting int
	changed        chan struct{} // closed, and replaced, when the lock is released
}

// registryKey names path in the registry; different spellings of one path
// name the same entry. (Symbolic and hard links do not: for those, the
// kernel lock still excludes.)
func registryKey(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	return abs
}

// entry returns the lock for key, creating it, and counts one more user.
// r.mu must be held.
func (r *registry) entry(key string) *pathLock {
	e := r.entries[key]
	if e == nil {
		e = &pathLock{changed: make(chan struct{})}
		r.entries[key] = e
	}
	e.refs++
	return e
}

// drop counts one user less and forgets an unused lock. r.mu must be held.
func (r *registry) drop(key string, e *pathLock) {
	e.refs--
	if e.refs == 0 {
		delete(r.entries, key)
	}
}

// grant takes the lock if it is free for the asking mode.
func (e *pathLock) grant(shared bool) bool {
	if shared {
		if e.writer || e.writersWaiting > 0 {
			return false
		}
		e.readers++
		return true
	}
	if e.writer || e.readers > 0 {
		return false
	}
	e.writer = true
	return true
}

// wake tells every waiter that the lock changed.
func (e *pathLock) wake() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// acquire waits until the lock for key is free for the asking mode and
// takes it, or until ctx is done, and then returns ctx.Err().
func (r *registry) acquire(ctx context.Context, key string, shared bool) error {
	r.mu.Lock()
	e := r.entry(key)
	if !shared {
		e.writersWaiting++
	}
	for !e.grant(shared) {
		changed := e.changed
		r.mu.Unlock()
		select {
		case <-changed:
			r.mu.Lock()
		case <-ctx.Done():
			r.mu.Lock()
			if !shared {
				// Readers held back by this writer may go on.
				e.writersWaiting--
				e.wake()
			}
			r.drop(key, e)
			r.mu.Unlock()
			return ctx.Err()
		}
	}
	if !shared {
		e.writersWaiting--
	}
	r.mu.Unlock()
	return nil
}

// tryAcquire takes the exclusive lock for key if it is free, without
// waiting.
func (r *registry) tryAcquire(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.entry(key)
	if e.grant(false) {
		return true
	}
	r.drop(key, e)
	return false
}

// release gives back a lock taken with acquire or tryAcquire.
func (r *registry) release(key string, shared bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.entries[key]
	if shared {
		e.readers--
	} else {
		e.writer = false
	}
	e.wake()
	r.drop(key, e)
}
