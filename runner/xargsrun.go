package runner

import "strconv"

// slotEnv adds Config.SlotVar to a job's environment: its slot from 0.
func (r *run) slotEnv(env []string, job *Job) []string {
	if r.cfg.SlotVar == "" {
		return env
	}
	return append(env, r.cfg.SlotVar+"="+strconv.Itoa(job.Slot-1))
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
