package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// plainKrun builds krun into dir without the race detector, whose shadow
// memory grows with the machine's load and would hide what krun itself
// holds.
func plainKrun(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "krun")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// peakRSS runs krun --dry-run over n input lines and returns krun's peak
// resident set size in KiB.
func peakRSS(t *testing.T, bin string, n int) int64 {
	t.Helper()
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.Command("krun-testgen", "rss", rssFile, bin, "--dry-run", "echo")
	// A tight memory limit makes the collector keep the heap small however
	// loaded the machine is, so that what stays is what krun holds on to:
	// a leak grows past it, garbage does not.
	cmd.Env = append(os.Environ(), "GOMEMLIMIT=24MiB")
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	cmd.Stdout = io.Discard
	go func() {
		w := bufio.NewWriter(pw)
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, "input line number %d\n", i)
		}
		w.Flush()
		pw.Close()
	}()
	if err := cmd.Run(); err != nil {
		t.Fatalf("krun over %d lines: %v", n, err)
	}
	return readRSS(t, rssFile)
}

// TestInputMemoryDoesNotGrow: krun's memory does not grow with the length
// of its input. Ten times more input lines (2,000,000, about 50 MB of
// input, which would cost well over 100 MB held as strings) must not cost
// more than 48 MiB more. (Holding 1.8 million more records costs well over
// 100 MiB; a busy machine's lazier collector, up to about 15 MiB.)
func TestInputMemoryDoesNotGrow(t *testing.T) {
	t.Parallel()
	bin := plainKrun(t, t.TempDir())
	small := peakRSS(t, bin, 200_000)
	large := peakRSS(t, bin, 2_000_000)
	t.Logf("peak RSS: %d KiB for 200,000 lines, %d KiB for 2,000,000", small, large)
	if large > small+48<<10 {
		t.Errorf("peak RSS grew from %d KiB to %d KiB with 10x the input", small, large)
	}
}

// TestKeepOrderBacklogMemory: with -k, the output of the jobs waiting
// behind a slow first one is held up to the memory budget and spilled
// beyond it, so krun's memory does not grow with the backlog: four times
// the backlog (512 MiB instead of 128 MiB) must not cost more than 32 MiB
// more. (Holding it would cost 384 MiB more.) The absolute figures are a
// benchmark's (scripts/bench-memory.sh: about 20 MiB for 128 MB and 1 GB,
// the goal being 48 MiB); a test on a loaded machine, where the collector
// may be starved, only checks that nothing grows with the backlog.
func TestKeepOrderBacklogMemory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := plainKrun(t, dir)
	var peak []int64
	for _, per := range []int{1 << 20, 4 << 20} { // 128 MiB and 512 MiB in all
		args := []string{"-k", "-j8", "if [ {} = 1 ]; then sleep 1; else head -c " + fmt.Sprint(per) + " /dev/zero; fi", ":::"}
		for i := 1; i <= 129; i++ {
			args = append(args, fmt.Sprint(i))
		}
		rssFile := filepath.Join(t.TempDir(), "rss")
		cmd := exec.Command("krun-testgen", append([]string{"rss", rssFile, bin}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TMPDIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, out)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("krun: %v", err)
		}
		if n != int64(128*per) {
			t.Fatalf("%d bytes of output, want %d", n, 128*per)
		}
		rss := readRSS(t, rssFile)
		t.Logf("a -k backlog of %d MiB: peak RSS %d KiB", 128*per>>20, rss)
		peak = append(peak, rss)
	}
	if peak[1] > peak[0]+32<<10 {
		t.Errorf("peak RSS grew from %d KiB to %d KiB with 4 times the -k backlog", peak[0], peak[1])
	}
}

// readRSS reads the peak RSS krun-testgen rss wrote.
func readRSS(t *testing.T, file string) int64 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rss, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return rss
}
