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
	}
}
