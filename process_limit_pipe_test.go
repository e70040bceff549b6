package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestControlProcessLimitPipeKeepsBlocks: a --pipe job that cannot fork
// for want of processes waits for a running job, as any job does
// (TestControlProcessLimit), and then runs with its whole block: no block
// is lost, every line of the input is counted once, and no job fails.
// Run under a process limit as a user of its own, as
// TestControlProcessLimit (see limitUID).
func TestControlProcessLimitPipeKeepsBlocks(t *testing.T) {
	t.Parallel()
	const lines = 200000
	var in strings.Builder
	for i := 1; i <= lines; i++ {
		in.WriteString(strconv.Itoa(i))
		in.WriteByte('\n')
	}
	k, _ := startLimited(t, 30, strings.NewReader(in.String()), "--pipe", "-j", "30", "--block", "20k", "wc -l")
	code := k.wait()
	if code != 0 {
		t.Errorf("exit status %d, want 0: no --pipe job may fail for want of processes; stderr:\n%s", code, k.stderrText())
	}
	sum := 0
	for _, f := range strings.Fields(k.stdout.String()) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("output %q is not counts", k.stdout.String())
		}
		sum += n
	}
	if sum != lines {
		t.Errorf("the jobs counted %d lines of the %d in the input: blocks were lost", sum, lines)
	}
}

// TestControlProcessLimitHaltStarvedNotFailed: jobs waiting for a process
// when --halt soon trips are not started, like the queued ones: they are
// not counted failed, nor written to the joblog as failed runs (exit 126
// with no run time): like jobs the halt stops in their --jitter delay,
// they are ended by --halt (exit -1, signal 9 in the joblog). Only job 5
// fails.
func TestControlProcessLimitHaltStarvedNotFailed(t *testing.T) {
	t.Parallel()
	args := []string{"-j", "30", "--halt", "soon,fail=1", "--joblog", "log", "test {} != 5 && exec sleep 0.3", ":::"}
	for i := 1; i <= 40; i++ {
		args = append(args, strconv.Itoa(i))
	}
	k, dir := startLimited(t, 30, nil, args...)
	k.wait()
	b, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, row := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(row, "\t")
		if len(f) > 6 && f[6] != "0" && f[6] != "-1" {
			failed = append(failed, f[0]+" (exit "+f[6]+")")
		}
	}
	if len(failed) != 1 {
		t.Errorf("the joblog has %d failed jobs, want 1 (job 5): %v\nstderr:\n%s", len(failed), failed, k.stderrText())
	}
	if s := k.stderrText(); strings.Contains(s, "jobs failed") && !strings.Contains(s, "krun: 1 of ") {
		t.Errorf("the summary counts jobs that never started as failed:\n%s", s)
	}
}
