package lockfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// checkPrivateDir checks that dir is a directory with mode 0700.
func checkPrivateDir(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s has mode %v, want a directory with mode 0700", dir, fi.Mode())
	}
}

func TestRuntimeDirXDG(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", base)
	for range 2 { // creates it, then reuses it
		dir, err := RuntimeDir()
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(base, "krun"); dir != want {
			t.Fatalf("RuntimeDir() = %q, want %q", dir, want)
		}
		checkPrivateDir(t, dir)
	}
}

func TestRuntimeDirTemp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	want := filepath.Join(tmp, "krun-"+strconv.Itoa(os.Getuid()))
	// Unset, and a relative path, which the XDG spec says to ignore.
	for _, xdg := range []string{"", "relative/run"} {
		t.Setenv("XDG_RUNTIME_DIR", xdg)
		dir, err := RuntimeDir()
		if err != nil {
			t.Fatal(err)
		}
		if dir != want {
			t.Fatalf("with XDG_RUNTIME_DIR=%q: RuntimeDir() = %q, want %q", xdg, dir, want)
		}
		checkPrivateDir(t, dir)
	}
}

func TestRuntimeDirRefusals(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(dir string) error
		want  string
	}{
		{"symlink", func(dir string) error {
			target := dir + ".target"
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			return os.Symlink(target, dir)
		}, "is a symbolic link"},
		{"file", func(dir string) error { return os.WriteFile(dir, nil, 0o600) }, "is not a directory"},
		{"group", func(dir string) error { return mkdirMode(dir, 0o770) }, "accessible by group or others (mode 0770)"},
		{"others", func(dir string) error { return mkdirMode(dir, 0o701) }, "accessible by group or others (mode 0701)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			t.Setenv("XDG_RUNTIME_DIR", base)
			dir := filepath.Join(base, "krun")
			if err := tt.setup(dir); err != nil {
				t.Fatal(err)
			}
			_, err := RuntimeDir()
			if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("RuntimeDir(): %v, want a refusal naming %s with %q", err, dir, tt.want)
			}
		})
	}
}

func mkdirMode(dir string, mode os.FileMode) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, mode)
}

func TestRuntimeDirRefusesOtherOwner(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "krun")
	if err := ensurePrivateDir(dir, os.Getuid()); err != nil {
		t.Fatal(err)
	}
	// The directory is ours; pretend we are someone else.
	err := ensurePrivateDir(dir, os.Getuid()+1)
	if err == nil || !strings.Contains(err.Error(), "belongs to uid") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("ensurePrivateDir of another user's directory: %v, want a refusal", err)
	}
	if os.Getuid() == 0 {
		// As root, give it away for real.
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := ensurePrivateDir(dir, 0); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Fatalf("ensurePrivateDir of a directory owned by uid 65534: %v, want a refusal", err)
		}
	}
}
