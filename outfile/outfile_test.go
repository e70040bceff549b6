package outfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReplace: a regular file is replaced whole, keeping its mode; a
// symbolic link is followed and stays a link; a dangling one gets its
// target created; a directory is refused; nothing is left behind.
func TestReplace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "run.html")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Replace(ctx, path, []byte("new"), nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "new" {
		t.Errorf("the file holds %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old file's 0640", fi.Mode().Perm())
	}

	link := filepath.Join(dir, "link.html")
	if err := os.Symlink("run.html", link); err != nil {
		t.Fatal(err)
	}
	if err := Replace(ctx, link, []byte("through the link"), nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got := readFile(t, path); got != "through the link" {
		t.Errorf("the link's target holds %q", got)
	}

	dangling := filepath.Join(dir, "dangling.html")
	if err := os.Symlink("made.html", dangling); err != nil {
		t.Fatal(err)
	}
	if err := Replace(ctx, dangling, []byte("made"), nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "made.html")); got != "made" {
		t.Errorf("the dangling link's target holds %q", got)
	}

	if err := Replace(ctx, dir, []byte("x"), nil); err == nil {
		t.Error("a directory was written")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 4 {
		t.Errorf("files left behind: %v", ents)
	}
}

// TestReplaceNewFileMode: a new file gets 0666 minus the umask, as the
// shell's ">" gives it. Not parallel: the umask is the process's.
func TestReplaceNewFileMode(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "fresh.svg")
	if err := Replace(context.Background(), path, nil, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("a new file's mode %v, want 0640 (0666 less the umask 027)", fi.Mode().Perm())
	}
	f, err := Open(context.Background(), path+".log", Truncate, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(path + ".log"); fi.Mode().Perm() != 0o640 {
		t.Errorf("Open: a new file's mode %v, want 0640", fi.Mode().Perm())
	}
}

// TestOpenModes: Truncate starts afresh, Append adds, and a device is
// written as a stream without truncation.
func TestOpenModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log")
	for _, step := range []struct {
		mode Mode
		text string
		want string
	}{{Truncate, "a\n", "a\n"}, {Append, "b\n", "a\nb\n"}, {Truncate, "c\n", "c\n"}} {
		f, err := Open(ctx, path, step.mode, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, step.text)
		f.Close()
		if got := readFile(t, path); got != step.want {
			t.Errorf("after %q: %q, want %q", step.text, got, step.want)
		}
	}
	f, err := Open(ctx, os.DevNull, Truncate, nil)
	if err != nil {
		t.Fatalf("%s: %v", os.DevNull, err)
	}
	f.Close()
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}
	if _, err := Open(ctx, filepath.Dir(path), Append, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
}

// TestOpenFIFO: a FIFO is opened write-only once it has a reader, which
// gets what is written; without a reader the wait says so and ends with
// the context.
func TestOpenFIFO(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "f")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{}, 1)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-waited
		cancel(errors.New("gave up"))
	}()
	_, err := Open(ctx, fifo, Truncate, func() { waited <- struct{}{} })
	if err == nil || !strings.Contains(err.Error(), "gave up") {
		t.Fatalf("no reader: err = %v, want the context's cause", err)
	}

	got := make(chan string, 1)
	go func() {
		r, err := os.Open(fifo) // blocks until the writer opens
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(r)
		r.Close()
		got <- string(b)
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if err := Replace(ctx2, fifo, []byte("report"), nil); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "report" {
		t.Errorf("the reader got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
}

// TestCheck: what cannot be written is known without touching anything.
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := Check(filepath.Join(dir, "no", "such")); err == nil {
		t.Error("a path in a missing directory passed")
	}
	if err := Check(dir); err == nil {
		t.Error("a directory passed")
	}
	if err := Check(filepath.Join(dir, "new")); err != nil {
		t.Errorf("a new file in a writable directory: %v", err)
	}
	if err := Check(""); err == nil {
		t.Error("an empty name passed")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Check created %v", ents)
	}
}

// TestReplaceKeepsWhatTheFileIs: hard links stay linked, another user's
// file keeps its owner (root only), and a relative link is read from the
// directory it really is in, not from the path that led to it.
func TestReplaceKeepsWhatTheFileIs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()

	a, b := filepath.Join(dir, "a.xml"), filepath.Join(dir, "b.xml")
	if err := os.WriteFile(a, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	if err := Replace(ctx, a, []byte("new"), nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b); got != "new" {
		t.Errorf("the other hard link holds %q: the links were split", got)
	}

	// mkdir x/y; ln -s x/y s; ln -s ../z x/y/link: s/link is x/z.
	if err := os.MkdirAll(filepath.Join(dir, "x", "y"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Symlink("x/y", filepath.Join(dir, "s"))
	os.Symlink("../z", filepath.Join(dir, "x", "y", "link"))
	os.WriteFile(filepath.Join(dir, "z"), []byte("victim"), 0o644)
	os.WriteFile(filepath.Join(dir, "x", "z"), []byte("real"), 0o644)
	if err := Replace(ctx, filepath.Join(dir, "s", "link"), []byte("report"), nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "x", "z")); got != "report" {
		t.Errorf("x/z holds %q, want the report", got)
	}
	if got := readFile(t, filepath.Join(dir, "z")); got != "victim" {
		t.Errorf("z holds %q: the link was read from the wrong directory", got)
	}

	if os.Getuid() != 0 {
		return
	}
	owned := filepath.Join(dir, "owned.xml")
	os.WriteFile(owned, []byte("old"), 0o640)
	if err := os.Chown(owned, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := Replace(ctx, owned, []byte("new"), nil); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(owned)
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 || st.Gid != 65534 || fi.Mode().Perm() != 0o640 {
		t.Errorf("owner %d:%d mode %v, want 65534:65534 0640", st.Uid, st.Gid, fi.Mode().Perm())
	}
}
