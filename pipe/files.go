package pipe

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// tempFiles keeps the names of the blocks' files (--cat, --fifo), so that
// none is left behind.
type tempFiles struct {
	dir   string
	mu    sync.Mutex
	paths map[string]bool
}

// reserve makes a new file for a block, or a FIFO, and returns its name.
func (t *tempFiles) reserve(fifo bool) (string, error) {
	f, err := os.CreateTemp(t.dir, "krun-block-*")
	if err != nil {
		return "", fmt.Errorf("a file for a block: %w", err)
	}
	path := f.Name()
	f.Close()
	if fifo {
		// The name is krun's: made with O_EXCL above, replaced at once.
		os.Remove(path)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			return "", fmt.Errorf("a FIFO for a block: %w", &os.PathError{Op: "mkfifo", Path: path, Err: err})
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.paths == nil {
		t.paths = map[string]bool{}
	}
	t.paths[path] = true
	return path, nil
}

// remove removes a block's file.
func (t *tempFiles) remove(path string) error {
	t.mu.Lock()
	delete(t.paths, path)
	t.mu.Unlock()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// removeAll removes the files still there.
func (t *tempFiles) removeAll() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	paths := t.paths
	t.paths = nil
	t.mu.Unlock()
	var errs []error
	for p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// fileBlock is a block given as a file named by {}: a temporary file
// (--cat) or a FIFO (--fifo). The job's standard input is /dev/null.
type fileBlock struct {
	mem    *memBlock
	path   string
	fifo   bool
	files  *tempFiles
	writer chan struct{} // closed when the FIFO's writer is done
}

// Open writes the block to the file, or starts writing it into the FIFO
// once the job opens it.
func (b *fileBlock) Open() (*os.File, error) {
	if !b.fifo {
		f, err := os.OpenFile(b.path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, err
		}
		_, err = f.Write(b.mem.head)
		if err == nil {
			_, err = f.Write(b.mem.data)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write the block's file: %w", err)
		}
		return nil, nil
	}
	if b.writer != nil {
		b.unblock()
	}
	done := make(chan struct{})
	b.writer = done
	go func() {
		defer close(done)
		// Blocks until the job opens the FIFO (or Close does).
		f, err := os.OpenFile(b.path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		if _, err := f.Write(b.mem.head); err == nil {
			f.Write(b.mem.data) // an error: the job stopped reading
		}
	}()
	return nil, nil
}

// unblock ends the FIFO's writer: if the job never opened the FIFO, a
// reader opened and closed here lets the writer's open return, and its
// writes fail.
func (b *fileBlock) unblock() {
	for {
		select {
		case <-b.writer:
			return
		default:
		}
		if f, err := os.OpenFile(b.path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		select {
		case <-b.writer:
			return
		case <-afterShort():
		}
	}
}

// Close removes the file and gives the block's memory back.
func (b *fileBlock) Close() {
	if b.writer != nil {
		b.unblock()
	}
	b.files.remove(b.path)
	b.mem.Close()
}

// afterShort is the pause between two tries to release a FIFO's writer.
func afterShort() <-chan time.Time { return time.After(10 * time.Millisecond) }
