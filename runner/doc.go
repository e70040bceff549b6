// Package runner decides what runs and when: it reads job arguments from
// input sources, expands command templates with GNU parallel's replacement
// strings, schedules jobs under a concurrency cap and runs each one as a
// shell command in its own process group. With [Config.Hosts] it places
// each job on a host with a free slot and runs it there through the
// program the host gives (ssh, see package remote), sending the job's
// signals down that program's standard input; a job whose host fails goes
// back to the queue.
//
// The package never writes to the terminal and never exits the process:
// every job's output goes to the [Sink] the caller passes in, and errors
// are returned.
package runner
