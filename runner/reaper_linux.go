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

// adopted paces reapAdopted.
var adopted struct {
	mu   sync.Mutex
	ends int       // job ends since the last look
	last time.Time // the last look
}

// adoptedEvery is how many job ends reapAdopted lets pass between two
// looks, unless a second has passed.
const adoptedEvery = 32

// reapAdopted is called at each job's end; now and then (every
// adoptedEvery calls, or after a second) it reaps the dead orphans krun
// adopted as subreaper from sessions of their own: what jobs left behind
// with setsid, daemons. No one else waits for them, and through a long
// run they would pile up as zombies, holding pids until nothing can
// fork. krun starts no child in a session of its own (a job, the
// guardian, ssh get a process group only), so any child of another
// session is an adopted orphan; none is in a job's group (reapGroup).
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
	for _, c := range procfs.Children(os.Getpid()) {
		if c.Ended() && c.Sid != sid {
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
