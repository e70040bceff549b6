//go:build !linux

package runner

import "os"

// takeTerminalBack does nothing: jobs are given the terminal's
// foreground on Linux only.
func (r *run) takeTerminalBack(program, *process) {}

// ForegroundOf reports false: jobs are given the terminal's foreground on
// Linux only.
func ForegroundOf(interface{ Fd() uintptr }) bool { return false }

// waitExitForeground is waitExit: no job has the terminal's foreground.
func (c *child) waitExitForeground(*os.File) { c.waitExit() }
