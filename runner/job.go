package runner

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"syscall"
	"time"
)

// maxRetryDelay caps the wait between two tries.
const maxRetryDelay = 5 * time.Minute

// runJob runs a job on its own goroutine: its tries, each with the time
// limit, the waits between them, and finally the hand-over of its output.
func (r *run) runJob(job *Job, out JobOutput, limit time.Duration) {
	if job.Delay > 0 && !job.retried && !job.evicted {
		// --jitter: wait, holding the slot; a stopping run ends the job
		// here, unstarted.
		timer := time.NewTimer(job.Delay)
		select {
		case <-timer.C:
		case <-r.quit:
			timer.Stop()
			r.endJob(job, out, Status{Exit: 126, Err: errStoppedInDelay, Killed: true, Halted: r.halting.Load(), Start: time.Now(), Attempt: 1})
			return
		}
	}
	tries := max(r.cfg.Retries, 1)
	var st Status
	for attempt := 1; ; attempt++ {
		var starved, evicted, hostFailed bool
		if job.placement != nil && !job.placement.Local() {
			st, hostFailed = r.tryRemote(job, out, attempt, limit)
		} else {
			st, starved, evicted = r.try(job, out, attempt, limit)
		}
		if starved {
			r.done <- finished{job: job, out: out, noDescriptors: true}
			return
		}
		if evicted && st.Killed && st.Failed() && !r.quitting() {
			// Ended by the Gate: it runs again later, from its first try.
			job.evicted = true
			out.Discard()
			r.done <- finished{job: job, out: out, status: st, evicted: true}
			return
		}
		if hostFailed {
			// Not the job's failure: it goes back to the queue, for
			// another host.
			out.Discard()
			r.done <- finished{job: job, out: out, requeue: true}
			return
		}
		if !st.Failed() || attempt >= tries || r.quitting() {
			break
		}
		r.observe(Event{Kind: EventRetry, Job: job, Attempt: attempt, Status: st})
		select {
		case <-time.After(retryDelay(r.cfg.RetryDelay, attempt, r.cfg.Seed, job.Seq)):
		case <-r.quit:
		}
		if r.quitting() {
			break // this try is the last: its output stays
		}
		out.Discard() // only now: the next try's output replaces it
	}
	r.endJob(job, out, st)
}

// quitting reports whether no new try may start.
func (r *run) quitting() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}

// try runs the job's command once. starved reports that it could not start
// for want of file descriptors or processes, on the first try: it waits
// for a running job to end (as xargs does when fork fails with EAGAIN).
//
// evicted reports that the Gate ended it (see evictYoungest).
func (r *run) try(job *Job, out JobOutput, attempt int, limit time.Duration) (st Status, starved, evicted bool) {
	start := time.Now()
	r.observe(Event{Kind: EventStart, Job: job, Attempt: attempt, Time: start})
	env := r.slotEnv(jobEnv(r.env, job), job)
	shell := program{path: r.cfg.Shell, argv: []string{r.cfg.Shell, "-c", job.Command}, env: env}
	r.terminal(&shell)
	prog, direct := shell, false
	if r.direct != nil {
		prog, direct = r.direct.program(job.Command, job.Args, env)
		if !direct {
			prog = shell
		}
		r.terminal(&prog)
	}
	prog = r.cfg.Nice.wrap(prog)
	r.starting <- struct{}{} // a few descriptors for a moment: see descriptors.go
	stdin := job.heldStdin   // opened by a starved try, unread
	job.heldStdin = nil
	if stdin == nil && job.Stdin != nil {
		f, err := job.Stdin.Open()
		if err != nil {
			<-r.starting
			if attempt == 1 && isDescriptorShortage(err) {
				job.shortage = err
				return Status{}, true, false
			}
			return r.notStarted(job, attempt, fmt.Errorf("standard input: %w", err)), false, false
		}
		stdin = f
	}
	var p *process
	err := r.envErr
	if err == nil {
		p, err = startProcess(prog, job, out, r.reportOutputError, r.cfg.StderrTail, r.cfg.MergeStderr, stdin)
	}
	if err != nil && direct && !isShortage(err) && err != r.envErr {
		// Not executable after all (a script without #!, no permission):
		// the shell knows what to do, or what to say.
		p, err = startProcess(shell, job, out, r.reportOutputError, r.cfg.StderrTail, r.cfg.MergeStderr, stdin)
	}
	starved = err != nil && attempt == 1 && isShortage(err)
	switch {
	case starved:
		// No process read it: the next try takes it, whole (a streamed
		// block cannot be opened again).
		job.heldStdin = stdin
	case stdin != nil:
		// The process has its own copy; a job that could not start
		// leaves none, and the block's writer sees the pipe closed.
		stdin.Close()
	}
	<-r.starting
	if err != nil {
		if starved {
			job.shortage = err
			return Status{}, true, false
		}
		return r.notStarted(job, attempt, fmt.Errorf("cannot start: %w%s", err, ArgsTooLongHint(job.Command, CommandLineLimit(env)))), false, false
	}
	st = r.watch(p, job, attempt, limit, start)
	r.takeTerminalBack(prog, p)
	return st, false, p.evicted.Load()
}

// watch waits for the try's process p, started at start, under its time
// limit, and returns its status.
func (r *run) watch(p *process, job *Job, attempt int, limit time.Duration, start time.Time) (st Status) {
	p.reap = r.cfg.ReapOrphans
	r.procs.add(p)
	defer r.procs.remove(p)
	r.guard.watch(p.child.pid) // its process group
	defer r.guard.forget(p.child.pid)
	var timedOut atomic.Bool
	if limit > 0 {
		timer := time.AfterFunc(limit, func() {
			timedOut.Store(true)
			r.observe(Event{Kind: EventTimeout, Job: job, Attempt: attempt})
			p.terminate(r.cfg.TermSeq)
		})
		defer timer.Stop()
	}
	st = p.wait()
	st.TimedOut = timedOut.Load() && st.Killed
	st.Halted = st.Halted && !st.TimedOut
	if st.TimedOut {
		st.Timeout = limit
	}
	st.Start, st.Duration, st.Attempt = start, time.Since(start), attempt
	return st
}

// isDescriptorShortage reports whether err means the process is out of
// file descriptors. EBADF counts: when a descriptor handed to a child is
// the last one the limit allows, Go's fork/exec needs one more in the
// child and fails with it.
func isDescriptorShortage(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.EBADF)
}

// isShortage reports whether err means a job could not start for want of
// something a running job gives back when it ends: file descriptors, or
// a process (fork's EAGAIN: the user's process limit, ulimit -u, or the
// system's).
func isShortage(err error) bool {
	return isDescriptorShortage(err) || errors.Is(err, syscall.EAGAIN)
}

// errStoppedInDelay is the error of a job the run stopped before its
// --jitter delay was over.
var errStoppedInDelay = errors.New("not started: the run stopped during its --jitter delay")

// retryDelay is the wait before try attempt+1 of job seq: base doubled
// for each try so far, up to maxRetryDelay, plus up to 50% jitter so that
// jobs failing together do not retry together. The jitter is drawn from
// seed, seq and attempt, so that it does not depend on which job retries
// first.
func retryDelay(base time.Duration, attempt int, seed uint64, seq int64) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base << min(attempt-1, 30)
	if d <= 0 || d > maxRetryDelay {
		d = maxRetryDelay
	}
	rng := rand.New(rand.NewPCG(seed, uint64(seq)<<16|uint64(attempt&0xffff)))
	return time.Duration(float64(d) * (1 + rng.Float64()/2))
}
