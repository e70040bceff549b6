package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestLatestLineOnTerminal: on a terminal (a real pseudo-terminal),
// --latest-line draws a live row per running job with its latest line
// while the jobs' grouped output is still held, and the full output comes
// out as usual when they end; the rows are erased at the end.
func TestLatestLineOnTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	release := filepath.Join(dir, "release")
	script := `echo "working-$1"; while [ ! -e "$2" ]; do sleep 0.05; done; echo "done-$1"`
	cmd := exec.Command("krun", "-q", "-j2", "--latest-line", "--tag", "sh", "-c", script, "sh", "{}", release, ":::", "jobA", "jobB")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return // EIO when krun exits
			}
		}
	}()
	seen := func() string {
		mu.Lock()
		defer mu.Unlock()
		return screen.String()
	}
	// The row shows the job's line while its output is held (grouped).
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(seen(), "jobA working-jobA\r\n\x1b[KjobB working-jobB") {
		if time.Now().After(deadline) {
			t.Fatalf("no live row after 60s: %q", seen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(seen(), "\tworking-job") {
		t.Fatalf("the output came out before the job ended: %q", seen())
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("krun: %v: %q", err, seen())
	}
	<-done
	out := seen()
	if !strings.Contains(out, "jobA\tworking-jobA\r\njobA\tdone-jobA\r\n") || !strings.Contains(out, "jobB\tworking-jobB\r\njobB\tdone-jobB\r\n") {
		t.Errorf("full output missing: %q", out)
	}
	// The rows are erased at the end: the screen ends with an erase.
	if !strings.Contains(out, "\r\x1b[K\x1b[1A\x1b[K") {
		t.Errorf("two rows were never erased together: %q", out)
	}
	end := max(strings.LastIndex(out, "done-jobA\r\n"), strings.LastIndex(out, "done-jobB\r\n"))
	tail := out[end+len("done-jobA\r\n"):]
	if last := tail[strings.LastIndex(tail, "\r\x1b[K")+len("\r\x1b[K"):]; strings.ReplaceAll(last, "\x1b[1A\x1b[K", "") != "" {
		t.Errorf("after the output: %q, want the rows erased last", tail)
	}
}

// TestLatestLineOffTerminal: elsewhere, only each job's last line is
// written, as GNU parallel's --latest-line leaves it there.
func TestLatestLineOffTerminal(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("krun", "-k", "--ll", "echo first {}; echo last {}; echo err {} >&2", ":::", "a", "b")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || string(out) != "last a\nlast b\n" || stderr.String() != "err a\nerr b\n" {
		t.Errorf("stdout %q, stderr %q, %v; want the last lines", out, stderr.String(), err)
	}
}
