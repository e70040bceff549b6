package procfs

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// The children files of the threads list the same children as a scan of
// every process's stat file, zombies included, with their groups.
func TestChildrenFromTasksMatchScan(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	var started []*exec.Cmd
	for range 3 {
		cmd := exec.Command("sleep", "100")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started = append(started, cmd)
	}
	dead := exec.Command("true") // stays a zombie until reaped below
	if err := dead.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range started {
			c.Process.Kill()
			c.Wait()
		}
		dead.Wait()
	}()
	for deadline := time.Now().Add(time.Minute); ; {
		if p, ok := Stat(dead.Process.Pid); ok && p.Ended() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("true did not end within a minute")
		}
		time.Sleep(time.Millisecond)
	}
	self := os.Getpid()
	if _, ok := childPids(self); !ok {
		t.Log("no children files: Children scans /proc (both lists below are the scan's)")
	}
	got := Children(self)
	var want []Process
	for _, pid := range Pids() {
		if p, ok := Stat(pid); ok && p.PPid == self {
			want = append(want, p)
		}
	}
	byPid := func(a, b Process) int { return a.Pid - b.Pid }
	slices.SortFunc(got, byPid)
	slices.SortFunc(want, byPid)
	// The same processes, parents, groups and names; a live process's
	// state letter may change between the two reads (S to R), whether it
	// has ended may not.
	same := func(a, b Process) bool {
		return a.Pid == b.Pid && a.PPid == b.PPid && a.Pgid == b.Pgid && a.Sid == b.Sid && a.Comm == b.Comm && a.Ended() == b.Ended()
	}
	if !slices.EqualFunc(got, want, same) {
		t.Fatalf("children from the threads' files: %v\nfrom a scan of /proc: %v", got, want)
	}
	for _, c := range append(started, dead) {
		i := slices.IndexFunc(got, func(p Process) bool { return p.Pid == c.Process.Pid })
		if i < 0 {
			t.Fatalf("child %d missing from %v", c.Process.Pid, got)
		}
		if c != dead && got[i].Pgid != c.Process.Pid {
			t.Errorf("child %d: group %d, want its own", c.Process.Pid, got[i].Pgid)
		}
		if got[i].Ended() != (c == dead) {
			t.Errorf("child %d: ended %v", c.Process.Pid, got[i].Ended())
		}
	}
}
