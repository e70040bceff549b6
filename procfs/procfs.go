// Package procfs reads the part of Linux's process table in /proc that
// krun needs: which processes there are, their parent, process group and
// state, and whether a process's environment holds an entry. The runner
// uses it to reap what jobs leave behind and, in the guardian that
// outlives a killed krun, to find every process of a run; the tests use
// it to check that nothing is left. It has no other dependency than the
// standard library, and finds nothing where there is no /proc.
package procfs

import (
	"bytes"
	"os"
	"strconv"
)

// Process is what krun reads of a process's /proc/PID/stat.
type Process struct {
	Pid, PPid, Pgid, Sid int
	// State is the state letter: R running, S sleeping, T stopped, Z a
	// zombie, and so on (proc(5)).
	State byte
	// Comm is the command name, as the kernel keeps it (15 bytes at most).
	Comm string
}

// Ended reports whether the process has ended: a zombie waiting for its
// parent to reap it, or dead.
func (p Process) Ended() bool { return p.State == 'Z' || p.State == 'X' || p.State == 'x' }

// Pids lists the ids of the processes in /proc.
func Pids() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	pids := make([]int, 0, len(entries))
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Stat reads pid's stat line; false when the process is gone.
func Stat(pid int) (Process, bool) {
	var buf [512]byte
	stat, err := readFile("/proc/"+strconv.Itoa(pid)+"/stat", buf[:0])
	if err != nil {
		return Process{}, false
	}
	return parseStat(pid, stat)
}

// parseStat reads "pid (comm) state ppid pgrp session ...": comm may
// hold spaces and parentheses, so the fields start after the last ')'.
func parseStat(pid int, stat []byte) (Process, bool) {
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return Process{}, false
	}
	f := bytes.Fields(stat[end+1:])
	if len(f) < 4 || len(f[0]) != 1 {
		return Process{}, false
	}
	p := Process{Pid: pid, State: f[0][0], Comm: string(stat[open+1 : end])}
	var err1, err2, err3 error
	p.PPid, err1 = strconv.Atoi(string(f[1]))
	p.Pgid, err2 = strconv.Atoi(string(f[2]))
	p.Sid, err3 = strconv.Atoi(string(f[3]))
	return p, err1 == nil && err2 == nil && err3 == nil
}

// Children lists the processes whose parent is ppid.
func Children(ppid int) []Process {
	if pids, ok := childPids(ppid); ok {
		kids := make([]Process, 0, len(pids))
		for _, pid := range pids {
			if p, ok := Stat(pid); ok && p.PPid == ppid {
				kids = append(kids, p)
			}
		}
		return kids
	}
	var kids []Process
	for _, pid := range Pids() {
		if p, ok := Stat(pid); ok && p.PPid == ppid {
			kids = append(kids, p)
		}
	}
	return kids
}

// HasEnv reports whether pid's environment holds entry ("NAME=VALUE")
// exactly. A process krun may not read (another user's) does not.
func HasEnv(pid int, entry []byte) bool {
	env, err := readFile("/proc/"+strconv.Itoa(pid)+"/environ", make([]byte, 0, 4096))
	if err != nil {
		return false
	}
	for len(env) > 0 {
		i := bytes.IndexByte(env, 0)
		if i < 0 {
			i = len(env)
		}
		if bytes.Equal(env[:i], entry) {
			return true
		}
		env = env[min(i+1, len(env)):]
	}
	return false
}
