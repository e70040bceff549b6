package runner

import (
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

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
// that were reparented to krun, so that they do not pile up as zombies:
// all but the group's leader. Every process krun waits for by itself
// leads a group (a job's shell, the guardian, ssh) or is in krun's own
// group, so this takes no one's exit status, even should the group's
// number be another's by now.
func reapGroup(pgid int) {
	adopted.mu.Lock()
	defer adopted.mu.Unlock()
	for _, c := range procfs.Children(os.Getpid()) {
		if c.Ended() && c.Pgid == pgid && c.Pid != pgid {
			var ws syscall.WaitStatus
			syscall.Wait4(c.Pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// adopted paces reapAdopted. Its mu is held by reapGroup and
// reapAdopted from reading krun's children to reaping them, so that the
// pid of a zombie one of them read is not reaped by the other meanwhile,
// and perhaps given to a new job whose status would be taken.
var adopted struct {
	mu   sync.Mutex
	ends int       // job ends since the last look
	last time.Time // the last look
}

// adoptedEvery is how many job ends reapAdopted lets pass between two
// looks, unless a second has passed.
const adoptedEvery = 32

// reapAdopted is called at each job's end; now and then (every
// adoptedEvery calls, or after a second) it reaps the dead processes
// krun adopted as subreaper that no one else waits for: what jobs left
// behind in a session of their own (setsid, daemons), and what they left
// in their group, killed at their end but not dead yet when reapGroup
// looked. Through a long run they would pile up as zombies, holding pids
// until nothing can fork. krun starts no child in a session of its own,
// and every process it waits for by itself leads a group (a job's shell,
// the guardian, ssh) or is in krun's own group: any other child is one
// of those.
func reapAdopted() {
	adopted.mu.Lock()
	defer adopted.mu.Unlock()
	adopted.ends++
	if adopted.ends < adoptedEvery && time.Since(adopted.last) < time.Second {
		return
	}
	adopted.ends, adopted.last = 0, time.Now()
	sid, err := unix.Getsid(0)
	if err != nil {
		return
	}
	pgrp := unix.Getpgrp()
	for _, c := range procfs.Children(os.Getpid()) {
		if c.Ended() && (c.Sid != sid || c.Pid != c.Pgid && c.Pgid != pgrp) {
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
