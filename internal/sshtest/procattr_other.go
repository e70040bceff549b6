//go:build !linux

package sshtest

import "syscall"

// serverAttr puts sshd in a process group of its own (only Linux has a
// parent-death signal: Stop must kill it).
func serverAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
