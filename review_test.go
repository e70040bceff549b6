package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tests from the review of the process start (ForkExec and pidfd): each
// one failed before its fix.

// TestReviewDocumentedMinimumOpenFiles: with as few descriptors as krun
// accepts (minOpenFiles; the README says below 16 is refused), jobs run,
// one at a time. krun held more than minOpenFiles counts for (the Go
// runtime's cgroup files, the guardian's pipe and pidfd, each job's pidfd
// and exec's error pipe), and every job failed with "too many open files".
func TestReviewDocumentedMinimumOpenFiles(t *testing.T) {
	t.Parallel()
	k := startProc(t, procOptions{dir: t.TempDir()}, "sh", "-c", fmt.Sprintf(`ulimit -n %d && exec krun -j 4 echo ::: a b c`, minOpenFiles))
	code := k.wait()
	if code != 0 || k.stdout.String() != "a\nb\nc\n" {
		t.Errorf("ulimit -n %d: exit status %d, stdout %q, stderr %q: want the three jobs run", minOpenFiles, code, k.stdout.String(), k.stderrText())
	}
}

// processState is the state letter of process pid (/proc/PID/stat), or
// 0 when it is gone.
func processState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) == 0 || len(f[0]) != 1 {
		return 0
	}
	return f[0][0]
}

// TestReviewOpenTTYCtrlZStopsKrunToo: with -o the job has the terminal's
// foreground, so Ctrl-Z stops the job alone. krun must then stop too,
// with the terminal back in its group, as a shell's job does, so that
// the user's shell gets the terminal back; continued (fg), it gives the
// job the terminal and continues it. krun did not notice the stop: it
// waited for the stopped job forever, the terminal held by a stopped
// group, and the user's shell never got it back.
func TestReviewOpenTTYCtrlZStopsKrunToo(t *testing.T) {
	t.Parallel()
	r := startPty(t, t.TempDir(), "-o", "-j1", `echo "{} reading"; read x; echo "{} got $x"`, ":::", "a")
	r.waitShown("a reading", 1)
	if _, err := r.ptmx.Write([]byte{26}); err != nil { // VSUSP, Ctrl-Z
		t.Fatal(err)
	}
	pid := r.cmd.Process.Pid
	for deadline := time.Now().Add(20 * time.Second); processState(pid) != 'T'; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after Ctrl-Z krun (state %c) did not stop with its job; the terminal showed:\n%s", processState(pid), r.shown())
		}
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil { // what fg does
		t.Fatal(err)
	}
	r.typeLine("hello")
	r.waitShown("a got hello", 1)
	if code := r.wait(); code != 0 {
		t.Errorf("exit status %d, want 0; the terminal showed:\n%s", code, r.shown())
	}
}
