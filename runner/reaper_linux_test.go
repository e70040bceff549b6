package runner

import (
	"os/exec"
	"slices"
	"syscall"
	"testing"
)

// The children files of krun's threads list the same children as a scan
// of every process's stat file, zombies included, with their groups.
func TestChildrenFromTasksMatchScan(t *testing.T) {
	var started []*exec.Cmd
	for range 3 {
		cmd := exec.Command("sleep", "100")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started = append(started, cmd)
	}
	// One ends and stays a zombie until reaped below.
	dead := exec.Command("true")
	if err := dead.Start(); err != nil {
		t.Fatal(err)
	}
	var info syscall.WaitStatus
	defer func() {
		for _, c := range started {
			c.Process.Kill()
			c.Wait()
		}
		syscall.Wait4(dead.Process.Pid, &info, 0, nil)
	}()
	// Wait for the zombie without reaping it.
	for {
		if c, ok := readChild(dead.Process.Pid); ok && c.zombie {
			break
		}
		syscall.Nanosleep(&syscall.Timespec{Nsec: 1e6}, nil)
	}
	byPID := func(cs []childProc) []childProc {
		slices.SortFunc(cs, func(a, b childProc) int { return a.pid - b.pid })
		return cs
	}
	got, want := byPID(children()), byPID(scanChildren())
	if !slices.Equal(got, want) {
		t.Fatalf("children from the tasks' files: %v\nfrom a scan of /proc: %v", got, want)
	}
	for _, c := range append(started, dead) {
		i := slices.IndexFunc(got, func(p childProc) bool { return p.pid == c.Process.Pid })
		if i < 0 {
			t.Fatalf("child %d missing from %v", c.Process.Pid, got)
		}
		if c != dead && got[i].pgid != c.Process.Pid {
			t.Errorf("child %d: group %d, want its own", c.Process.Pid, got[i].pgid)
		}
		if got[i].zombie != (c == dead) {
			t.Errorf("child %d: zombie %v", c.Process.Pid, got[i].zombie)
		}
	}
}
