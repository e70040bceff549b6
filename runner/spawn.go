package runner

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
)

// A job is started with syscall.ForkExec rather than os/exec: os/exec
// opens /dev/null for each job's standard input, copies and deduplicates
// the environment through a map for each job, registers both ends of
// every pipe with the poller, probes the kernel with an extra fork once
// per process, and waits for each job on a thread blocked in waitid,
// which keeps the runtime's monitor waking every 20 µs to hand that
// thread's processor on. Here the environment is deduplicated once per
// run (runEnv), /dev/null is opened once, the pipes' write ends stay
// plain descriptors, and on Linux a job is waited for through its pidfd
// in the poller (spawn_linux.go), so that no thread blocks.

// child is a started process.
type child struct {
	pid int
	// pidfd is the process's pidfd, registered with the poller; nil when
	// the system has none and waitExit blocks in waitid.
	pidfd *os.File
	// reaped is set once the process has been reaped, with its status
	// and the error of waiting for it.
	reaped bool
	status syscall.WaitStatus
	err    error
}

// devNull returns /dev/null, opened once for reading: every job's
// standard input. It is never closed. A failure to open it (no descriptor
// free at that moment) is not kept: the next job tries again.
func devNull() (int, error) {
	devNullFD.mu.Lock()
	defer devNullFD.mu.Unlock()
	if devNullFD.fd >= 0 {
		return devNullFD.fd, nil
	}
	fd, err := syscall.Open(os.DevNull, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: os.DevNull, Err: err}
	}
	devNullFD.fd = fd
	return fd, nil
}

// devNullFD is devNull's descriptor, -1 until it is open.
var devNullFD = struct {
	mu sync.Mutex
	fd int
}{fd: -1}

// spawn starts path with argv and env (deduplicated already), files as
// its descriptors 0, 1, 2..., and sys's attributes. Its error reads as
// os/exec's: "fork/exec PATH: REASON".
func spawn(path string, argv, env []string, files []uintptr, sys *syscall.SysProcAttr) (*child, error) {
	attr := &syscall.ProcAttr{Env: env, Files: files, Sys: sys}
	pidfd := -1
	askPidfd(sys, &pidfd)
	pid, err := syscall.ForkExec(path, argv, attr)
	if err != nil {
		return nil, &os.PathError{Op: "fork/exec", Path: path, Err: err}
	}
	return &child{pid: pid, pidfd: pollablePidfd(pidfd)}, nil
}

// wait waits for the child to exit and reaps it.
func (c *child) wait() (syscall.WaitStatus, error) {
	c.waitExit()
	return c.reap()
}

// reap reaps the child, which has exited (waitExit), and returns its
// status. Until then its pid, and the number of the process group it
// leads, cannot be given to another process: signalling the group is
// safe up to reap, and only up to reap.
func (c *child) reap() (syscall.WaitStatus, error) {
	if c.pidfd != nil {
		c.pidfd.Close()
		c.pidfd = nil
	}
	if !c.reaped {
		c.reaped = true
		for {
			_, err := syscall.Wait4(c.pid, &c.status, 0, nil)
			if err != syscall.EINTR {
				c.err = wrapWait(err)
				break
			}
		}
	}
	return c.status, c.err
}

func wrapWait(err error) error {
	if err != nil {
		return os.NewSyscallError("wait", err)
	}
	return nil
}

// perJobEnv are the variables each job gets a value of its own for.
var perJobEnv = []string{"KRUN_SEQ=", "KRUN_SLOT=", "PARALLEL_SEQ=", "PARALLEL_JOBSLOT="}

// runEnv is the environment shared by a run's jobs, as os/exec would hand
// it to each with the job's own variables appended: the last of several
// entries of a name wins, in its place; entries without "=" stay; the
// names each job sets are left out, to be appended (jobEnv). As in
// os/exec, an entry holding a NUL byte is an error for every job.
func runEnv(env []string) ([]string, error) {
	var err error
	out := make([]string, 0, len(env)+len(perJobEnv))
	saw := make(map[string]bool, len(env))
	for n := len(env); n > 0; n-- {
		kv := env[n-1]
		if strings.IndexByte(kv, 0) >= 0 {
			err = errors.New("exec: environment variable contains NUL")
			continue
		}
		i := strings.IndexByte(kv, '=')
		if i == 0 {
			i = strings.IndexByte(kv[1:], '=') + 1
		}
		if i < 0 {
			if kv != "" {
				out = append(out, kv)
			}
			continue
		}
		k := kv[:i]
		if saw[k] || isPerJob(kv[:i+1]) {
			continue
		}
		saw[k] = true
		out = append(out, kv)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

func isPerJob(prefix string) bool {
	for _, p := range perJobEnv {
		if p == prefix {
			return true
		}
	}
	return false
}
