package runner

import (
	"os"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/procfs"
)

// becomeSubreaper makes krun the parent of every orphaned descendant:
// a process a job left behind, even one that escaped its process group
// with setsid, is reparented to krun instead of init, so krun can reap it
// and, at the end of the run, kill it.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// reapGroup reaps the dead processes of a finished job's process group
// that were reparented to krun, so that they do not pile up as zombies;
// all but the group's leader, the job's shell, reaped last by its own
// waiter: until then the group's number is the job's, and so is every
// process of krun's that carries it.
func reapGroup(pgid int) {
	for _, c := range procfs.Children(os.Getpid()) {
		if c.Ended() && c.Pgid == pgid && c.Pid != pgid {
			var ws syscall.WaitStatus
			syscall.Wait4(c.Pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// sweepOrphans kills and reaps every remaining child of krun but the
// guardian and the hosts' connections (spare); called when no job runs
// any more, every other child is something a job left behind. It reports
// whether none is left.
func sweepOrphans(spare ...int) bool {
	for round := 0; round < 10; round++ {
		kids := slices.DeleteFunc(procfs.Children(os.Getpid()), func(c procfs.Process) bool { return slices.Contains(spare, c.Pid) })
		if len(kids) == 0 {
			return true
		}
		for _, c := range kids {
			syscall.Kill(c.Pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			syscall.Wait4(c.Pid, &ws, 0, nil)
		}
	}
	return false
}
