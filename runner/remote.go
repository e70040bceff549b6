package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"
)

// Hosts places jobs on machines other than krun's own (krun -S; the
// remote package implements it). The run loop calls Free, Place and
// Release, one at a time; a Placement's other methods are called from the
// job's goroutine.
type Hosts interface {
	// Free reports whether a host in rotation has a free slot now.
	Free() bool
	// Place takes a free slot on a host in rotation for job. It returns
	// ErrNoHosts when every host has left the rotation.
	Place(job *Job) (Placement, error)
	// Processes are the process IDs of the hosts' own children of krun
	// (their connections), which outlive the jobs: the sweep of what the
	// jobs left behind at the end of a run spares them.
	Processes() []int
	// ScratchDir is a directory of krun's own for the hosts (ssh's control
	// sockets), removed when the run ends, and by the guardian if krun is
	// killed; "" when there is none.
	ScratchDir() string
}

// ErrNoHosts is the error of a run whose hosts have all left the rotation.
var ErrNoHosts = errors.New("no host is left to run jobs on")

// Placement is one job's slot on a host.
type Placement interface {
	// Host names the host in reports ({host}, the joblog's Host column):
	// ":" for the local machine.
	Host() string
	// Local reports whether the job runs on krun's machine, as if there
	// were no hosts.
	Local() bool
	// Prepare readies the host for a try (the connection, the files to
	// send) and returns what to run locally to run the job there: a
	// program whose standard input is the control stream of
	// RemoteCommand. An error of the host's, not of the job's, is a
	// *HostError: the try does not count and the job goes back to the
	// queue.
	Prepare(ctx context.Context, job *Job, env []string) (RemoteCommand, error)
	// Finish is called after a try that Prepare readied, with its status
	// (st.Err set when the program could not start). It brings back the
	// files to return, unless the job was killed or never started, and
	// cleans up. A *HostError
	// means the host failed and the try does not count.
	Finish(ctx context.Context, job *Job, st Status) error
	// Release frees the slot; the run loop calls it once the job has
	// ended or goes back to the queue.
	Release()
}

// RemoteCommand is the local program that runs a job on a host.
type RemoteCommand struct {
	// Path and Argv are the program and its arguments (ssh ...).
	Path string
	Argv []string
	// Env is the program's environment.
	Env []string
	// Signal writes the message that sends sig to the job's process tree
	// on the host to w, the program's standard input. Closing w ends the
	// tree there too.
	Signal func(w io.Writer, sig syscall.Signal) error
}

// HostError is a failure of the host, not of the job: ssh could not
// connect, or the connection broke during the job.
type HostError struct {
	Host string
	Err  error
}

func (e *HostError) Error() string { return "host " + e.Host + ": " + e.Err.Error() }

func (e *HostError) Unwrap() error { return e.Err }

// tryRemote runs the job's command once on its host. hostFailed reports
// that the host failed rather than the job: the try does not count.
func (r *run) tryRemote(job *Job, out JobOutput, attempt int, limit time.Duration) (st Status, hostFailed bool) {
	env := jobEnv(r.cfg.Env, job)
	ctx, cancel := r.quitContext()
	rc, err := job.placement.Prepare(ctx, job, env)
	cancel()
	if err != nil {
		if isHostError(err) && !r.quitting() {
			// The hosts say when one leaves the rotation; a job
			// moving to another is no news.
			return Status{}, true
		}
		return r.notStarted(job, attempt, err), false
	}
	start := time.Now()
	r.observe(Event{Kind: EventStart, Job: job, Attempt: attempt, Time: start})
	prog := program{path: rc.Path, argv: rc.Argv, env: rc.Env, control: true}
	r.starting <- struct{}{} // see descriptors.go
	p, err := startProcess(prog, job, out, r.reportOutputError, r.cfg.StderrTail, r.cfg.MergeStderr, nil)
	<-r.starting
	if err != nil {
		st = r.notStarted(job, attempt, fmt.Errorf("cannot start %s: %w", rc.Path, err))
		// What Prepare sent is cleaned up all the same.
		if ferr := job.placement.Finish(r.ctx, job, st); ferr != nil {
			r.cfg.Sink.Message(fmt.Sprintf("job %d: %v", job.Seq, ferr))
		}
		return st, false
	}
	p.forward = rc.Signal
	st = r.watch(p, job, attempt, limit, start)
	if st.Killed && st.Signal == 0 && st.Exit > 128 && st.Exit < 128+65 {
		// The host reports a signal as its shells do, 128+N: the signal
		// krun sent, for the reports.
		st.Signal = syscall.Signal(st.Exit - 128)
	}
	if err := job.placement.Finish(r.ctx, job, st); err != nil {
		if isHostError(err) && !st.Killed && !r.quitting() {
			return st, true
		}
		r.cfg.Sink.Message(fmt.Sprintf("job %d: %v", job.Seq, err))
		if !st.Failed() {
			st.Exit, st.Err = 1, err
		}
	}
	return st, false
}

// isHostError reports whether err is a failure of the host.
func isHostError(err error) bool {
	var he *HostError
	return errors.As(err, &he)
}

// quitContext returns a context of Run's that is also cancelled when no
// new try may start; cancel releases it.
func (r *run) quitContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.ctx)
	go func() {
		select {
		case <-r.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// hostPIDs are the processes of the hosts that the end of the run spares.
func (r *run) hostPIDs() []int {
	if r.cfg.Hosts == nil {
		return nil
	}
	return r.cfg.Hosts.Processes()
}
