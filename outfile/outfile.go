// Package outfile opens the files krun writes (reports, appended output)
// by one rule, so that a path given on the command line is written into
// and never replaced by something else:
//
//   - symbolic links are followed;
//   - a character device, FIFO or terminal is written as a stream
//     (--junit /dev/stdout prints the report); a FIFO is opened
//     write-only, waiting for a reader until the context is done, never
//     read-write (which would swallow the data) and never blocking
//     uncancellably in open(2);
//   - a regular file is truncated or appended to in place, or replaced
//     atomically by [Replace], keeping its mode; a missing file is created
//     with mode 0666 minus the umask, like the shell's ">";
//   - nothing else (a directory, a socket) is written, and nothing is ever
//     removed, renamed over or chmod-ed except a regular file krun
//     replaces.
package outfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Mode says how an existing regular file is opened.
type Mode uint8

const (
	// Truncate starts the file afresh.
	Truncate Mode = iota
	// Append writes after what the file holds.
	Append
)

// readerPoll is how often Open looks for a reader on a FIFO.
const readerPoll = 20 * time.Millisecond

// Kind is what a path leads to.
type Kind uint8

const (
	Missing Kind = iota // nothing there yet: a new regular file
	Regular             // a regular file
	Stream              // a character device, FIFO or terminal
)

// Inspect returns what path leads to, following symbolic links, and an
// error naming the path for anything krun does not write into.
func Inspect(path string) (Kind, error) {
	if path == "" {
		return 0, errors.New("empty file name")
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Missing, nil
	case err != nil:
		return 0, err
	}
	switch m := fi.Mode(); {
	case m.IsRegular():
		return Regular, nil
	case m&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return Stream, nil
	case m.IsDir():
		return 0, fmt.Errorf("%s is a directory", path)
	default:
		return 0, fmt.Errorf("%s is not a regular file, device or FIFO", path)
	}
}

// Check reports, without changing anything, whether path can be written
// by Open or Replace: a writable file or device, or a missing file in a
// writable directory.
func Check(path string) error {
	kind, err := Inspect(path)
	if err != nil {
		return err
	}
	if kind == Missing {
		dir := filepath.Dir(path)
		if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
			return &fs.PathError{Op: "create in", Path: dir, Err: err}
		}
		return nil
	}
	if err := unix.Access(path, unix.W_OK); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// Open opens path for writing by the package's rule. For a FIFO with no
// reader it calls waiting, if not nil, and waits for one until ctx is
// done; the error then wraps the context's cause.
func Open(ctx context.Context, path string, mode Mode, waiting func()) (*os.File, error) {
	kind, err := Inspect(path)
	if err != nil {
		return nil, err
	}
	if kind == Stream {
		return openStream(ctx, path, mode, waiting)
	}
	flag := os.O_WRONLY | os.O_CREATE
	if mode == Append {
		flag |= os.O_APPEND
	} else {
		flag |= os.O_TRUNC
	}
	// O_NONBLOCK: should a FIFO appear at path after Inspect, open fails
	// with ENXIO instead of hanging; on a regular file it does nothing.
	f, err := os.OpenFile(path, flag|unix.O_NONBLOCK, 0o666)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s changed while krun opened it", path)
	}
	return f, nil
}

// OpenNow is Open for a caller that cannot wait: a FIFO with no reader is
// an error at once.
func OpenNow(path string, mode Mode) (*os.File, error) {
	return Open(nil, path, mode, nil) // openStream: nil ctx, no wait
}

// WriteFile writes data to path by Open's rule (Truncate), without
// waiting for the reader of a FIFO.
func WriteFile(path string, data []byte) error {
	f, err := OpenNow(path, Truncate)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// openStream opens a device or FIFO write-only without O_TRUNC (which a
// device refuses) and, for a FIFO, without blocking in open(2): it polls
// for a reader until ctx is done, or fails at once with a nil ctx
// (OpenNow).
func openStream(ctx context.Context, path string, mode Mode, waiting func()) (*os.File, error) {
	flag := os.O_WRONLY | unix.O_NONBLOCK
	if mode == Append {
		flag |= os.O_APPEND
	}
	var timer *time.Timer
	for {
		f, err := os.OpenFile(path, flag, 0)
		if err == nil {
			// Writes block as usual from here on.
			if err := unix.SetNonblock(int(f.Fd()), false); err != nil {
				f.Close()
				return nil, err
			}
			return f, nil
		}
		if !errors.Is(err, unix.ENXIO) {
			return nil, err
		}
		if ctx == nil {
			return nil, fmt.Errorf("wait for a reader of FIFO %s: it has no reader", path)
		}
		// A FIFO with no reader yet.
		if timer == nil {
			if waiting != nil {
				waiting()
			}
			timer = time.NewTimer(readerPoll)
			defer timer.Stop()
		} else {
			timer.Reset(readerPoll)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for a reader of FIFO %s: %w", path, context.Cause(ctx))
		case <-timer.C:
		}
	}
}

// Replace writes data to path: a regular or missing file is replaced
// atomically (a temporary file beside the one symbolic links lead to,
// with the old file's mode or 0666 minus the umask, renamed over it), so
// a reader never sees half a report; a device or FIFO is written as a
// stream through Open (waiting as Open does).
func Replace(ctx context.Context, path string, data []byte, waiting func()) error {
	kind, err := Inspect(path)
	if err != nil {
		return err
	}
	if kind == Stream {
		f, err := openStream(ctx, path, Truncate, waiting)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return errors.Join(err, f.Close())
	}
	target, err := resolve(path)
	if err != nil {
		return err
	}
	var old fs.FileInfo
	if kind == Regular {
		if old, err = os.Stat(target); err != nil {
			return err
		}
		if st, ok := old.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			// Renaming over one name would split the hard links: write
			// in place.
			return WriteFile(target, data) // in place: links, owner and mode stay
		}
	}
	tmp, err := createBeside(target)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			// A directory krun may not create in, but a file it may
			// write: write in place rather than lose the report.
			return WriteFile(target, data) // in place: links, owner and mode stay
		}
		return err
	}
	err = writeTemp(tmp, data, old)
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		os.Remove(tmp.Name())
		if errors.Is(err, errOwner) {
			// Another user's file, which a new file could not be made
			// to look like: write it in place.
			return WriteFile(target, data) // in place: links, owner and mode stay
		}
		return err
	}
	return nil
}

// errOwner: a replacement could not be given the old file's owner.
var errOwner = errors.New("cannot keep the owner")

// writeTemp writes data to tmp, created 0600 so that nobody else can open
// it meanwhile, then gives it the mode (and, when it can, the owner) of
// the file it replaces, or 0666 minus the umask for a new one.
func writeTemp(tmp *os.File, data []byte, old fs.FileInfo) error {
	_, err := tmp.Write(data)
	mode := fs.FileMode(0o666) &^ umask()
	if old != nil {
		mode = old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if st, ok := old.Sys().(*syscall.Stat_t); ok && err == nil {
			if cerr := tmp.Chown(int(st.Uid), int(st.Gid)); cerr != nil && (int(st.Uid) != os.Getuid() || int(st.Gid) != os.Getgid()) {
				err = errOwner
			}
		}
	}
	if err == nil {
		err = tmp.Chmod(mode)
	}
	return errors.Join(err, tmp.Close())
}

// resolve follows the symbolic links at path, even when the last one
// points to nothing yet (where the shell's ">" would create the file). A
// relative link is read from the directory the link is really in.
func resolve(path string) (string, error) {
	for range 40 {
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return "", err
		}
		path = filepath.Join(dir, filepath.Base(path))
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(dir, link)
		}
		path = link
	}
	return "", &fs.PathError{Op: "resolve", Path: path, Err: unix.ELOOP}
}

// umask returns the process's umask, read from /proc (Linux 4.7 and
// later); elsewhere the usual 022.
func umask() fs.FileMode {
	data, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return fs.FileMode(m)
				}
			}
		}
	}
	return 0o022
}

// createBeside creates a new temporary file in target's directory, mode
// 0600 until writeTemp gives it its final mode.
func createBeside(target string) (*os.File, error) {
	dir, base := filepath.Split(target)
	for i := 0; ; i++ {
		name := filepath.Join(dir, fmt.Sprintf(".%s.krun-%d-%d", base, os.Getpid(), time.Now().UnixNano()+int64(i)))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		return f, err
	}
}
