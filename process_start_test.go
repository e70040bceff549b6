package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
)

// Tests of starting and waiting for jobs at the edges: the fewest
// descriptors krun accepts, and -o with Ctrl-Z. Each one failed before
// its fix (a review of the ForkExec and pidfd process start).

// TestDocumentedMinimumOpenFiles: with as few descriptors as krun
// accepts (minOpenFiles; the README says below 16 is refused), jobs run,
// one at a time. krun held more than minOpenFiles counts for (the Go
// runtime's cgroup files, the guardian's pipe and pidfd, each job's pidfd
// and exec's error pipe), and every job failed with "too many open files".
func TestDocumentedMinimumOpenFiles(t *testing.T) {
	t.Parallel()
	k := startProc(t, procOptions{dir: t.TempDir()}, "sh", "-c", fmt.Sprintf(`ulimit -n %d && exec krun -j 4 echo ::: a b c`, minOpenFiles))
	code := k.wait()
	if code != 0 || k.stdout.String() != "a\nb\nc\n" {
		t.Errorf("ulimit -n %d: exit status %d, stdout %q, stderr %q: want the three jobs run", minOpenFiles, code, k.stdout.String(), k.stderrText())
	}
}

// killLeftIn kills, when the test ends, the processes still running in
// dir: a krun that a failure left stopped, or in the background, when
// the shell that started it was killed.
func killLeftIn(t *testing.T, dir string) {
	t.Cleanup(func() {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == dir {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// TestOpenTTYCtrlZ: with -o the job has the terminal's foreground,
// so Ctrl-Z stops the job alone. krun must then stop too, with the
// terminal back in its group, as the terminal would have stopped it, so
// that the shell that started krun gets the terminal back; continued
// with fg, it gives the job the terminal and continues it. krun did not
// notice the stop: it waited for the stopped job forever, the terminal
// held by a stopped group, and the shell never got it back.
func TestOpenTTYCtrlZ(t *testing.T) {
	t.Parallel()
	job := `echo "{} reading"; read x; echo "{} got $x"`
	t.Run("under a shell", func(t *testing.T) {
		t.Parallel()
		// bash with job control (set -m) runs krun as a job: in a
		// process group of its own, with the terminal's foreground.
		cmd := exec.Command("bash", "-c", `set -m; krun -o -j1 '`+job+`' ::: a; echo "krun stopped: $?"; fg >/dev/null; echo "krun ended: $?"`)
		cmd.Dir = t.TempDir()
		killLeftIn(t, cmd.Dir)
		r := startPtyCmd(t, cmd)
		r.waitShown("a reading", 1)
		if _, err := r.ptmx.Write([]byte{26}); err != nil { // VSUSP, Ctrl-Z
			t.Fatal(err)
		}
		r.waitShown("krun stopped: 148", 1) // 128+SIGTSTP: the shell has the terminal
		r.typeLine("hello")
		r.waitShown("a got hello", 1)
		r.waitShown("krun ended: 0", 1)
		if code := r.wait(); code != 0 {
			t.Errorf("exit status %d, want 0; the terminal showed:\n%s", code, r.shown())
		}
	})
	t.Run("no shell to continue krun", func(t *testing.T) {
		t.Parallel()
		// krun leads its session: its group is orphaned, and the kernel
		// discards a stop it has no one to undo. So does krun: the job
		// goes on.
		r := startPty(t, t.TempDir(), "-o", "-j1", job, ":::", "a")
		r.waitShown("a reading", 1)
		if _, err := r.ptmx.Write([]byte{26}); err != nil {
			t.Fatal(err)
		}
		r.typeLine("hello")
		r.waitShown("a got hello", 1)
		if code := r.wait(); code != 0 {
			t.Errorf("exit status %d, want 0; the terminal showed:\n%s", code, r.shown())
		}
	})
}
