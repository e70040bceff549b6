package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wholeBlocks checks that data is a sequence of whole blocks: each is one
// letter repeated and a newline, of one of the sizes given for it.
func wholeBlocks(t *testing.T, data []byte, sizes map[byte]int) {
	t.Helper()
	for off := 0; off < len(data); {
		c := data[off]
		size, ok := sizes[c]
		if !ok {
			t.Fatalf("byte %d: %q starts no known block", off, c)
		}
		end := off + size
		if end > len(data) || data[end-1] != '\n' || bytes.Count(data[off:end-1], []byte{c}) != size-1 {
			t.Fatalf("byte %d: a torn %q block (file of %d bytes): %s", off, c, len(data), runs(data))
		}
		off = end
	}
}

// killDuringBlock starts cmd, waits until a block is being written (its
// journal exists), kills krun with SIGKILL a random moment later, and
// reports whether the journal was seen.
func killDuringBlock(t *testing.T, cmd *exec.Cmd, journal string) bool {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	seen := false
	deadline := time.Now().Add(testCeiling)
	for !seen && time.Now().Before(deadline) {
		select {
		case <-done:
			return false // finished before the kill: fine, a whole block
		default:
		}
		if _, err := os.Stat(journal); err == nil {
			seen = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
	cmd.Process.Kill()
	<-done
	return seen
}

// TestKill9AppendLeavesWholeBlocks: a writer killed with SIGKILL in the
// middle of a block leaves nothing the next krun writer builds on: the
// file is always a sequence of whole blocks (krun append and --append).
func TestKill9AppendLeavesWholeBlocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const big = 30 << 20
	bigFile := filepath.Join(dir, "big")
	if err := os.WriteFile(bigFile, append(bytes.Repeat([]byte{'X'}, big-1), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "f")
	journal := filepath.Join(dir, ".f.krun-pending")
	sizes := map[byte]int{'X': big, 'Y': 2, 'Z': big}
	rolledBack := 0
	for i := 0; i < 20; i++ {
		var cmd *exec.Cmd
		if i%2 == 0 {
			cmd = exec.Command("krun", "append", target)
			in, err := os.Open(bigFile)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			cmd.Stdin = in
		} else {
			cmd = exec.Command("krun", "--append", target, "-j1", "head -c "+strconv.Itoa(big-1)+" /dev/zero | tr '\\0' Z; echo; : {}", ":::", "1")
		}
		cmd.Dir, cmd.Env = dir, testEnv()
		seen := killDuringBlock(t, cmd, journal)
		next := exec.Command("krun", "append", target)
		next.Dir, next.Env = dir, testEnv()
		next.Stdin = strings.NewReader("Y\n")
		out, err := next.CombinedOutput()
		if err != nil {
			t.Fatalf("round %d: the next append: %v: %s", i, err, out)
		}
		if strings.Contains(string(out), "rolled back an unfinished block") {
			rolledBack++
		} else if seen && len(out) > 0 {
			t.Errorf("round %d: %s", i, out)
		}
		data, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		wholeBlocks(t, data, sizes)
	}
	if rolledBack == 0 {
		t.Error("no kill landed in the middle of a block in 20 rounds: the test proved nothing")
	}
	t.Logf("%d of 20 kills rolled back", rolledBack)
}

// runs describes data as runs of one byte, for a failure message.
func runs(data []byte) string {
	var b strings.Builder
	for i := 0; i < len(data); {
		j := i
		for j < len(data) && data[j] == data[i] {
			j++
		}
		b.WriteString(strconv.Quote(string(data[i])) + "x" + strconv.Itoa(j-i) + " ")
		i = j
	}
	return b.String()
}
