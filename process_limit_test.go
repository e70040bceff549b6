package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestControlProcessLimit: when fork fails for want of processes (the
// user's limit, ulimit -u), the job is not failed: krun waits for a
// running job to end and starts it then, as xargs does. Run as an
// unprivileged user of its own (root is not held to the limit) with a limit
// that leaves room for krun's threads, its guardian's, and some of the 40
// jobs asked for at once: every one of the 60 jobs runs, and succeeds.
func TestControlProcessLimit(t *testing.T) {
	t.Parallel()
	args := []string{"-j", "40", "--joblog", "log", "sleep", ":::"}
	for range 60 {
		args = append(args, "0.3") // sleep 0.3, each job
	}
	k, dir := startLimited(t, 40, nil, args...)
	code := k.wait()
	if code != 0 {
		t.Fatalf("exit status %d, want 0: no job may fail for want of processes; stderr:\n%s", code, k.stderrText())
	}
	if s := k.stderrText(); s != "" {
		t.Errorf("stderr %q, want nothing", s)
	}
	b, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n") - 1; n != 60 {
		t.Errorf("the joblog has %d jobs, want 60:\n%s", n, b)
	}
}

// startLimited starts ./krun with args as a user of its own (limitUID)
// under a process limit of nproc, in a directory of the test's that the
// user may use (its working directory and $TMPDIR, returned), with stdin.
// It needs root, setpriv and prlimit (util-linux): without them the test
// is skipped, and fails in CI, which has them.
func startLimited(t *testing.T, nproc int, stdin io.Reader, args ...string) (*proc, string) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err == nil {
		_, err = exec.LookPath("prlimit")
	}
	if err == nil && os.Geteuid() != 0 {
		err = os.ErrPermission
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI runs as root with util-linux's setpriv and prlimit; this test needs them: %v", err)
		}
		t.Skipf("needs root, setpriv and prlimit to run krun as another user: %v", err)
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the test's own
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, self, filepath.Join(dir, "krun"))
	uid := limitUID()
	argv := append([]string{"--reuid", uid, "--regid", uid, "--clear-groups",
		"prlimit", "--nproc=" + strconv.Itoa(nproc), "./krun"}, args...)
	return startProc(t, procOptions{dir: dir, env: []string{"TMPDIR=" + dir}, stdin: stdin}, setpriv, argv...), dir
}

// limitUID is a user ID no account uses, for a test that runs krun under
// a process limit: the limit counts every process of the user's, so a
// shared one (nobody) lets other tests and other test runs on the machine
// starve this one, krun then dying at start for want of a thread. One of
// its own per test process and call.
func limitUID() string {
	n := limitUIDs.Add(1)
	return strconv.Itoa(3000000 + (os.Getpid()%100000)*10 + int(n%10))
}

var limitUIDs atomic.Int32

// copyFile copies src to dst, executable by everyone.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
