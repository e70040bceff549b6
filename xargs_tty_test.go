package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyRun is krun started on a new terminal, as its controlling terminal
// and foreground process group (a shell's job).
type ptyRun struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	out  strings.Builder // everything the terminal showed
	done chan struct{}   // closed when the terminal is read to its end
}

func startPty(t *testing.T, dir string, args ...string) *ptyRun {
	t.Helper()
	cmd := exec.Command("krun", args...)
	cmd.Dir = dir
	return startPtyCmd(t, cmd)
}

// startPtyCmd starts cmd on a new terminal, as startPty starts krun.
func startPtyCmd(t *testing.T, cmd *exec.Cmd) *ptyRun {
	t.Helper()
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	r := &ptyRun{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return // EIO once krun and its jobs are gone
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		ptmx.Close()
	})
	return r
}

// shown is what the terminal showed so far.
func (r *ptyRun) shown() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// waitShown waits until the terminal has shown want count times.
func (r *ptyRun) waitShown(want string, count int) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(r.shown(), want) < count {
		if time.Now().After(deadline) {
			r.t.Fatalf("the terminal never showed %q %d times; it showed:\n%s", want, count, r.shown())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// typeLine types line and Enter on the terminal.
func (r *ptyRun) typeLine(line string) {
	r.t.Helper()
	if _, err := r.ptmx.Write([]byte(line + "\n")); err != nil {
		r.t.Fatal(err)
	}
}

// wait waits for krun to exit and returns its exit status.
func (r *ptyRun) wait() int {
	r.t.Helper()
	err := r.cmd.Wait()
	<-r.done
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	return 0
}

// TestInteractiveAsksOnTheTerminal: -p asks before each job, on the
// terminal, and runs only the jobs answered y or Y.
func TestInteractiveAsksOnTheTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startPty(t, dir, "-p", "-j1", "touch", "ran-{}", ":::", "a", "b", "c", "d")
	for i, answer := range []string{"y", "n", "Y", "  yes"} {
		seq := string(rune('a' + i))
		r.waitShown("touch ran-"+seq+" ?...", 1)
		r.typeLine(answer)
	}
	if code := r.wait(); code != 0 {
		t.Errorf("exit status %d, want 0; the terminal showed:\n%s", code, r.shown())
	}
	for name, want := range map[string]bool{"ran-a": true, "ran-b": false, "ran-c": true, "ran-d": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", name, err == nil, want)
		}
	}
}

// TestInteractiveEndOfTerminalInput: Ctrl-D at the question is a no.
func TestInteractiveEndOfTerminalInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startPty(t, dir, "-p", "-j1", "touch", "ran-{}", ":::", "a")
	r.waitShown("touch ran-a ?...", 1)
	if _, err := r.ptmx.Write([]byte{4}); err != nil { // VEOF
		t.Fatal(err)
	}
	if code := r.wait(); code != 0 {
		t.Errorf("exit status %d, want 0; the terminal showed:\n%s", code, r.shown())
	}
	if _, err := os.Stat(filepath.Join(dir, "ran-a")); err == nil {
		t.Error("the job ran after Ctrl-D")
	}
}

// TestOpenTTYJobsReadTheTerminal: with -o each job reads the terminal,
// holding its foreground while it runs (else reading it would stop the
// job with SIGTTIN), and writes to it directly when krun's output is the
// terminal; krun takes the foreground back after each: with -p it asks
// again on the terminal, which it could not read from the background
// either.
func TestOpenTTYJobsReadTheTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// fg=1 when the job's process group is the terminal's foreground one
	// (/proc/PID/stat: pgrp is field 5, tpgid field 8).
	// tty=1 when its stdout is the terminal itself (krun's output is):
	// the job's lines show while it waits for input.
	job := `read -r _ _ _ _ pgrp _ _ tpgid _ < /proc/$$/stat; [ "$pgrp" = "$tpgid" ]; fg=$((1 - $?)); [ -t 1 ]; echo "{} fg=$fg tty=$((1 - $?))"; read x; echo "{} got $x"`
	r := startPty(t, dir, "-p", "-o", "-j1", "-k", job, ":::", "a", "b")
	r.waitShown(" ?...", 1)
	r.typeLine("y")
	r.waitShown("a fg=1 tty=1", 1)
	r.typeLine("hello")
	r.waitShown("a got hello", 1)
	r.waitShown(" ?...", 2)
	r.typeLine("y")
	r.waitShown("b fg=1 tty=1", 1)
	r.typeLine("world")
	if code := r.wait(); code != 0 {
		t.Errorf("exit status %d, want 0; the terminal showed:\n%s", code, r.shown())
	}
	if !strings.Contains(r.shown(), "b got world") {
		t.Errorf("the second job did not read the terminal; it showed:\n%s", r.shown())
	}
	// Without -o a job's stdin is /dev/null: read fails at once.
	r = startPty(t, dir, "-j1", `read x || echo "no input"`, ":::", "a")
	if code := r.wait(); code != 0 || !strings.Contains(r.shown(), "no input") {
		t.Errorf("without -o: exit status %d, shown %q; want the job to read /dev/null", code, r.shown())
	}
}

// TestInteractiveCtrlC: Ctrl-C at the question stops krun at once: no
// job, exit status 130.
func TestInteractiveCtrlC(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startPty(t, dir, "-p", "-j1", "touch", "ran-{}", ":::", "a", "b")
	r.waitShown("touch ran-a ?...", 1)
	if _, err := r.ptmx.Write([]byte{3}); err != nil { // VINTR
		t.Fatal(err)
	}
	if code := r.wait(); code != 130 {
		t.Errorf("exit status %d, want 130; the terminal showed:\n%s", code, r.shown())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("jobs ran: %v", entries)
	}
}

// TestOpenTTYCtrlCStopsTheRun: with -o, Ctrl-C goes to the job that has
// the terminal; when it dies of it, krun stops as if it had got it (exit
// 130), and the next job does not start.
func TestOpenTTYCtrlCStopsTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startPty(t, dir, "-o", "-j1", `echo "{} reading"; read x; touch done-{}`, ":::", "a", "b")
	r.waitShown("a reading", 1)
	if _, err := r.ptmx.Write([]byte{3}); err != nil { // VINTR
		t.Fatal(err)
	}
	if code := r.wait(); code != 130 {
		t.Errorf("exit status %d, want 130; the terminal showed:\n%s", code, r.shown())
	}
	if strings.Contains(r.shown(), "b reading") {
		t.Errorf("the next job started after Ctrl-C:\n%s", r.shown())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}
