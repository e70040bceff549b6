package runner

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Descriptor admission. Every running job holds descriptors in krun: the
// read ends of its output pipes and the pidfd of its process; starting
// one takes a few more for a moment (the write ends, exec's error pipe;
// /dev/null is opened once, for every job). Rather than find the table full when a job starts, a run
// admits no more jobs at once than the descriptors krun may still open
// allow, as GNU parallel does ("Only enough file handles to run N jobs in
// parallel"), and one start is under way at a time (maxStarting).
// Finding the table full anyway (the sink opened files per job beyond
// what Config.ExtraDescriptors says) still sends the job back to wait for
// a running one to end.
const (
	heldPerJob  = 3 // two pipe read ends and a pidfd
	startFDs    = 6 // the write ends, /dev/null, exec's error pipe
	maxStarting = 1
	// fdMargin is kept for krun's own needs during the run: the spill
	// file, the guardian's pipe, a report file replaced at the end.
	fdMargin = 8
)

// descriptorCap is the most jobs that can run at once with the file
// descriptors krun may still open, each holding extraPerJob more than its
// pipes (files the sink opens for it); ok is false when there is no
// limit to speak of, or it cannot be read.
func descriptorCap(extraPerJob int) (n int, limit uint64, ok bool) {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil || lim.Cur == unix.RLIM_INFINITY || lim.Cur > 1<<24 {
		return 0, 0, false
	}
	fds, err := os.ReadDir("/dev/fd")
	if err != nil {
		return 0, 0, false
	}
	free := int(lim.Cur) - len(fds) - fdMargin - maxStarting*startFDs
	return max(free/(heldPerJob+extraPerJob), 1), uint64(lim.Cur), true // int64 on the BSDs
}

// admitDescriptors sets the run's cap on jobs at once from the
// descriptors it may open.
func (r *run) admitDescriptors() {
	extra := r.cfg.ExtraDescriptors
	if r.cfg.Hosts != nil {
		extra++ // a job on a host: the control pipe's write end
	}
	n, limit, ok := descriptorCap(extra)
	if ok {
		r.fdCap, r.fdLimit = n, limit
	}
}

// atDescriptorCap reports whether the running jobs hold all the
// descriptors a run may give them.
func (r *run) atDescriptorCap() bool {
	return r.fdCap > 0 && r.inflight >= r.fdCap
}

// warnDescriptors says, once, that the descriptors hold a job back that
// -j would start.
func (r *run) warnDescriptors() {
	if r.fdCapSaid {
		return
	}
	r.fdCapSaid = true
	jobs := "jobs"
	if r.fdCap == 1 {
		jobs = "job"
	}
	r.cfg.Sink.Message(fmt.Sprintf("warning: only enough file descriptors (ulimit -n %d) for %d %s at once: running at most that many", r.fdLimit, r.fdCap, jobs))
}
