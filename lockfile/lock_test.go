package lockfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// short is how long a lock that must not be granted is waited for; long is
// how long a lock that must be granted may take, generous for slow CI.
const (
	short = 50 * time.Millisecond
	long  = 30 * time.Second
)

// mustLock locks path or fails the test.
func mustLock(t *testing.T, path string, shared bool) func() error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), long)
	defer cancel()
	unlock, err := Lock(ctx, path, shared)
	if err != nil {
		t.Fatal(err)
	}
	return unlock
}

// mustNotLock checks that path cannot be locked for a short while, and
// that the error says so.
func mustNotLock(t *testing.T, path string, shared bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	unlock, err := Lock(ctx, path, shared)
	if err == nil {
		unlock()
		t.Fatalf("Lock(%s, shared=%v) succeeded, want it to wait", path, shared)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Lock(%s, shared=%v): %v, want a timeout naming the file", path, shared, err)
	}
}

func TestLockExcludesGoroutines(t *testing.T) {
	t.Parallel()
	const goroutines, rounds = 16, 50
	path := filepath.Join(t.TempDir(), "lock")
	var inside, most atomic.Int32
	counter := 0 // the race detector reports a lock that lets two in
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				unlock, err := Lock(context.Background(), path, false)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > most.Load() {
					most.Store(n)
				}
				counter++
				inside.Add(-1)
				if err := unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 || counter != goroutines*rounds {
		t.Fatalf("%d holders at once and %d rounds counted; want 1 and %d", most.Load(), counter, goroutines*rounds)
	}
}

func TestLockSharedInProcess(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	// Shared locks coexist and keep exclusive ones out.
	unlock1 := mustLock(t, path, true)
	unlock2 := mustLock(t, path, true)
	mustNotLock(t, path, false)
	unlock1()
	mustNotLock(t, path, false)
	unlock2()
	// An exclusive lock keeps both out.
	unlock := mustLock(t, path, false)
	mustNotLock(t, path, true)
	mustNotLock(t, path, false)
	unlock()
	mustLock(t, path, true)()
}

func TestLockWaitingWriterHoldsReadersBack(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	unlockReader := mustLock(t, path, true)
	got := make(chan error, 1)
	go func() {
		unlock, err := Lock(context.Background(), path, false)
		if err == nil {
			err = unlock()
		}
		got <- err
	}()
	// Wait until the writer queues.
	key := registryKey(path)
	for waiting := 0; waiting == 0; {
		pathLocks.mu.Lock()
		if e := pathLocks.entries[key]; e != nil {
			waiting = e.writersWaiting
		}
		pathLocks.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	mustNotLock(t, path, true)
	unlockReader()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	mustLock(t, path, true)()
}

func TestLockTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	unlock := mustLock(t, path, false)
	defer unlock()

	start := time.Now()
	mustNotLock(t, path, false)
	if d := time.Since(start); d < short {
		t.Errorf("gave up after %v, before the %v timeout", d, short)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Lock(ctx, path, false); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock with a cancelled context: %v, want context.Canceled", err)
	}
	// Even when the lock is free.
	if _, err := Lock(ctx, filepath.Join(t.TempDir(), "free"), false); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock of a free file with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestLockCreatesFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.lock")
	mustLock(t, path, false)()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := os.FileMode(0o666 &^ umask); fi.Mode() != want {
		t.Errorf("lock file mode %v, want %v", fi.Mode(), want)
	}
	// Locking does not truncate.
	if err := os.WriteFile(path, []byte("data"), 0o666); err != nil {
		t.Fatal(err)
	}
	mustLock(t, path, true)()
	if data, _ := os.ReadFile(path); string(data) != "data" {
		t.Errorf("lock file holds %q after a lock, want %q", data, "data")
	}
}

func TestLockOpenError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing", "lock")
	ctx, cancel := context.WithTimeout(context.Background(), long)
	defer cancel()
	_, err := Lock(ctx, path, false)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Lock in a missing directory: %v, want an immediate error naming %s", err, path)
	}
	// The failed lock left nothing behind in this process.
	if err := os.Mkdir(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	mustLock(t, path, false)()
}

func TestUnlockTwice(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	unlock := mustLock(t, path, false)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	other := mustLock(t, path, false)
	defer other()
	if err := unlock(); err != nil {
		t.Fatalf("second unlock: %v", err)
	}
	// The second unlock did not release the other holder's lock.
	mustNotLock(t, path, false)
}

func TestLockAcrossProcesses(t *testing.T) {
	t.Parallel()
	modes := map[bool]string{false: "exclusive", true: "shared"}
	for _, held := range []bool{false, true} {
		for _, asked := range []bool{false, true} {
			t.Run(modes[held]+"_then_"+modes[asked], func(t *testing.T) {
				t.Parallel()
				coexist := held && asked
				path := filepath.Join(t.TempDir(), "lock")

				// Another process holds the lock; this one asks.
				h := startHelper(t, "hold", path, modes[held])
				if got := h.line(); got != "locked" {
					t.Fatalf("helper says %q", got)
				}
				if coexist {
					mustLock(t, path, asked)()
				} else {
					mustNotLock(t, path, asked)
				}
				// Once it lets go, the lock is granted.
				h.finish()
				unlock := mustLock(t, path, held)

				// This process holds the lock; another one asks.
				want := "timeout"
				if coexist {
					want = "locked"
				}
				h = startHelper(t, "try", path, modes[asked], short.String())
				if got := h.line(); got != want {
					t.Errorf("another process asking for a %s lock while this one holds a %s lock: %s, want %s", modes[asked], modes[held], got, want)
				}
				h.finish()
				unlock()
				h = startHelper(t, "try", path, modes[asked], long.String())
				if got := h.line(); got != "locked" {
					t.Errorf("another process asking for a free lock: %s", got)
				}
				h.finish()
			})
		}
	}
}

func TestLockKilledHolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	h := startHelper(t, "hold", path, "exclusive")
	if got := h.line(); got != "locked" {
		t.Fatalf("helper says %q", got)
	}
	mustNotLock(t, path, false)
	h.kill()
	mustLock(t, path, false)()
}
