package main

import (
	"fmt"
	"testing"
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
