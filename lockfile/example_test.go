package lockfile_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/krun-dev/krun/lockfile"
)

// Goroutines, and other processes, append whole lines to one log.
func ExampleAppender() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "joblog")

	a, err := lockfile.OpenAppender(path, "")
	if err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			line := fmt.Appendf(nil, "job %d\tdone\n", i)
			if _, err := a.AppendBytes(context.Background(), line); err != nil {
				log.Print(err)
			}
		})
	}
	wg.Wait()
	if err := a.Close(); err != nil {
		log.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	fmt.Println(len(data), "bytes in 3 whole lines")
	// Output: 33 bytes in 3 whole lines
}

// A timeout bounds the wait for a lock another holder has.
func ExampleLock() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "deploy.lock")

	unlock, err := lockfile.Lock(context.Background(), path, false)
	if err != nil {
		log.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = lockfile.Lock(ctx, path, false)
	fmt.Println("timed out:", errors.Is(err, context.DeadlineExceeded))
	// Output: timed out: true
}

// At most two holders at once, across processes.
func ExampleSemaphore() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	sem, err := lockfile.OpenSemaphore(dir, "encode", 2)
	if err != nil {
		log.Fatal(err)
	}
	release, slot, err := sem.Acquire(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer release()
	fmt.Println("holding slot", slot)
	// Output: holding slot 1
}
