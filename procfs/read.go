package procfs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"syscall"
)

// readFile reads the whole of a small file into buf (grown as needed)
// with plain system calls: os.ReadFile would register each /proc file
// with the runtime's poller (they poll) at the cost of an fstat and four
// fcntl calls, and the guardian reads one per process of the machine.
func readFile(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return buf, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// childPids lists the children of ppid from the children files of its
// threads (/proc/PID/task/TID/children: a child belongs to the thread
// that forked it, or that it was reparented to), a few small reads where
// scanning /proc reads one file per process of the machine. ok is false
// when the kernel has no such files (CONFIG_PROC_CHILDREN) or ppid is
// gone. The list may hold a pid that has since been reaped and reused:
// the caller checks each one's parent.
func childPids(ppid int) (pids []int, ok bool) {
	dir := "/proc/" + strconv.Itoa(ppid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, false
	}
	var buf [512]byte
	for _, t := range tasks {
		data, err := readFile(dir+t.Name()+"/children", buf[:0])
		if errors.Is(err, fs.ErrNotExist) {
			if _, serr := os.Stat(dir + t.Name()); serr == nil {
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
