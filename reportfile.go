package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// A report written whole at the end of a run (--timeline) follows these
// rules: a regular file, or a path where nothing is, is replaced at once
// (written beside it, then renamed over it), so that nobody ever reads
// half a report; a symbolic link is followed and its target replaced, the
// link left as it was; a FIFO or a character device (/dev/stdout, a pipe
// someone reads) is written into as a stream, never replaced; anything
// else (a directory, a socket) is refused.

// checkReportPath checks, before any job runs, that a report can be
// written to path at the end of the run. It creates nothing.
func checkReportPath(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if target, err := filepath.EvalSymlinks(path); err == nil {
			dir = filepath.Dir(target)
		}
		if err := syscall.Access(dir, 2|1); err != nil { // W_OK|X_OK: may create files in it
			return fmt.Errorf("cannot create %s: %s: %w", path, dir, err)
		}
		return nil
	case err != nil:
		return err
	case isStream(fi.Mode()):
		return nil // opening a FIFO now would wait for its reader
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file, FIFO or character device", path)
	}
	if err := syscall.Access(path, 2); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	if err := syscall.Access(filepath.Dir(target), 2|1); err != nil {
		return fmt.Errorf("cannot replace %s: %s: %w", path, filepath.Dir(target), err)
	}
	return nil
}

// isStream reports whether a file of mode m is written into as a stream:
// a FIFO or a character device.
func isStream(m fs.FileMode) bool {
	return m&fs.ModeNamedPipe != 0 || m&fs.ModeCharDevice != 0
}

// writeReportFile writes a report to path by the rules above; write
// writes its content.
func writeReportFile(path string, write func(io.Writer) error) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && isStream(fi.Mode()):
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file, FIFO or character device", path)
	case err == nil:
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return err
		}
		return replaceFile(target, fi.Mode().Perm(), true, write)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if _, lerr := os.Lstat(path); lerr == nil {
		// A symbolic link to nothing: create its target through it.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return err
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return replaceFile(path, 0o666, false, write)
}

// replaceFile writes a new file beside path and renames it over path.
// The new file has mode perm: keep is set when it is the mode of the file
// replaced; otherwise the umask applies, as for any new file.
func replaceFile(path string, perm fs.FileMode, keep bool, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	var f *os.File
	var err error
	for range 100 {
		name := filepath.Join(dir, "."+base+".krun-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return err
	}
	tmp := f.Name()
	if keep {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
