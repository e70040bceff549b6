//go:build !linux

package runner

// takeTerminalBack does nothing: jobs are given the terminal's
// foreground on Linux only.
func (r *run) takeTerminalBack(program, *process) {}

// ForegroundOf reports false: jobs are given the terminal's foreground on
// Linux only.
func ForegroundOf(interface{ Fd() uintptr }) bool { return false }
