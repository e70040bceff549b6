package sshtest

import "syscall"

// serverAttr puts sshd in a process group of its own, and kills it with
// the test process.
func serverAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
