package runner

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// takeTerminalBack gives the terminal's foreground back to krun's process
// group after a job that had it (xargs -o) has ended, unless another job
// has taken it since. SIGTTOU is blocked on the calling thread meanwhile:
// krun is in the background then, and would otherwise be stopped.
func (r *run) takeTerminalBack(prog program, p *process) {
	if !prog.foreground || prog.stdin == nil {
		return
	}
	r.ttyMu.Lock()
	defer r.ttyMu.Unlock()
	fd := int(prog.stdin.Fd())
	if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil || fg != p.child.pid {
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
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, unix.Getpgrp())
}

// ForegroundOf reports whether krun's process group is the foreground
// process group of the terminal f: only then may krun hand it to its
// jobs (Config.TTYForeground).
func ForegroundOf(f interface{ Fd() uintptr }) bool {
	fg, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}
