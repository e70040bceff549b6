package remote

import "syscall"

// masterSysProcAttr puts the master connection in a process group of its
// own, out of reach of Ctrl-C (krun forwards signals itself), and ends it
// with krun: a SIGTERM when krun dies, kill -9 included.
func masterSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
