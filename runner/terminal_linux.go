package runner

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/procfs"
)

// takeTerminalBack gives the terminal's foreground back to krun's process
// group after a job that had it (xargs -o: from its start, or given when
// krun was continued) has ended, unless another job has taken it since.
func (r *run) takeTerminalBack(prog program, p *process) {
	if prog.stdin == nil {
		return
	}
	r.ttyMu.Lock()
	defer r.ttyMu.Unlock()
	moveForeground(int(prog.stdin.Fd()), p.child.pid, unix.Getpgrp())
}

// moveForeground gives the foreground of terminal fd to process group to,
// if from has it. SIGTTOU is blocked on the calling thread meanwhile:
// krun may be in the background, and would otherwise be stopped.
func moveForeground(fd, from, to int) {
	if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil || fg != from {
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var block, old unix.Sigset_t
	sig := uint(unix.SIGTTOU) - 1
	block.Val[sig/64] |= 1 << (sig % 64)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &block, &old); err != nil {
		return
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, to)
}

// cldStopped is the si_code of a child's stop (CLD_STOPPED).
const cldStopped = 5

// waitExitForeground is waitExit for a job that reads the terminal tty
// (xargs -o). With the terminal's foreground it alone gets Ctrl-Z;
// without it, reading stops it (SIGTTIN). When it stops, krun takes the
// terminal back if the job had it and stops its own process group as
// the terminal would have, so that the shell that started krun gets the
// terminal back; continued in the foreground (fg), krun gives the job
// the terminal and continues it. Where the kernel discards the stop (an
// orphaned process group: no shell to continue krun), the job goes on
// at once, unless neither could have the terminal. It waits in a thread
// of its own: a stop does not wake a pidfd.
func (c *child) waitExitForeground(tty *os.File) {
	fd := int(tty.Fd())
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, c.pid, &info, unix.WEXITED|unix.WSTOPPED|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || info.Code != cldStopped {
			return // exited, to be reaped
		}
		// Take the stop's report, leaving any exit's to reap.
		unix.Waitid(unix.P_PID, c.pid, &info, unix.WSTOPPED|unix.WNOHANG, nil)
		own := unix.Getpgrp()
		moveForeground(fd, c.pid, own)
		stopped := stopSelf()
		if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); !stopped && (err != nil || fg != own) {
			// Neither krun nor the job can have the terminal: continued,
			// the job would only stop again reading it. It stays stopped.
			continue
		}
		moveForeground(fd, own, c.pid)
		unix.Kill(-c.pid, unix.SIGCONT)
	}
}

// ForegroundOf reports whether krun's process group is the foreground
// process group of the terminal f: only then may krun hand it to its
// jobs (Config.TTYForeground).
func ForegroundOf(f interface{ Fd() uintptr }) bool {
	fg, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

// stopSelf stops krun's process group as Ctrl-Z would have, and returns
// once krun is continued; where the kernel discards the stop (an
// orphaned process group: no shell to continue it), at once, reporting
// false. A signal to the group may be taken by another of krun's
// threads, after this one has gone on, or even after krun was
// continued; so the others in the group get it first, one by one, and
// krun itself through this thread: it stops before the call returns.
func stopSelf() bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, own := unix.Getpid(), unix.Getpgrp()
	orphaned := true
	for _, pid := range procfs.Pids() {
		p, ok := procfs.Stat(pid)
		if !ok || p.Pgid != own {
			continue
		}
		// A group is orphaned when no member's parent is in another
		// group of the same session: a shell's job has the shell.
		if pp, ok := procfs.Stat(p.PPid); ok && pp.Pgid != own && pp.Sid == p.Sid {
			orphaned = false
		}
		if pid != self {
			unix.Kill(pid, unix.SIGTSTP)
		}
	}
	unix.Tgkill(self, unix.Gettid(), unix.SIGTSTP)
	return !orphaned
}
