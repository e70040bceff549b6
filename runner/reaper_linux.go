package runner

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes krun the parent of every orphaned descendant:
// a process a job left behind, even one that escaped its process group
// with setsid, is reparented to krun instead of init, so krun can reap it
// and, at the end of the run, kill it.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// childProc is a child process of krun, from /proc.
type childProc struct {
	pid, pgid int
	zombie    bool
}

// children lists krun's child processes.
func children() []childProc {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []childProc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(stat[i+1:])
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))
		if ppid != self {
			continue
		}
		pgid, _ := strconv.Atoi(string(f[2]))
		out = append(out, childProc{pid: pid, pgid: pgid, zombie: string(f[0]) == "Z"})
	}
	return out
}

// reapGroup reaps the dead processes of a finished job's process group
// that were reparented to krun, so that they do not pile up as zombies.
func reapGroup(pgid int) {
	for _, c := range children() {
		if c.zombie && c.pgid == pgid {
			var ws syscall.WaitStatus
			syscall.Wait4(c.pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// sweepOrphans kills and reaps every remaining child of krun but the
// guardian and the hosts' connections (spare); called when no job runs
// any more, every other child is something a job left behind.
func sweepOrphans(spare ...int) {
	for round := 0; round < 10; round++ {
		kids := slices.DeleteFunc(children(), func(c childProc) bool { return slices.Contains(spare, c.pid) })
		if len(kids) == 0 {
			return
		}
		for _, c := range kids {
			syscall.Kill(c.pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			syscall.Wait4(c.pid, &ws, 0, nil)
		}
	}
}
