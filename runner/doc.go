// Package runner decides what runs and when: it reads job arguments from
// input sources, expands command templates with GNU parallel's replacement
// strings, schedules jobs under a concurrency cap and runs each one as a
// shell command in its own process group.
//
// The package never writes to the terminal and never exits the process:
// every job's output goes to the [Sink] the caller passes in, and errors
// are returned.
package runner
