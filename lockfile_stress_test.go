package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// These tests drive krun append, krun lock and krun sem as many
// concurrent processes, the way shell scripts use them, next to flock(1)
// from util-linux, which they must interoperate with.

// requireFlock fails the test when flock(1) is missing: CI installs it.
func requireFlock(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("flock"); err != nil {
		t.Fatal("these tests need flock(1) from util-linux: install it (apt-get install util-linux, brew install flock)")
	}
}

// runScript runs a shell script in dir with extra environment variables
// and fails the test if it fails.
func runScript(t *testing.T, dir, script string, env ...string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "failures")); err == nil {
		t.Fatalf("some processes failed:\n%s", data)
	}
}

// stressBlock returns a block of about size bytes for writer id: a
// "begin ID" line, numbered lines of up to 2 KB naming the writer, and an
// "end ID SUM" line with the SHA-256 of everything before it.
func stressBlock(id string, size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 2200)
	fmt.Fprintf(&b, "begin %s\n", id)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "%s line %d ", id, i)
		b.Write(bytes.Repeat([]byte{byte('a' + i%26)}, 100+i*37%1900))
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "end %s %x\n", id, sha256.Sum256(b.Bytes()))
	return b.Bytes()
}

// checkStressBlocks reads a file of stress blocks and returns how many
// whole blocks each writer has in it; it fails on anything else: a cut,
// a mix, a stray line.
func checkStressBlocks(r io.Reader) (map[string]int, error) {
	counts := make(map[string]int)
	br := bufio.NewReaderSize(r, 1<<20)
	h := sha256.New()
	id := ""
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return counts, fmt.Errorf("line %d is longer than any test line", n)
		}
		if err == io.EOF {
			if len(line) > 0 {
				return counts, fmt.Errorf("the file ends with a partial line %.40q", line)
			}
			if id != "" {
				return counts, fmt.Errorf("block %s is cut short at the end of the file", id)
			}
			return counts, nil
		}
		if err != nil {
			return counts, err
		}
		if id != "" && bytes.HasPrefix(line, []byte(id+" line ")) {
			h.Write(line)
			continue
		}
		f := strings.Fields(string(line))
		switch {
		case len(f) == 2 && f[0] == "begin":
			if id != "" {
				return counts, fmt.Errorf("line %d: block %s begins inside block %s", n, f[1], id)
			}
			id = f[1]
			h.Reset()
			h.Write(line)
		case id == "":
			return counts, fmt.Errorf("line %d: %.40q is outside any block", n, line)
		case len(f) == 3 && f[0] == "end":
			if f[1] != id {
				return counts, fmt.Errorf("line %d: block %s ends inside block %s", n, f[1], id)
			}
			if sum := fmt.Sprintf("%x", h.Sum(nil)); sum != f[2] {
				return counts, fmt.Errorf("line %d: block %s is damaged: checksum %s, want %s", n, id, sum, f[2])
			}
			counts[id]++
			id = ""
		default:
			return counts, fmt.Errorf("line %d: %.40q inside block %s", n, line, id)
		}
	}
}

// TestAppendStress runs 100 "producer | krun append shared.log &" writers
// of 1 MB blocks and two of 9 MB blocks, which krun spills to disk, while
// a flock(1) loop appends 20 more blocks to the same file under the same
// lock: every block must be whole and contiguous, and each one there once.
func TestAppendStress(t *testing.T) {
	t.Parallel()
	requireFlock(t)
	dir := t.TempDir()
	want := make(map[string]int)
	writeBlock := func(id string, size int) {
		if err := os.WriteFile(filepath.Join(dir, id+".blk"), stressBlock(id, size), 0o666); err != nil {
			t.Fatal(err)
		}
		want[id] = 1
	}
	for i := 1; i <= 100; i++ {
		writeBlock("k"+strconv.Itoa(i), 1<<20)
	}
	for i := 1; i <= 2; i++ {
		writeBlock("s"+strconv.Itoa(i), 9<<20)
	}
	for i := 1; i <= 20; i++ {
		writeBlock("f"+strconv.Itoa(i), 1<<20)
	}
	runScript(t, dir, `
		for i in $(seq 1 20); do
			flock shared.log sh -c "cat f$i.blk >> shared.log" || echo "flock $i: $?" >> failures
		done &
		for i in $(seq 1 100); do
			{ cat k$i.blk | krun append shared.log || echo "krun append k$i: $?" >> failures; } &
		done
		for i in 1 2; do
			{ cat s$i.blk | krun append shared.log || echo "krun append s$i: $?" >> failures; } &
		done
		wait
	`)
	checkBlocksOnce(t, filepath.Join(dir, "shared.log"), want)
}

// TestSemStress starts 20 "krun sem -j 2" jobs at once. Each job records
// its start and end, under flock(1), in one log: replaying the log, never
// more than two jobs run at once, and two never hold the same slot.
func TestSemStress(t *testing.T) {
	t.Parallel()
	requireFlock(t)
	dir := t.TempDir()
	runScript(t, dir, `
		for i in $(seq 1 20); do
			krun sem --id stress -j 2 -- sh -c '
				flock events.lock sh -c "echo start $0 $KRUN_SEM_SLOT >> events"
				sleep 0.05 # the work
				flock events.lock sh -c "echo end $0 $KRUN_SEM_SLOT >> events"
			' $i || echo "krun sem $i: $?" >> failures &
		done
		wait
	`, "XDG_RUNTIME_DIR="+t.TempDir())
	data, err := os.ReadFile(filepath.Join(dir, "events"))
	if err != nil {
		t.Fatal(err)
	}
	running := map[string]string{} // slot → job
	most, starts, ends := 0, 0, 0
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var event, job, slot string
		if _, err := fmt.Sscan(line, &event, &job, &slot); err != nil {
			t.Fatalf("bad event %q: %v", line, err)
		}
		if slot != "1" && slot != "2" {
			t.Fatalf("event %q: slot out of range", line)
		}
		switch event {
		case "start":
			starts++
			if other, ok := running[slot]; ok {
				t.Fatalf("job %s started in slot %s, which job %s holds", job, slot, other)
			}
			running[slot] = job
			most = max(most, len(running))
		case "end":
			ends++
			if running[slot] != job {
				t.Fatalf("job %s ended in slot %s, which it did not hold", job, slot)
			}
			delete(running, slot)
		}
	}
	if starts != 20 || ends != 20 {
		t.Fatalf("%d starts and %d ends, want 20 of each", starts, ends)
	}
	if most != 2 {
		t.Fatalf("at most %d jobs ran at once, want 2", most)
	}
}

// held is a krun or flock(1) process that holds a lock and runs a command
// that prints "held", then waits for its standard input to close.
type held struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHeld starts name with args, in a process group of its own, and
// returns once its command said "held".
func startHeld(t *testing.T, dir string, env []string, name string, args ...string) *held {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &held{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "held\n" {
		t.Fatalf("%s %v said %q, %v; want held", name, args, line, err)
	}
	return h
}

// release lets the holder finish and checks that it succeeded.
func (h *held) release(t *testing.T) {
	t.Helper()
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("holder %v: %v", h.cmd.Args, err)
	}
}

// tryLock runs name with args in dir and returns its exit status and
// standard error.
func tryLock(t *testing.T, dir string, env []string, name string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// expectStatus checks the result of tryLock.
func expectStatus(t *testing.T, code int, stderr string, want int, wantErr string) {
	t.Helper()
	if code != want || !strings.Contains(stderr, wantErr) {
		t.Errorf("exit status %d, stderr %q; want %d and %q", code, stderr, want, wantErr)
	}
}

// TestSemKilledHolderFreesSlot kills the holder of the only slot of a
// semaphore with SIGKILL: the next waiter gets the slot. The holder is
// killed with its command, or alone: then its command, which inherited
// the slot, keeps it until it ends.
func TestSemKilledHolderFreesSlot(t *testing.T) {
	t.Parallel()
	for _, group := range []bool{true, false} {
		t.Run(map[bool]string{true: "with_command", false: "krun_alone"}[group], func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := []string{"XDG_RUNTIME_DIR=" + t.TempDir()}
			h := startHeld(t, dir, env, "krun", "sem", "--id", "kill", "--", "sh", "-c", "echo held; exec cat")
			code, stderr := tryLock(t, dir, env, "krun", "sem", "--id", "kill", "--timeout", "200ms", "--", "echo", "ran")
			expectStatus(t, code, stderr, 1, `krun: error: timed out after 200ms waiting for a slot of semaphore "kill"`)

			waiter := exec.Command("krun", "sem", "--id", "kill", "--timeout", "1m", "--", "sh", "-c", "echo got slot $KRUN_SEM_SLOT")
			waiter.Dir = dir
			waiter.Env = append(os.Environ(), env...)
			var out bytes.Buffer
			waiter.Stdout = &out
			waiter.Stderr = os.Stderr
			if err := waiter.Start(); err != nil {
				t.Fatal(err)
			}
			pid := h.cmd.Process.Pid
			if group {
				pid = -pid
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if !group {
				// krun is gone, its command still runs and holds the slot.
				code, stderr := tryLock(t, dir, env, "krun", "sem", "--id", "kill", "--timeout", "200ms", "--", "echo", "ran")
				expectStatus(t, code, stderr, 1, `krun: error: timed out after 200ms waiting for a slot of semaphore "kill"`)
				h.stdin.Close() // the command (cat) ends, and frees the slot
			}
			if err := waiter.Wait(); err != nil || out.String() != "got slot 1\n" {
				t.Fatalf("waiter: %v, output %q; want it to get slot 1", err, out.String())
			}
		})
	}
}

// TestLockAgainstFlock checks krun lock against flock(1) holders in other
// processes, and the other way round, for exclusive and shared locks.
func TestLockAgainstFlock(t *testing.T) {
	t.Parallel()
	requireFlock(t)
	holdCmd := []string{"sh", "-c", "echo held; exec cat"}
	tests := []struct {
		name   string
		holder []string // locks lk and runs holdCmd
		// shared and exclusive: whether a shared and an exclusive lock
		// can be had while the holder holds.
		shared, exclusive bool
	}{
		{"krun_exclusive", append([]string{"krun", "lock", "lk", "--"}, holdCmd...), false, false},
		{"krun_shared", append([]string{"krun", "lock", "--shared", "lk", "--"}, holdCmd...), true, false},
		{"flock_exclusive", append([]string{"flock", "lk"}, holdCmd...), false, false},
		{"flock_shared", append([]string{"flock", "-s", "lk"}, holdCmd...), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			h := startHeld(t, dir, nil, tt.holder[0], tt.holder[1:]...)
			for _, shared := range []bool{true, false} {
				can := tt.exclusive
				krunArgs := []string{"lock", "--timeout", "200ms", "lk", "--", "true"}
				flockArgs := []string{"-n", "lk", "true"}
				if shared {
					can = tt.shared
					krunArgs = append([]string{"lock", "--shared"}, krunArgs[1:]...)
					flockArgs = append([]string{"-s"}, flockArgs...)
				}
				code, stderr := tryLock(t, dir, nil, "krun", krunArgs...)
				if can {
					expectStatus(t, code, stderr, 0, "")
				} else {
					expectStatus(t, code, stderr, 1, "krun: error: timed out after 200ms waiting for the lock on lk")
				}
				code, stderr = tryLock(t, dir, nil, "flock", flockArgs...)
				if want := map[bool]int{true: 0, false: 1}[can]; code != want {
					t.Errorf("flock %v: exit status %d, stderr %q; want %d", flockArgs, code, stderr, want)
				}
			}
			h.release(t)
			code, stderr := tryLock(t, dir, nil, "krun", "lock", "--timeout", "30s", "lk", "--", "true")
			expectStatus(t, code, stderr, 0, "")
		})
	}
}

// TestLockCounterStress has 20 krun lock and 20 flock(1) processes at once
// each increment a counter in a file, reading and rewriting it under the
// same lock: with a lock that excludes them all, no increment is lost.
func TestLockCounterStress(t *testing.T) {
	t.Parallel()
	requireFlock(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "counter"), []byte("0\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	runScript(t, dir, `
		inc='n=$(cat counter); echo $((n + 1)) > counter.new; mv counter.new counter'
		for i in $(seq 1 20); do
			krun lock counter.lock -- sh -c "$inc" || echo "krun lock $i: $?" >> failures &
			flock counter.lock sh -c "$inc" || echo "flock $i: $?" >> failures &
		done
		wait
	`)
	data, err := os.ReadFile(filepath.Join(dir, "counter"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(data)); got != "40" {
		t.Fatalf("counter is %s after 40 increments", got)
	}
}

// TestAppendFlagStress runs 4 krun processes at once, each with 50 jobs
// that write a multi-line, checksummed block through --append shared.log
// (-j 8, blocks from 1 KB to 300 KB, some with -k and --tag off), while a
// flock(1) loop appends 20 blocks under the same lock: every block whole,
// contiguous, and there exactly once.
func TestAppendFlagStress(t *testing.T) {
	t.Parallel()
	requireFlock(t)
	dir := t.TempDir()
	want := make(map[string]int)
	for p := 1; p <= 4; p++ {
		for j := 1; j <= 50; j++ {
			id := fmt.Sprintf("p%d-%d", p, j)
			size := 1<<10 + (p*7919+j*104729)%(300<<10)
			if err := os.WriteFile(filepath.Join(dir, id+".blk"), stressBlock(id, size), 0o666); err != nil {
				t.Fatal(err)
			}
			want[id] = 1
		}
	}
	for i := 1; i <= 20; i++ {
		id := "f" + strconv.Itoa(i)
		if err := os.WriteFile(filepath.Join(dir, id+".blk"), stressBlock(id, 64<<10), 0o666); err != nil {
			t.Fatal(err)
		}
		want[id] = 1
	}
	runScript(t, dir, `
		for i in $(seq 1 20); do
			flock shared.log sh -c "cat f$i.blk >> shared.log" || echo "flock $i: $?" >> failures
		done &
		for p in 1 2 3 4; do
			k=; [ $p -gt 2 ] && k=-k
			{ krun $k -j 8 --append shared.log 'cat p{1}-{2}.blk' ::: $p ::: $(seq 1 50) || echo "krun $p: $?" >> failures; } &
		done
		wait
	`)
	checkBlocksOnce(t, filepath.Join(dir, "shared.log"), want)
}

// checkBlocksOnce checks that the file at path holds every block of want
// exactly once, whole, and nothing else.
func checkBlocksOnce(t *testing.T, path string, want map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := checkStressBlocks(f)
	if err != nil {
		t.Fatal(err)
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("block %s is in the file %d times, want once", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("the file has %d different blocks, want %d", len(got), len(want))
	}
}
