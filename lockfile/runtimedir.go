package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// RuntimeDir returns krun's private per-user directory for lock files
// such as a Semaphore's slots, creating it with mode 0700 if it is
// missing: $XDG_RUNTIME_DIR/krun when XDG_RUNTIME_DIR is set to an
// absolute path (Linux sessions under systemd), else krun-UID in
// os.TempDir(), that is $TMPDIR or /tmp (on macOS, $TMPDIR is per user
// already).
//
// The directory is refused, with an error that says why, if it is a
// symbolic link, is not a directory, belongs to another user, or is
// accessible by group or others: in a shared /tmp another user could
// otherwise plant it, and take or steal krun's locks. RuntimeDir does not
// block.
func RuntimeDir() (string, error) {
	uid := os.Getuid()
	var dir string
	if x := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(x) {
		dir = filepath.Join(x, "krun")
	} else {
		dir = filepath.Join(os.TempDir(), "krun-"+strconv.Itoa(uid))
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("runtime directory: %w", err)
	}
	if err := ensurePrivateDir(dir, uid); err != nil {
		return "", err
	}
	return dir, nil
}

// ensurePrivateDir creates dir with mode 0700 if it is missing and checks
// that it is a directory, not a symbolic link, owned by uid and closed to
// group and others.
func ensurePrivateDir(dir string, uid int) error {
	const what = "runtime directory"
	err := os.Mkdir(dir, 0o700)
	created := err == nil
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", what, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %s is a symbolic link: refusing to use it", what, dir)
	case !fi.IsDir():
		return fmt.Errorf("%s %s is not a directory", what, dir)
	}
	if err := checkOwner(what, dir, fi, uid); err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm != 0o700 && created {
		// A umask that takes the owner's bits; the directory is new
		// and ours.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	} else if perm&0o077 != 0 {
		return fmt.Errorf("%s %s is accessible by group or others (mode %04o): refusing to use it; chmod 700 it", what, dir, perm)
	}
	return nil
}
