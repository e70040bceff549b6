package runner

import (
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// slotEnv adds Config.SlotVar to a job's environment: its slot from 0.
// The variable replaces any entry of that name, as the last one wins in
// os/exec: a program reads the first (getenv), a shell the last.
func (r *run) slotEnv(env []string, job *Job) []string {
	if r.cfg.SlotVar == "" {
		return env
	}
	if isPerJob(r.cfg.SlotVar + "=") {
		env = withoutVar(env, r.cfg.SlotVar) // env is this job's own copy
	}
	return append(env, r.cfg.SlotVar+"="+strconv.Itoa(job.Slot-1))
}

// withoutVar removes name's entries from env, in place.
func withoutVar(env []string, name string) []string {
	if name == "" {
		return env
	}
	prefix := name + "="
	return slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, prefix) })
}

// terminal gives prog the terminal as its standard input when
// Config.TTY is set (xargs -o).
func (r *run) terminal(prog *program) {
	if r.cfg.TTY != nil {
		prog.stdin, prog.foreground = r.cfg.TTY, r.cfg.TTYForeground
		if r.cfg.TTYOutput {
			prog.output = r.cfg.TTY
		}
	}
}

// confirm asks Config.Confirm whether to run job. A signal that arrives
// meanwhile stops the run, and the job is not run: the question stays
// unanswered, and its goroutine ends when the caller closes what Confirm
// reads (krun closes the terminal when the run ends).
func (r *run) confirm(job *Job) bool {
	answer := make(chan bool, 1)
	go func() { answer <- r.cfg.Confirm(job) }()
	select {
	case ok := <-answer:
		return ok
	case sig := <-r.cfg.Signals:
		r.interrupt(sig)
		return false
	}
}

// terminalInterrupt stops the run when a job that had the terminal's
// foreground (Config.TTYForeground) died of Ctrl-C (SIGINT) or Ctrl-\
// (SIGQUIT): the signal was typed for krun as much as for the job, which
// alone got it; as a shell's loop does, krun stops as if it had got it,
// before another job starts. Run loop only.
func (r *run) terminalInterrupt(st Status) {
	if r.cfg.TTY != nil && r.cfg.TTYForeground && !st.Killed && (st.Signal == syscall.SIGINT || st.Signal == syscall.SIGQUIT) {
		r.interrupt(st.Signal)
	}
}
