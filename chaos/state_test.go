package chaos

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestResolveState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "out", "sub"), 0o755)
	writeFile(t, filepath.Join(dir, "count"), "0\n")
	got, err := ResolveState(dir, []string{"out/sub", "count", "out", filepath.Join(dir, "count")})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, s := range got {
		rels = append(rels, s.Rel)
	}
	if !slices.Equal(rels, []string{"count", "out"}) {
		t.Errorf("state %v: want count and out (out/sub is in out, the absolute count is count)", rels)
	}
	if got, _ := ResolveState(dir, []string{".", "out"}); len(got) != 1 || got[0].Rel != "." {
		t.Errorf(". and out: %v, want .", got)
	}
	for _, bad := range []string{"..", "../x", "/", "missing", ""} {
		if _, err := ResolveState(dir, []string{bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestCopyState: files with their modes and content, links as links,
// empty and read-only directories, the state at its relative place; the
// directory to skip and special files are left out.
func TestCopyState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data", "empty"), 0o755)
	os.MkdirAll(filepath.Join(dir, "data", "ro"), 0o755)
	writeFile(t, filepath.Join(dir, "data", "ro", "f"), "read only\n")
	os.Chmod(filepath.Join(dir, "data", "ro"), 0o555)
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "data", "ro"), 0o755) })
	writeFile(t, filepath.Join(dir, "data", "run.sh"), "echo hi\n")
	os.Chmod(filepath.Join(dir, "data", "run.sh"), 0o755)
	writeFile(t, filepath.Join(dir, "data", "locked"), "x\n")
	os.Chmod(filepath.Join(dir, "data", "locked"), 0o444)
	os.Symlink("run.sh", filepath.Join(dir, "data", "link"))
	os.Symlink("/nowhere", filepath.Join(dir, "data", "dangling"))
	if err := syscall.Mkfifo(filepath.Join(dir, "data", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "data", "chaos-tmp", "x"), 0o755)
	writeFile(t, filepath.Join(dir, "other"), "not state\n")
	skip, err := os.Stat(filepath.Join(dir, "data", "chaos-tmp"))
	if err != nil {
		t.Fatal(err)
	}
	state, err := ResolveState(dir, []string{"data"})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "root")
	os.Mkdir(root, 0o700)
	skipped, err := copyState(context.Background(), dir, root, state, skip)
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 1 {
		t.Errorf("%d special files skipped, want 1 (the FIFO)", skipped)
	}
	got, err := indexTree(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := indexTree(dir, map[string]bool{"other": true, "data/chaos-tmp": true, "data/fifo": true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("copied %d entries, want %d: %v", len(got), len(want), got)
	}
	for p, e := range want {
		if got[p] != e {
			t.Errorf("%s: copy %+v, want %+v", p, got[p], e)
		}
	}
	for p, mode := range map[string]os.FileMode{"data/run.sh": 0o755, "data/locked": 0o444, "data/ro": 0o555 | os.ModeDir} {
		fi, err := os.Lstat(filepath.Join(root, p))
		if err != nil || fi.Mode() != mode {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode(), err, mode)
		}
	}
	if target, _ := os.Readlink(filepath.Join(root, "data", "dangling")); target != "/nowhere" {
		t.Errorf("dangling link copied as %q", target)
	}
	if err := removeAll(root); err != nil {
		t.Errorf("removeAll: %v", err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("root still there: %v", err)
	}
}

// TestIndexTreeKinds: an entry changes when its content, kind or link
// target does, not when only its time does.
func TestIndexTreeKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f"), "a\n")
	os.Symlink("f", filepath.Join(dir, "l"))
	before, err := indexTree(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "f"), "a\n") // same content, new time
	if after, _ := indexTree(dir, nil); after["f"] != before["f"] || after["l"] != before["l"] {
		t.Error("a rewrite with the same content changed the entry")
	}
	writeFile(t, filepath.Join(dir, "f"), "b\n")
	os.Remove(filepath.Join(dir, "l"))
	os.Symlink("g", filepath.Join(dir, "l"))
	after, _ := indexTree(dir, nil)
	if after["f"] == before["f"] || after["l"] == before["l"] || after["l"].kind != kindLink {
		t.Errorf("changes not seen: %+v -> %+v", before, after)
	}
	if !strings.Contains(describe(after["f"]), "2 bytes") {
		t.Errorf("describe: %s", describe(after["f"]))
	}
}
