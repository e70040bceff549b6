package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestRemoteKill9RelativeTmpdir: with a relative --tmpdir, krun's kill -9
// leaves no control-socket directory behind, as with an absolute one
// (TestRemoteKill9): the README says the guardian removes it.
func TestRemoteKill9RelativeTmpdir(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	tmp := filepath.Join(dir, "scratch")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	k := startProc(t, procOptions{dir: dir}, "krun", "--tmpdir", "scratch", "--ssh", h.SSH(), "-S", "1/h1", remoteTree(dir), ":::", "a")
	k.waitFor("the job running", ctlAllExist(dir, "ready.a"))
	if len(controlDirsLeft(tmp, time.Now())) == 0 {
		t.Fatalf("no control-socket directory in --tmpdir while the job runs; stderr:\n%s", k.stderrText())
	}
	k.cmd.Process.Signal(syscall.SIGKILL)
	k.wait()
	ctlTree(t, dir, "pid.*") // ends what the host left, on failure too
	if m := controlDirsLeft(tmp, time.Now().Add(testCeiling)); len(m) > 0 {
		t.Errorf("ssh's control directory outlived krun's kill -9 with a relative --tmpdir: %q", m)
	}
}

// TestGuardianEnvDoesNotRemove: an environment that happens to carry
// KRUN_GUARDIAN (exported by a user, or inherited) does not turn a plain
// `krun` reading commands from its standard input into a guardian that
// removes whatever directory descriptor 3 names: krun runs the commands.
func TestGuardianEnvDoesNotRemove(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	fd3 := filepath.Join(dir, "fd3")
	if err := os.WriteFile(fd3, []byte("d\""+victim+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmds"), []byte("touch ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k := startProc(t, procOptions{dir: dir, env: []string{"KRUN_GUARDIAN=x"}}, "sh", "-c", "exec krun 3<fd3 <cmds")
	k.wait()
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("krun with KRUN_GUARDIAN in its environment removed %s (named on descriptor 3): %v", victim, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err != nil {
		t.Errorf("krun with KRUN_GUARDIAN in its environment did not run its commands: %v", err)
	}
}
