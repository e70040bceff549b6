package lockfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// mustAcquire acquires a slot of s or fails the test.
func mustAcquire(t *testing.T, s *Semaphore) (func() error, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), long)
	defer cancel()
	release, slot, err := s.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return release, slot
}

// mustNotAcquire checks that no slot of s is free for a short while.
func mustNotAcquire(t *testing.T, s *Semaphore) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	release, slot, err := s.Acquire(ctx)
	if err == nil {
		release()
		t.Fatalf("acquired slot %d, want a wait", slot)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), s.name) {
		t.Fatalf("Acquire: %v, want a timeout naming the semaphore", err)
	}
}

func mustOpenSemaphore(t *testing.T, dir, name string, n int) *Semaphore {
	t.Helper()
	s, err := OpenSemaphore(dir, name, n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSemaphoreGoroutines(t *testing.T) {
	t.Parallel()
	const n, goroutines, rounds = 3, 24, 10
	dir := t.TempDir()
	var inside, most atomic.Int32
	var slots [n + 1]atomic.Bool
	var wg sync.WaitGroup
	for g := range goroutines {
		// Some goroutines share a Semaphore, some open their own.
		s := mustOpenSemaphore(t, dir, "jobs", n)
		wg.Go(func() {
			for range rounds {
				release, slot, err := s.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if slot < 1 || slot > n || !slots[slot].CompareAndSwap(false, true) {
					t.Errorf("goroutine %d got slot %d, which is out of range or held", g, slot)
				}
				if k := inside.Add(1); k > most.Load() {
					most.Store(k)
				}
				inside.Add(-1)
				slots[slot].Store(false)
				if err := release(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() > n {
		t.Fatalf("%d holders at once, want at most %d", most.Load(), n)
	}

	// All n slots can be held at once, and no more.
	s := mustOpenSemaphore(t, dir, "jobs", n)
	var releases []func() error
	held := map[int]bool{}
	for range n {
		release, slot := mustAcquire(t, s)
		held[slot] = true
		releases = append(releases, release)
	}
	if len(held) != n {
		t.Errorf("%d holders hold slots %v", n, held)
	}
	mustNotAcquire(t, s)
	for _, release := range releases {
		if err := release(); err != nil {
			t.Error(err)
		}
	}
}

func TestSemaphoreProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpenSemaphore(t, dir, "jobs", 2)
	h1 := startHelper(t, "sem", dir, "jobs", "2")
	h2 := startHelper(t, "sem", dir, "jobs", "2")
	slot1, slot2 := h1.line(), h2.line()
	if slot1 == slot2 || slot1+slot2 != "12" && slot1+slot2 != "21" {
		t.Fatalf("two processes hold slots %s and %s, want 1 and 2", slot1, slot2)
	}
	mustNotAcquire(t, s)

	// A holder killed with SIGKILL frees its slot, and only its slot.
	h1.kill()
	release, slot := mustAcquire(t, s)
	if strconv.Itoa(slot) != slot1 {
		t.Errorf("got slot %d after the holder of slot %s was killed", slot, slot1)
	}
	mustNotAcquire(t, s)
	release()
	h2.finish()
	r1, _ := mustAcquire(t, s)
	r2, _ := mustAcquire(t, s)
	r1()
	r2()
}

func TestSemaphoreRefusesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "target")
	if err := os.Symlink(target, filepath.Join(dir, "jobs.1")); err != nil {
		t.Fatal(err)
	}
	s := mustOpenSemaphore(t, dir, "jobs", 1)
	_, _, err := s.Acquire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), "jobs.1") {
		t.Fatalf("Acquire with a symlinked slot file: %v, want a refusal", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}

func TestSemaphoreRefusesNonRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A FIFO: opening it for reading would block without O_NONBLOCK.
	if err := syscall.Mkfifo(filepath.Join(dir, "jobs.1"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := mustOpenSemaphore(t, dir, "jobs", 1)
	_, _, err := s.Acquire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Acquire with a FIFO slot file: %v, want a refusal", err)
	}
}

func TestSemaphoreRefusesOtherOwner(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpenSemaphore(t, dir, "jobs", 2)
	// The slot files are ours; pretend we are someone else.
	s.uid = os.Getuid() + 1
	_, _, err := s.Acquire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "belongs to uid") || !strings.Contains(err.Error(), "jobs.1") {
		t.Fatalf("Acquire with another user's slot file: %v, want a refusal", err)
	}
	// The refused slot was let go.
	s.uid = os.Getuid()
	release, _ := mustAcquire(t, s)
	release()

	if os.Getuid() == 0 {
		// As root, give the file away for real.
		if err := os.Chown(filepath.Join(dir, "jobs.1"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Acquire(context.Background()); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Fatalf("Acquire with a slot file owned by uid 65534: %v, want a refusal", err)
		}
	}
}

func TestOpenSemaphoreErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dir, name string
		n         int
		want      string
	}{
		{dir, "jobs", 0, "at least 1 slot"},
		{dir, "jobs", -1, "at least 1 slot"},
		{dir, "", 1, "invalid semaphore name"},
		{dir, "a/b", 1, "invalid semaphore name"},
		{dir, "..", 1, "invalid semaphore name"},
		{filepath.Join(dir, "missing"), "jobs", 1, "missing"},
		{file, "jobs", 1, "not a directory"},
	} {
		if _, err := OpenSemaphore(tt.dir, tt.name, tt.n); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenSemaphore(%q, %q, %d): %v, want an error with %q", tt.dir, tt.name, tt.n, err, tt.want)
		}
	}
}
