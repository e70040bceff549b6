package main

import (
	"github.com/krun-dev/krun/procfs"

	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// waitTimeout is the generous bound for events that take milliseconds.
const waitTimeout = 60 * time.Second

// spoolFiles lists the deleted files krun holds open in dir: its spill
// file, which has no name, shows in /proc as "DIR/krun-spool-N (deleted)".
func spoolFiles(t *testing.T, pid int, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatalf("read krun's descriptors: %v", err)
	}
	var found []string
	for _, fd := range fds {
		target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
		if err == nil && strings.HasPrefix(target, dir+"/") {
			found = append(found, target)
		}
	}
	return found
}

// waitFile waits until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startKrun starts krun in dir with TMPDIR set to tmp; the test reads
// its stdout from p.stdoutPipe.
func startKrun(t *testing.T, dir, tmp string, args ...string) *proc {
	t.Helper()
	return startProc(t, procOptions{dir: dir, env: []string{"TMPDIR=" + tmp}, stdoutPipe: true}, "krun", args...)
}

// TestOwnerStreamsLiveAndSpoolsNothing: a lone job writing far more than
// --buffer-size reaches krun's stdout while it is still running, and krun
// never opens a spill file for it.
func TestOwnerStreamsLiveAndSpoolsNothing(t *testing.T) {
	t.Parallel()
	dir, tmp := t.TempDir(), t.TempDir()
	const size = 8 << 20 // 128 times the buffer
	p := startKrun(t, dir, tmp, "--buffer-size", "64K",
		"krun-testgen binary 7 "+strconv.Itoa(size)+"; while [ ! -e release ]; do sleep 0.02; done; echo end", ":::", "x")
	stdout := p.stdoutPipe
	got := make([]byte, size)
	if _, err := io.ReadFull(stdout, got); err != nil {
		t.Fatalf("read the live output: %v", err)
	}
	// The job is still running, waiting for release.
	if files := spoolFiles(t, p.cmd.Process.Pid, tmp); len(files) > 0 {
		t.Fatalf("krun spooled the owner's output: %v", files)
	}
	if !bytes.Equal(got, testBinary(7, size)) {
		t.Fatal("the live output differs from what the job wrote")
	}
	os.WriteFile(filepath.Join(dir, "release"), nil, 0o644)
	rest, _ := io.ReadAll(stdout)
	if code := p.wait(); code != 0 {
		t.Fatalf("krun: exit status %d: %s", code, p.stderrText())
	}
	if string(rest) != "end x\n" {
		t.Fatalf("after release: %q", rest)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Fatalf("left in TMPDIR: %v", entries)
	}
}

// TestWaitingJobSpillsAndLeavesNothing: a job that waits behind the owner
// spills past --buffer-size to an unlinked file in TMPDIR; its output comes
// out byte for byte, and nothing is left in TMPDIR, also after SIGINT.
func TestWaitingJobSpillsAndLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, interrupt := range []bool{false, true} {
		t.Run("interrupt="+strconv.FormatBool(interrupt), func(t *testing.T) {
			t.Parallel()
			dir, tmp := t.TempDir(), t.TempDir()
			const size = 1 << 20
			// Job 1 owns stdout until released; job 2 writes 1 MiB, says so,
			// and waits too.
			p := startKrun(t, dir, tmp, "-k", "-j", "2", "--buffer-size", "64K",
				`if [ {} = 1 ]; then echo owner; while [ ! -e release ]; do sleep 0.02; done; else krun-testgen binary 9 `+strconv.Itoa(size)+`; touch written; while [ ! -e release ]; do sleep 0.02; done; fi`,
				":::", "1", "2")
			stdout := p.stdoutPipe
			if line, err := stdout.ReadString('\n'); err != nil || line != "owner\n" {
				t.Fatalf("first line %q, %v", line, err)
			}
			waitFile(t, filepath.Join(dir, "written"))
			// The job may finish writing into its pipe before krun has read
			// it all: wait for krun to have spilled it (the file is created
			// and unlinked at once; catching it in between is no failure).
			var files []string
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				files = spoolFiles(t, p.cmd.Process.Pid, tmp)
				if len(files) == 1 && strings.HasSuffix(files[0], "(deleted)") {
					break
				}
			}
			if len(files) != 1 || !strings.HasSuffix(files[0], "(deleted)") {
				t.Fatalf("want one unlinked spill file in TMPDIR, krun holds %v", files)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Fatalf("the spill file has a name: %v", entries)
			}
			if interrupt {
				p.cmd.Process.Signal(syscall.SIGINT)
			} else {
				os.WriteFile(filepath.Join(dir, "release"), nil, 0o644)
			}
			rest, _ := io.ReadAll(stdout)
			code := p.wait()
			if interrupt {
				if code != 130 {
					t.Fatalf("exit status %d after SIGINT, want 130: %s", code, p.stderrText())
				}
			} else {
				if code != 0 {
					t.Fatalf("krun: exit status %d: %s", code, p.stderrText())
				}
				if !bytes.Equal(rest, testBinary(9, size)) {
					t.Fatalf("the spilled output differs (%d bytes, want %d)", len(rest), size)
				}
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Fatalf("left in TMPDIR: %v", entries)
			}
		})
	}
}

// TestBinaryOutputByteExact: random binary output (NUL, invalid UTF-8, no
// final newline) of several jobs passes through byte for byte, grouped and
// with -k.
func TestBinaryOutputByteExact(t *testing.T) {
	t.Parallel()
	sizes := []int{1, 100, 4095, 70000, 300000, 2 << 20}
	var seeds []string
	for i := range sizes {
		seeds = append(seeds, strconv.Itoa(i))
	}
	for _, flags := range [][]string{{"-k"}, nil, {"-k", "--buffer-size", "16K"}} {
		args := append(flags, "-j", "3", "krun-testgen binary {} $(( {} == 0 ? 1 : {} == 1 ? 100 : {} == 2 ? 4095 : {} == 3 ? 70000 : {} == 4 ? 300000 : 2097152 ))", ":::")
		cmd := exec.Command("krun", append(args, seeds...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("krun %v: %v", flags, err)
		}
		blocks := map[int][]byte{}
		for i, size := range sizes {
			blocks[i] = testBinary(uint64(i), size)
		}
		if len(flags) > 0 && flags[0] == "-k" {
			var want []byte
			for i := range sizes {
				want = append(want, blocks[i]...)
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("krun %v: output differs from the jobs' bytes in order", flags)
			}
			continue
		}
		// Completion order: each job's bytes must be one intact block.
		for rest := out; len(rest) > 0; {
			matched := false
			for i, b := range blocks {
				if bytes.HasPrefix(rest, b) {
					rest = rest[len(b):]
					delete(blocks, i)
					matched = true
					break
				}
			}
			if !matched {
				t.Fatalf("krun %v: %d bytes from the end, no job's block starts", flags, len(rest))
			}
		}
		if len(blocks) > 0 {
			t.Fatalf("krun %v: blocks missing: %d", flags, len(blocks))
		}
	}
}

// TestClosedStdoutStopsPromptly: krun ... | head -1 ends the running jobs
// and exits 141 with nothing on stderr, leaving no job process behind.
func TestClosedStdoutStopsPromptly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command("krun", "-j", "3", `echo $$ > pid.{}; exec yes {}`, ":::", "a", "b", "c", "d", "e")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || len(line) != 2 {
		t.Fatalf("first line %q, %v", line, err)
	}
	stdout.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		cmd.Process.Kill()
		t.Fatal("krun did not exit after its stdout closed")
	}
	if code := cmd.ProcessState.ExitCode(); code != 141 {
		t.Errorf("exit status %d, want 141", code)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %q", stderr.String())
	}
	pids, _ := filepath.Glob(filepath.Join(dir, "pid.*"))
	if len(pids) == 0 {
		t.Fatal("no job recorded its pid")
	}
	for _, p := range pids {
		b, _ := os.ReadFile(p)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			if st, ok := procfs.Stat(pid); ok && !st.Ended() {
				t.Errorf("job process %d (%s) is still alive", pid, p)
			}
		}
	}
}

// TestSpillFailureReported: when the spill file cannot grow (here the file
// size limit, as a full disk would), krun says so once, naming the
// directory, and exits non-zero; the output is not silently cut.
func TestSpillFailureReported(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	// The jobs find the signal file by $GO_DIR: their own $2 is empty.
	cmd := exec.Command("sh", "-c", `ulimit -f 64; GO_DIR=$2 exec krun -k -j 2 --buffer-size 16K --tmpdir "$1" 'if [ {} = 1 ]; then while [ ! -e "$GO_DIR/go" ]; do sleep 0.02; done; else krun-testgen binary 1 1000000; touch "$GO_DIR/go"; fi' ::: 1 2`, "sh", tmp, t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("krun succeeded although its spill file could not grow (%d bytes of output)", len(out))
	}
	msg := string(out)
	if n := strings.Count(msg, "krun: error:"); n != 1 || !strings.Contains(msg, tmp) || !strings.Contains(msg, "file too large") {
		t.Fatalf("want one error naming %s and the cause, got: %q", tmp, msg)
	}
}

// TestTagColourOnlyOnTerminal: tags are coloured when stdout is a terminal
// (a real pseudo-terminal here), not when it is a pipe, and NO_COLOR turns
// colour off even on a terminal.
func TestTagColourOnlyOnTerminal(t *testing.T) {
	t.Parallel()
	run := func(env ...string) string {
		cmd := exec.Command("krun", "-k", "--tag", "echo", ":::", "a", "b")
		cmd.Env = append(os.Environ(), env...)
		ptmx, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		defer ptmx.Close()
		out, _ := io.ReadAll(ptmx) // EIO when krun exits
		cmd.Wait()
		return string(out)
	}
	colored := run("NO_COLOR=", "FORCE_COLOR=")
	if !strings.Contains(colored, "\x1b[32ma\x1b[0m\ta") || !strings.Contains(colored, "\x1b[3") {
		t.Errorf("on a terminal: %q, want coloured tags", colored)
	}
	if plain := run("NO_COLOR=1"); strings.Contains(plain, "\x1b[") || !strings.Contains(plain, "a\ta") {
		t.Errorf("NO_COLOR on a terminal: %q, want plain tags", plain)
	}
	cmd := exec.Command("krun", "-k", "--tag", "echo", ":::", "a", "b")
	cmd.Env = append(os.Environ(), "NO_COLOR=", "FORCE_COLOR=")
	out, err := cmd.Output()
	if err != nil || string(out) != "a\ta\nb\tb\n" {
		t.Errorf("to a pipe: %q, %v; want plain tags", out, err)
	}
}

// TestSlowStdoutIsNotAHeldPipe: a job that has ended while its last chunk
// waits for a slow reader of krun's stdout did not leave anything holding
// its pipe: krun waits for the reader (longer than its 2 s grace for held
// pipes) and the job succeeds with all its output.
func TestSlowStdoutIsNotAHeldPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const size = 200 << 10 // one chunk of krun's copy, more than a pipe holds
	p := startKrun(t, dir, t.TempDir(), "-u", "head -c "+strconv.Itoa(size)+" /dev/zero; touch done", ":::", "x")
	waitFile(t, filepath.Join(dir, "done"))
	// The job has ended; its output waits for this reader. Stay away for
	// longer than the grace krun gives a pipe held open by a leftover.
	time.Sleep(3 * time.Second)
	out, _ := io.ReadAll(p.stdoutPipe)
	if code := p.wait(); code != 0 || len(out) != size {
		t.Fatalf("exit status %d with %d bytes of %d; stderr: %s", code, len(out), size, p.stderrText())
	}
}
