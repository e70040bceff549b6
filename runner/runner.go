package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// Job is one command to run.
type Job struct {
	// Seq is the job's sequence number in input order, from 1.
	Seq int64
	// Slot is the job slot it runs in, from 1 to the number of jobs.
	Slot int
	// Args are the input fields the command was built from.
	Args []string
	// Command is the shell command line, with every value quoted.
	Command string
	// Tag is the job's tag (--tag, --tagstring), when tagging is on.
	Tag string
}

// Sink receives the output of the jobs. Its methods are called from the
// goroutine running [Run] (Begin, Message) and from one goroutine per job
// output stream (the writers of a JobOutput).
type Sink interface {
	// Begin is called for each job, in start order, just before it starts,
	// and returns where the job's output goes.
	Begin(job *Job) JobOutput
	// Message writes one line of krun's own to standard error, never in the
	// middle of a job's output.
	Message(line string)
}

// JobOutput takes one job's output.
type JobOutput interface {
	// Stdout and Stderr receive the job's output streams. Each is written
	// by one goroutine at a time.
	Stdout() io.Writer
	Stderr() io.Writer
	// End is called once the job has ended and all its output has been
	// written. An error means krun's own output failed; the run stops.
	End(status Status) error
}

// Config configures [Run].
type Config struct {
	// Template builds each job's command.
	Template *Template
	// Jobs is the most jobs running at once; 0 means no limit.
	Jobs int
	// Shell runs the commands, with "-c".
	Shell string
	// Env is the jobs' base environment; nil means the environment of krun.
	Env []string
	// Sink receives the jobs' output.
	Sink Sink
	// DryRun, when set, receives each command line instead of running it.
	DryRun io.Writer
	// Verbose prints each command through Sink.Message as it starts.
	Verbose bool
	// Tag sets each Job.Tag to its arguments joined with spaces, or, when
	// TagTemplate is set, to that template expanded.
	Tag         bool
	TagTemplate *Template
	// Signals delivers the signals that stop the run (SIGINT, SIGTERM,
	// SIGHUP); the caller subscribes with signal.Notify. May be nil.
	Signals <-chan os.Signal
	// KillGrace is how long jobs get between the forwarded signal and
	// SIGKILL. Zero means 2s.
	KillGrace time.Duration
}

// Result sums up a run.
type Result struct {
	// Started and Failed count jobs.
	Started, Failed int
	// FailedSeqs lists the sequence numbers of the first failed jobs.
	FailedSeqs []int64
	// Signal is the signal that stopped the run, or 0.
	Signal syscall.Signal
}

// maxFailedSeqs is how many failed sequence numbers a Result keeps.
const maxFailedSeqs = 10

// ExitStatus is krun's exit status for the run, as GNU parallel's: 0 when
// every job succeeded, the number of failed jobs up to 100, 101 beyond,
// and 128+N when signal N stopped the run.
func (r Result) ExitStatus() int {
	switch {
	case r.Signal != 0:
		return 128 + int(r.Signal)
	case r.Failed > 100:
		return 101
	}
	return r.Failed
}

// finished is a job's completion, sent from its goroutine to the run loop
// once its output has been handed to the sink.
type finished struct {
	job    *Job
	status Status
	// outErr is the failure of krun's own output met by the job.
	outErr error
}

// record is an item from the input goroutine: fields, or the error that
// ended the input (io.EOF at its end).
type record struct {
	fields []string
	err    error
}

// Run runs a job for every record of src, at most cfg.Jobs at a time, until
// the input ends, ctx is cancelled or a signal arrives. It returns when
// every job it started has ended and its output has been written. The
// error is set when the input failed or the output could not be written;
// the Result is valid either way.
func Run(ctx context.Context, cfg Config, src RecordSource) (Result, error) {
	r := &run{cfg: cfg, running: map[int64]*process{}, done: make(chan finished), outFail: make(chan error, 1)}
	if r.cfg.Env == nil {
		r.cfg.Env = os.Environ()
	}
	if r.cfg.KillGrace == 0 {
		r.cfg.KillGrace = 2 * time.Second
	}
	records := make(chan record)
	stopInput := make(chan struct{})
	defer close(stopInput)
	// The input goroutine may stay blocked reading a terminal or pipe after
	// Run returns; it sends nothing once stopInput is closed.
	go func() {
		for {
			fields, err := src.Next()
			select {
			case records <- record{fields, err}:
			case <-stopInput:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return r.loop(ctx, records)
}

// run is the state of one Run, owned by the loop goroutine.
type run struct {
	cfg      Config
	running  map[int64]*process // the started jobs, for signals
	inflight int                // jobs whose finished has not arrived
	slots    []bool             // slots[i]: slot i+1 is taken
	done     chan finished
	outFail  chan error // output failures met while jobs run
	seq      int64
	result   Result
	err      error
	stopping bool
	killAt   <-chan time.Time
}

func (r *run) loop(ctx context.Context, records <-chan record) (Result, error) {
	inputOpen := true
	ctxDone := ctx.Done()
	for inputOpen || r.inflight > 0 {
		var next <-chan record
		if inputOpen && !r.stopping && (r.cfg.Jobs == 0 || r.inflight < r.cfg.Jobs) {
			next = records
		}
		select {
		case rec := <-next:
			if rec.err != nil {
				inputOpen = false
				if rec.err != io.EOF {
					r.fail(rec.err)
				}
				continue
			}
			r.start(rec.fields)
		case f := <-r.done:
			r.finish(f)
		case err := <-r.outFail:
			r.fail(err)
		case sig := <-r.cfg.Signals:
			r.interrupt(sig)
		case <-r.killAt:
			r.killAll()
		case <-ctxDone:
			ctxDone = nil
			r.fail(context.Cause(ctx))
		}
		if r.stopping {
			inputOpen = false
		}
	}
	return r.result, r.err
}

// start builds and starts the job for fields.
func (r *run) start(fields []string) {
	r.seq++
	job := &Job{Seq: r.seq, Args: fields, Slot: r.takeSlot()}
	cmd, err := r.cfg.Template.Expand(Args{Fields: fields, Seq: job.Seq, Slot: job.Slot})
	job.Command = cmd
	if r.cfg.DryRun != nil && err == nil {
		r.releaseSlot(job.Slot)
		if _, err := fmt.Fprintln(r.cfg.DryRun, job.Command); err != nil {
			r.fail(fmt.Errorf("write dry run: %w", err))
		}
		return
	}
	r.setTag(job)
	if r.cfg.Verbose && err == nil {
		r.cfg.Sink.Message(job.Command)
	}
	out := r.cfg.Sink.Begin(job)
	r.result.Started++
	r.inflight++
	if err == nil && strings.IndexByte(job.Command, 0) >= 0 {
		err = errors.New("an argument contains a NUL byte, which no command line can carry (split the input at NULs with -0)")
	}
	var p *process
	if err == nil {
		p, err = startProcess(r.cfg.Shell, job, jobEnv(r.cfg.Env, job), out, r.reportOutputError)
		if err != nil {
			err = fmt.Errorf("cannot start: %w%s", err, tooLongHint(job.Command))
		}
	}
	if err != nil {
		// A job that could not start counts as failed, in every report.
		r.cfg.Sink.Message(fmt.Sprintf("krun: job %d: %v", job.Seq, err))
		st := Status{Exit: 126, Err: err}
		go func() { r.done <- finished{job, st, out.End(st)} }()
		return
	}
	r.running[job.Seq] = p
	go func() {
		st := p.wait()
		outErr := p.copyErr
		// End may block writing output; the loop stays free for signals.
		if err := out.End(st); outErr == nil {
			outErr = err
		}
		r.done <- finished{job, st, outErr}
	}()
}

// setTag sets the job's tag when tagging is on.
func (r *run) setTag(job *Job) {
	switch {
	case r.cfg.TagTemplate != nil:
		job.Tag, _ = r.cfg.TagTemplate.Expand(Args{Fields: job.Args, Seq: job.Seq, Slot: job.Slot})
	case r.cfg.Tag:
		job.Tag = strings.Join(job.Args, " ")
	}
}

// tooLongHint explains an exec failure caused by an over-long command.
func tooLongHint(command string) string {
	if len(command) <= maxCommandLine {
		return ""
	}
	return fmt.Sprintf(" (the command line is %d bytes; the limit is %d)", len(command), maxCommandLine)
}

// finish records a job that ended.
func (r *run) finish(f finished) {
	delete(r.running, f.job.Seq)
	r.inflight--
	r.releaseSlot(f.job.Slot)
	if f.status.Failed() {
		r.result.Failed++
		if len(r.result.FailedSeqs) < maxFailedSeqs {
			r.result.FailedSeqs = append(r.result.FailedSeqs, f.job.Seq)
		}
	}
	if f.outErr != nil {
		err := f.outErr
		if !isOutputError(err) {
			err = fmt.Errorf("job %d: %w", f.job.Seq, err)
		}
		r.fail(err)
	}
}

// reportOutputError passes an output failure to the loop without blocking;
// the first one is enough to stop the run.
func (r *run) reportOutputError(err error) {
	select {
	case r.outFail <- err:
	default:
	}
}

// isOutputError reports whether err is a failure to write krun's own
// output, which is about no job in particular.
func isOutputError(err error) bool {
	var oe interface{ OutputStream() string }
	return errors.As(err, &oe)
}

// fail records the first error and stops the run: no new job starts and
// the running ones are ended.
func (r *run) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	if !r.stopping {
		r.stop(syscall.SIGTERM)
	}
}

// interrupt handles a signal: the first one stops the run and is forwarded
// to the jobs; a second one kills them at once.
func (r *run) interrupt(sig os.Signal) {
	s, _ := sig.(syscall.Signal)
	if r.result.Signal != 0 {
		r.killAll()
		return
	}
	r.result.Signal = s
	r.stop(s)
}

// stop starts no new job and sends sig to the running ones, with SIGKILL
// to follow after the grace period.
func (r *run) stop(sig syscall.Signal) {
	r.stopping = true
	for _, p := range r.running {
		p.signal(sig)
	}
	r.killAt = time.After(r.cfg.KillGrace)
}

// killAll kills every running job's process group.
func (r *run) killAll() {
	for _, p := range r.running {
		p.signal(syscall.SIGKILL)
	}
	r.killAt = nil
}

// takeSlot returns the lowest free slot number.
func (r *run) takeSlot() int {
	for i, used := range r.slots {
		if !used {
			r.slots[i] = true
			return i + 1
		}
	}
	r.slots = append(r.slots, true)
	return len(r.slots)
}

// releaseSlot frees a slot number.
func (r *run) releaseSlot(slot int) { r.slots[slot-1] = false }
