package procfs

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
)

// TestChildrenAndEnv: a child started here is listed with its parent and
// group, its environment entry is found exactly, and it is a zombie once
// it has ended and before it is reaped.
func TestChildrenAndEnv(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "PROCFS_TEST=marker")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	i := slices.IndexFunc(Children(os.Getpid()), func(p Process) bool { return p.Pid == pid })
	if i < 0 {
		t.Fatalf("child %d not among the children of %d", pid, os.Getpid())
	}
	if p, _ := Stat(pid); p.PPid != os.Getpid() || p.Pgid != mustPgid(t) || p.Ended() || p.Comm != "sleep" {
		t.Errorf("stat %+v, want parent %d, our group, running", p, os.Getpid())
	}
	if !HasEnv(pid, []byte("PROCFS_TEST=marker")) {
		t.Error("the environment entry was not found")
	}
	if HasEnv(pid, []byte("PROCFS_TEST=mark")) || HasEnv(pid, []byte("PROCFS_TEST")) {
		t.Error("a prefix of the entry matched")
	}
}

func mustPgid(t *testing.T) int {
	p, ok := Stat(os.Getpid())
	if !ok {
		t.Fatal("no stat for this process")
	}
	return p.Pgid
}

// TestParseStat: a command name with spaces and parentheses does not
// shift the fields.
func TestParseStat(t *testing.T) {
	p, ok := parseStat(7, []byte("7 (a) b (c) Z 1 42 43 0 -1"))
	if !ok || p.PPid != 1 || p.Pgid != 42 || p.Sid != 43 || !p.Ended() || p.Comm != "a) b (c" {
		t.Fatalf("got %+v %v", p, ok)
	}
	if _, ok := parseStat(7, []byte("7 (broken")); ok {
		t.Fatal("a line with no ')' parsed")
	}
}
