//go:build !linux

package remote

import "syscall"

// masterSysProcAttr puts the master connection in a process group of its
// own, out of reach of Ctrl-C (krun forwards signals itself). Without
// Linux's parent-death signal, a krun killed with kill -9 leaves it
// running until the host closes the connection.
func masterSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
