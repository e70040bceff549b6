package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// peakRSS runs krun --dry-run over n input lines and returns krun's peak
// resident set size in KiB.
func peakRSS(t *testing.T, n int) int64 {
	t.Helper()
	cmd := exec.Command("krun", "--dry-run", "echo")
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
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

// TestInputMemoryDoesNotGrow: krun's memory does not grow with the length
// of its input. Ten times more input lines (2,000,000, about 50 MB of
// input, which would cost well over 100 MB held as strings) must not cost
// more than a few MiB more.
func TestInputMemoryDoesNotGrow(t *testing.T) {
	t.Parallel()
	small := peakRSS(t, 200_000)
	large := peakRSS(t, 2_000_000)
	t.Logf("peak RSS: %d KiB for 200,000 lines, %d KiB for 2,000,000", small, large)
	if large > small+16<<10 {
		t.Errorf("peak RSS grew from %d KiB to %d KiB with 10x the input", small, large)
	}
}
