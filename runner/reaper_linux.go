package runner

import (
	"bytes"
	"errors"
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

// children lists krun's child processes with their group and state.
func children() []childProc {
	pids, ok := childPIDs()
	if !ok {
		return scanChildren()
	}
	out := make([]childProc, 0, len(pids))
	for _, pid := range pids {
		if c, ok := readChild(pid); ok {
			out = append(out, c)
		}
	}
	return out
}

// childPIDs lists krun's child processes from the children files of its
// threads (a child belongs to the thread that forked it, or that it was
// reparented to): a few small reads, where scanning /proc reads one file
// per process of the machine. ok is false when the kernel has no such
// files (CONFIG_PROC_CHILDREN).
func childPIDs() (pids []int, ok bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, false
	}
	var buf [512]byte
	for _, t := range tasks {
		data, err := readSmall("/proc/self/task/"+t.Name()+"/children", buf[:0])
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat("/proc/self/task/" + t.Name()); serr == nil {
				return nil, false // the thread is there, its file is not
			}
			continue // the thread ended meanwhile
		}
		for _, f := range bytes.Fields(data) {
			if pid, err := strconv.Atoi(string(f)); err == nil && !slices.Contains(pids, pid) {
				pids = append(pids, pid)
			}
		}
	}
	return pids, true
}

// readSmall reads the whole of a small file into buf, growing it when
// needed: plain system calls, as /proc files need no poller.
func readSmall(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return buf, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// readChild reads the group and state of process pid from /proc.
func readChild(pid int) (childProc, bool) {
	var buf [512]byte
	stat, err := readSmall("/proc/"+strconv.Itoa(pid)+"/stat", buf[:0])
	if err != nil {
		return childProc{}, false
	}
	ppid, pgid, zombie, ok := parseStat(stat)
	if !ok || ppid != os.Getpid() {
		return childProc{}, false // reaped, and the number taken again
	}
	return childProc{pid: pid, pgid: pgid, zombie: zombie}, true
}

// parseStat takes the parent, the group and whether it is a zombie out
// of a /proc/PID/stat.
func parseStat(stat []byte) (ppid, pgid int, zombie, ok bool) {
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, false, false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 3 {
		return 0, 0, false, false
	}
	ppid, _ = strconv.Atoi(string(f[1]))
	pgid, _ = strconv.Atoi(string(f[2]))
	return ppid, pgid, string(f[0]) == "Z", true
}

// scanChildren lists krun's child processes by reading the stat file of
// every process on the machine.
func scanChildren() []childProc {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []childProc
	buf := make([]byte, 0, 512)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := readSmall("/proc/"+e.Name()+"/stat", buf[:0])
		buf = stat[:0]
		if err != nil {
			continue
		}
		ppid, pgid, zombie, ok := parseStat(stat)
		if !ok || ppid != self {
			continue
		}
		out = append(out, childProc{pid: pid, pgid: pgid, zombie: zombie})
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
// guardian (spare; 0 for none); called when no job runs any more, every
// other child is something a job left behind. It reports whether none is
// left.
func sweepOrphans(spare int) bool {
	for round := 0; round < 10; round++ {
		kids, ok := childPIDs()
		if !ok {
			for _, c := range scanChildren() {
				kids = append(kids, c.pid)
			}
		}
		kids = slices.DeleteFunc(kids, func(pid int) bool { return pid == spare })
		if len(kids) == 0 {
			return true
		}
		for _, pid := range kids {
			syscall.Kill(pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, 0, nil)
		}
	}
	return false
}
