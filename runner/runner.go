package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// ArgNumbers are the input source (or column) numbers of Args, from
	// 1: with -n or -X a job holds several records, and the numbers start
	// again with each. Nil means 1, 2, 3, ...
	ArgNumbers []int
	// Command is the shell command line, with every value quoted.
	Command string
	// Tag is the job's tag (--tag, --tagstring), when tagging is on.
	Tag string
	// Hold asks the sink to keep the job's output until End: the job may
	// be tried again (--retries, or on another host when its host fails),
	// and only the last try's output may be written.
	Hold bool
	// Delay is the random time the job waits, holding its slot, before
	// its first try starts (Config.Jitter); 0 without jitter.
	Delay time.Duration
	// Host is the host the job runs on, with Config.Hosts: ":" for the
	// local machine; "" without hosts.
	Host string
	// placement is the job's slot on its host; nil without hosts.
	placement Placement
	// Stdin, when set, is the job's standard input (--pipe); nil is
	// /dev/null.
	Stdin Stdin
	// starvedAlone: the job is being tried again for want of descriptors
	// or processes with no other job running; retried: it is being tried
	// again at all (run loop only); evicted: the Gate ended it once, and
	// it runs again (its goroutine only).
	starvedAlone, retried, evicted bool
	// shortage is why the job could not start, while it waits to be
	// tried again (isShortage).
	shortage error
	// heldStdin is the standard input a starved try opened and no process
	// read: the next try takes it, for a block that cannot be opened
	// twice (a streamed one) is then still whole.
	heldStdin *os.File
	// started orders the jobs by their last start on the run loop: the
	// youngest has the highest (run loop only).
	started uint64
}

// Sink receives the output of the jobs. Begin is called from the goroutine
// running [Run]; Message, and the methods of each JobOutput, from the jobs'
// goroutines, concurrently.
type Sink interface {
	// Begin is called for each job, in start order, just before it starts,
	// and returns where the job's output goes.
	Begin(job *Job) JobOutput
	// Message writes one message of krun's own to standard error, never in
	// the middle of a job's output. The message is the text alone ("job 3:
	// killed after 5s"); the caller of Run words it for its users (krun's
	// CLI puts "krun: " before it).
	Message(msg string)
}

// JobOutput takes one job's output.
type JobOutput interface {
	// Stdout and Stderr receive the job's output streams. Each is written
	// by one goroutine at a time.
	Stdout() io.Writer
	Stderr() io.Writer
	// Discard drops the output of a failed try that will be retried.
	Discard()
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
	// JobsFile, when set, replaces Jobs: it is read again each time a job
	// ends (-j FILE).
	JobsFile *JobsFile
	// Shell runs the commands, with "-c".
	Shell string
	// Env is the jobs' base environment; nil means the environment of krun.
	Env []string
	// Sink receives the jobs' output.
	Sink Sink
	// Observer, when set, receives the run's events.
	Observer Observer
	// DryRun, when set, receives each command line instead of running it.
	DryRun io.Writer
	// Verbose, when set, receives each command line as its job starts,
	// after the job's tag and a TAB when tagging is on (-v); the caller
	// writes it where krun's messages go, as it is.
	Verbose func(line string)
	// Tag sets each Job.Tag to its arguments joined with spaces, or, when
	// TagTemplate is set, to that template expanded.
	Tag         bool
	TagTemplate *Template
	// Signals delivers the signals that stop the run (SIGINT, SIGTERM,
	// SIGHUP); the caller subscribes with signal.Notify. May be nil.
	Signals <-chan os.Signal
	// TermSeq is how jobs are ended (timeout, halt, signal); nil means
	// DefaultTermSeq.
	TermSeq []TermStep
	// Timeout ends a try that runs longer.
	Timeout Timeout
	// Retries is the most tries of a failing job, in all (0 and 1: one).
	Retries int
	// RetryDelay is the first wait before a retry; it doubles with each
	// try, with jitter, up to maxRetryDelay.
	RetryDelay time.Duration
	// Halt stops the run early when its rule trips.
	Halt HaltPolicy
	// Delay is the least time between two job starts.
	Delay time.Duration
	// Breaker, when set, pauses the run when too many jobs fail.
	Breaker *BreakerPolicy
	// Skip, when set, tells which sequence numbers not to run (--resume,
	// --shard); their numbers are used all the same.
	Skip func(seq int64) bool
	// StderrTail is how many bytes of the end of each job's stderr to keep
	// in its Status, for reports.
	StderrTail int
	// ReapOrphans makes krun the subreaper of its jobs' descendants: what
	// a job leaves behind, even outside its process group, is reaped, and
	// killed when the run ends (Linux). Only for a process whose children
	// are all jobs: the krun command, not a test.
	ReapOrphans bool
	// DirectExec runs commands that need no shell (a program and plain
	// words) without one, when the shell is dash or bash, whose behaviour
	// krun mirrors; the result is the same, minus a fork and an exec.
	DirectExec bool
	// ExtraDescriptors is how many files the sink holds open for each
	// running job (--results files), beyond its pipes: the jobs at once
	// are capped by the descriptors krun may open (descriptors.go).
	ExtraDescriptors int
	// MergeStderr gives each job one pipe for its stdout and stderr, both
	// written to its output's Stdout: for when krun's two streams are one
	// file (2>&1), so that a job's lines keep the order it wrote them in.
	MergeStderr bool
	// Guard starts a guardian (Linux) that ends the jobs' process trees
	// if krun dies without cleaning up, kill -9 included (guard_linux.go).
	// Only for the krun command, whose binary runs GuardMain.
	Guard bool
	// Shuffle starts the jobs in a random order (--shuffle). Records are
	// read ahead into a window of ShuffleWindow records (0 means
	// DefaultShuffleWindow, and at most shuffleWindowBytes of fields) and
	// a random one of the window starts next: an input no longer than the
	// window is read to its end first and shuffled uniformly; a longer
	// one is shuffled within the window, so memory stays bounded. Jobs
	// keep their input order number as Seq ({#}, the joblog's Seq).
	Shuffle       bool
	ShuffleWindow int
	// Jitter delays each job's first try by a random time in [0, Jitter),
	// drawn in start order; the job holds its slot while it waits
	// (Job.Delay). A run stopping meanwhile ends the job unstarted.
	Jitter time.Duration
	// Nice runs the jobs at another niceness (--nice); the zero Nice
	// leaves it.
	Nice Nice
	// Gate holds job starts back while the machine is busy (--load,
	// --memfree, --limit); the zero Gate starts them as slots free.
	Gate Gate
	// Hosts, when set, places each job on a host (-S): a job starts when
	// a host has a free slot, besides the limit of Jobs, and a job whose
	// host fails goes back to the queue, for another host.
	Hosts Hosts
	// Seed seeds every random choice of the run: the order of Shuffle,
	// the delays of Jitter and the jitter of RetryDelay. The same seed,
	// input and flags give the same start order and delays.
	Seed uint64
	// Confirm, when set, is asked before each job starts (xargs -p); a
	// job it declines is not run and counts as neither failed nor
	// succeeded. It is called one job at a time, and may block: a signal
	// meanwhile stops the run without waiting for it (the caller makes it
	// return, closing what it reads).
	Confirm func(job *Job) bool
	// TTY, when set, is the jobs' standard input instead of /dev/null
	// (xargs -o). With TTYForeground, each job's process group is given
	// the terminal's foreground while it runs, so that it may read it,
	// and krun's own process group takes it back when the job ends.
	TTY           *os.File
	TTYForeground bool
	// TTYOutput, with TTY, makes the jobs write their stdout and stderr
	// to the terminal directly, as an editor needs: their output is not
	// captured (no grouping, tags or saved output) and counts 0 bytes.
	TTYOutput bool
	// SlotVar, when set, names an environment variable that holds each
	// job's slot number from 0 (xargs --process-slot-var): Job.Slot-1.
	SlotVar string
}

// Streams of randomness drawn from Config.Seed: one per goroutine that
// draws, so that the draws do not depend on how goroutines interleave.
const (
	randShuffle uint64 = 0x73687566 // the input goroutine
	randJitter  uint64 = 0x6a697474 // the run loop
)

// Result sums up a run.
type Result struct {
	// Started, Failed and Succeeded count jobs; Ended counts the jobs a
	// --halt rule ended, which neither failed nor succeeded.
	Started, Failed, Succeeded, Ended int
	// LastSeq is how many input records were taken to start or to skip:
	// without Shuffle, the sequence number of the last one; the records
	// after it never started.
	LastSeq int64
	// FailedSeqs lists the sequence numbers of the first failed jobs.
	FailedSeqs []int64
	// Signal is the signal that stopped the run, or 0.
	Signal syscall.Signal
	// Halted is set when a --halt rule tripped; HaltStatus is then the
	// exit status it calls for.
	Halted     bool
	HaltStatus int
}

// maxFailedSeqs is how many failed sequence numbers a Result keeps.
const maxFailedSeqs = 10

// ExitStatus is krun's exit status for the run, as GNU parallel's: 0 when
// every job succeeded, the number of failed jobs up to 100, 101 beyond,
// what a tripped --halt rule calls for, and 128+N when signal N stopped
// the run.
func (r Result) ExitStatus() int {
	switch {
	case r.Signal != 0:
		return 128 + int(r.Signal)
	case r.Halted:
		return r.HaltStatus
	case r.Failed > 100:
		return 101
	}
	return r.Failed
}

// finished is a job's completion, sent from its goroutine to the run loop
// once its output has been handed to the sink.
type finished struct {
	job    *Job
	out    JobOutput
	status Status
	// outErr is the failure of krun's own output met by the job.
	outErr error
	// noDescriptors: the job could not start for want of file descriptors
	// and waits for another job to end.
	noDescriptors bool
	// evicted: the Gate ended the job; it waits to run again (status is
	// its try's).
	evicted bool
	// requeue: the job's host failed; it waits for a slot on another.
	requeue bool
}

// record is an item from the input goroutine: fields and their input
// order number, or the error that ended the input (io.EOF at its end).
type record struct {
	seq     int64
	fields  []string
	numbers []int // the source or column number of each field; nil: 1, 2, ...
	stdin   Stdin // the job's standard input; nil: /dev/null
	err     error
	// total is the number of records of the whole input, when the
	// templates need it ({##}, {0#}); else 0.
	total int64
}

// Run runs a job for every record of src, at most cfg.Jobs at a time, until
// the input ends, ctx is cancelled, a signal arrives or a --halt rule
// trips. It returns when every job it started has ended and its output has
// been written. The error is set when the input failed or the output could
// not be written; the Result is valid either way.
func Run(ctx context.Context, cfg Config, src RecordSource) (Result, error) {
	r := &run{
		cfg:      cfg,
		done:     make(chan finished),
		outFail:  make(chan error, 1),
		quit:     make(chan struct{}),
		starting: make(chan struct{}, maxStarting),
		ctx:      ctx,
	}
	r.admitDescriptors()
	if r.cfg.Env == nil {
		r.cfg.Env = os.Environ()
	}
	if r.cfg.TermSeq == nil {
		r.cfg.TermSeq = DefaultTermSeq
	}
	if cfg.Breaker != nil {
		r.breaker = &breaker{policy: *cfg.Breaker}
	}
	if cfg.JobsFile != nil {
		r.cfg.Jobs = cfg.JobsFile.Jobs()
	}
	if cfg.DryRun != nil {
		r.cfg.Gate = Gate{} // nothing runs: nothing to wait for
	}
	if cfg.DirectExec && cfg.Nice.Program == "" {
		r.direct = newDirectExec(r.cfg.Shell, r.cfg.Env, r.cfg.Template)
	}
	if cfg.Guard {
		var marker string
		r.guardToken, marker = newRunMarker()
		if marker != "" {
			r.cfg.Env = append(slices.Clip(r.cfg.Env), marker)
		}
	}
	r.env, r.envErr = runEnv(r.cfg.Env)
	r.env = withoutVar(r.env, cfg.SlotVar) // slotEnv sets it per job
	if cfg.Jitter > 0 {
		r.jitter = rand.New(rand.NewPCG(cfg.Seed, randJitter))
	}
	if cfg.ReapOrphans {
		becomeSubreaper()
	}
	if cfg.DryRun == nil {
		reserveThreadsUnderLimit() // jobs will count toward the process limit
	}
	defer func() {
		swept := cfg.ReapOrphans && sweepOrphans(append(r.hostPIDs(), r.guardPID())...)
		r.guard.close(swept)
	}()
	records := make(chan record)
	stopInput := make(chan struct{})
	defer close(stopInput)
	// The input goroutine may stay blocked reading a terminal or pipe after
	// Run returns; it sends nothing once stopInput is closed.
	go func() {
		var seq int64
		numbered, _ := src.(fieldNumberer)
		withStdin, _ := src.(StdinSource)
		read := func() record {
			fields, err := src.Next()
			if err != nil {
				return record{err: err}
			}
			seq++
			rec := record{seq: seq, fields: fields}
			if numbered != nil {
				rec.numbers = numbered.fieldNumbers()
			}
			if withStdin != nil {
				rec.stdin = withStdin.Stdin()
			}
			return rec
		}
		if usesTotal(cfg) {
			read = countRecords(read)
		}
		if cfg.Shuffle {
			sh := newShuffler(rand.New(rand.NewPCG(cfg.Seed, randShuffle)), cfg.ShuffleWindow, read)
			read = sh.next
		}
		for {
			rec := read()
			select {
			case records <- rec:
			case <-stopInput:
				return
			}
			if rec.err != nil {
				return
			}
		}
	}()
	return r.loop(ctx, records)
}

// run is the state of one Run. The loop goroutine owns it, except for the
// fields documented otherwise.
type run struct {
	cfg      Config
	inflight int // jobs whose finished has not arrived
	// fdCap is the most jobs at once the descriptors allow (0: no cap);
	// fdLimit the limit it comes from; fdCapSaid: the warning was given
	// (descriptors.go).
	fdCap     int
	fdLimit   uint64
	fdCapSaid bool
	// starting bounds the process starts under way at once.
	starting chan struct{}
	slots    []bool // slots[i]: slot i+1 is taken
	seq      int64  // records taken from the input, started or skipped
	total    int64  // the number of records, for {##} and {0#}; 0: not counted
	result   Result
	err      error
	stopping bool
	killAt   <-chan time.Time
	median   medianTracker
	breaker  *breaker
	// nextStart is the earliest time the next job may start (--delay).
	nextStart time.Time
	// starved are jobs that could not start for want of file descriptors;
	// retrying counts those started again and not yet ended, while which
	// no new job starts (it would take the descriptors they wait for).
	starved  []finished
	retrying int
	// direct runs simple commands without a shell; nil when off.
	direct *directExec
	// guardToken marks the jobs for the guardian, started at the first
	// job (guardOnce); guard is nil without one.
	guardToken string
	guardOnce  sync.Once
	guard      *guard
	// env is the jobs' environment but for each job's own variables
	// (runEnv); envErr, when set, keeps every job from starting.
	env    []string
	envErr error
	// jitter draws the start delays (Config.Jitter); nil when off.
	jitter *rand.Rand
	// jobsFileErr is the last problem with -j FILE, said once.
	jobsFileErr string
	// held is a record waiting for the Gate to open; requeue the jobs the
	// Gate ended, waiting to run again (they keep their slots); gateSaid
	// the kinds of holding back already said.
	held     *record
	starts   uint64 // jobs started or started again, for Job.started
	requeue  []finished
	gateSaid map[string]bool
	// rehost are jobs whose host failed, waiting for a free slot on
	// another (Config.Hosts). They count in inflight.
	rehost []finished
	// ctx is Run's context.
	ctx context.Context

	// Shared with the job goroutines:
	done    chan finished
	outFail chan error    // output failures met while jobs run
	quit    chan struct{} // closed when no new try may start
	procs   procSet
	// ttyMu orders the jobs giving the terminal back (Config.TTY).
	ttyMu sync.Mutex
	// halting is set, before quit is closed, when a --halt rule stops
	// the run.
	halting atomic.Bool
}

func (r *run) loop(ctx context.Context, records <-chan record) (Result, error) {
	inputOpen := true
	ctxDone := ctx.Done()
	var delayTimer, gateTimer <-chan time.Time
	// pending is a record read while the descriptors held its job back
	// (descriptors.go): it starts first once they allow.
	var pending *record
	for inputOpen || r.inflight > 0 || pending != nil {
		var next <-chan record
		var breakerTimer <-chan time.Time
		if r.breaker != nil {
			breakerTimer = r.breaker.reopen
		}
		gateTimer = r.gateTimer(gateTimer)
		free := r.held == nil && len(r.requeue) == 0 // nothing waits for the Gate
		startable := r.canStart() && free
		switch {
		case startable && time.Until(r.nextStart) > 0:
			if delayTimer == nil {
				delayTimer = time.After(time.Until(r.nextStart))
			}
		case startable && pending != nil:
			rec := *pending
			pending = nil
			if !r.gateOpen() {
				r.held = &rec
				continue
			}
			r.start(rec)
			continue
		case startable:
			next = records
		case free && pending == nil && inputOpen && r.heldByDescriptors():
			next = records // read ahead: is a job held back?
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
			if !startable {
				pending = &rec
				r.warnDescriptors()
				continue
			}
			if !r.gateOpen() {
				r.held = &rec
				continue
			}
			r.start(rec)
		case <-gateTimer:
			gateTimer = nil
			r.pollGate()
		case <-delayTimer:
			delayTimer = nil
		case f := <-r.done:
			r.finish(f)
		case err := <-r.outFail:
			r.fail(err)
		case sig := <-r.cfg.Signals:
			r.interrupt(sig)
		case <-r.killAt:
			r.killAt = nil
			r.procs.kill()
		case <-breakerTimer:
			r.report(EventBreaker, r.breaker.cooled())
		case <-ctxDone:
			ctxDone = nil
			r.fail(context.Cause(ctx))
		}
		if r.stopping {
			inputOpen = false
			pending = nil
			r.dropRequeued()
			r.placeRequeued() // they end, unstarted
		}
	}
	r.result.LastSeq = r.seq
	return r.result, r.err
}

// startGuard starts the guardian, once, on the run loop before the first
// job starts, while descriptors are still free; without one the run goes
// on, with a warning.
func (r *run) startGuard() {
	if !r.cfg.Guard || r.guardToken == "" {
		return
	}
	r.guardOnce.Do(func() {
		var dirs []string
		if r.cfg.Hosts != nil && r.cfg.Hosts.ScratchDir() != "" {
			dirs = append(dirs, r.cfg.Hosts.ScratchDir())
		}
		g, err := startGuard(r.guardToken, dirs)
		if err != nil {
			r.cfg.Sink.Message(fmt.Sprintf("warning: %v: if krun is killed, its jobs may outlive it", err))
			return
		}
		r.guard = g
	})
}

// guardPID is the guardian's process ID, or 0.
func (r *run) guardPID() int { return r.guard.process() }

// canStart reports whether a new job may start now.
func (r *run) canStart() bool {
	return !r.stopping && len(r.starved) == 0 && r.retrying == 0 &&
		(r.cfg.Jobs == 0 || r.inflight < r.cfg.Jobs) &&
		(r.cfg.Hosts == nil || len(r.rehost) == 0 && r.cfg.Hosts.Free()) &&
		!r.atDescriptorCap() &&
		(r.breaker == nil || r.breaker.allows())
}

// heldByDescriptors reports whether the descriptor cap is all that keeps
// a new job from starting now.
func (r *run) heldByDescriptors() bool {
	return !r.stopping && len(r.starved) == 0 && r.retrying == 0 &&
		(r.cfg.Jobs == 0 || r.inflight < r.cfg.Jobs) &&
		(r.cfg.Hosts == nil || len(r.rehost) == 0 && r.cfg.Hosts.Free()) &&
		r.atDescriptorCap() &&
		(r.breaker == nil || r.breaker.allows())
}

// start builds the job for rec (its fields numbered by input source or
// column, nil for 1, 2, ...) and starts it on a goroutine of its own.
func (r *run) start(rec record) {
	r.seq++
	r.total = rec.total
	if r.cfg.Skip != nil && r.cfg.Skip(rec.seq) {
		if rec.stdin != nil {
			rec.stdin.Close()
		}
		return
	}
	fields := rec.fields
	job := &Job{Seq: rec.seq, Args: fields, ArgNumbers: rec.numbers, Hold: r.cfg.Retries > 1 || r.cfg.Gate.evicts() || r.cfg.Hosts != nil, Stdin: rec.stdin}
	if r.cfg.Hosts != nil && r.cfg.DryRun == nil && !r.place(job) {
		r.seq--
		return
	}
	job.Slot = r.takeSlot()
	cmd, err := r.cfg.Template.Expand(Args{Fields: fields, Seq: job.Seq, Slot: job.Slot, Total: r.total, Slots: r.cfg.Jobs})
	job.Command = cmd
	if err == nil && strings.IndexByte(job.Command, 0) >= 0 {
		err = errors.New("an argument contains a NUL byte, which no command line can carry (split the input at NULs with -0)")
	}
	if r.cfg.DryRun != nil && err == nil {
		closeStdin(job)
		r.releaseSlot(job.Slot)
		if _, err := fmt.Fprintln(r.cfg.DryRun, job.Command); err != nil {
			r.fail(fmt.Errorf("write dry run: %w", err))
		}
		return
	}
	if r.cfg.Confirm != nil && err == nil && !r.confirm(job) {
		r.releaseSlot(job.Slot)
		return
	}
	r.setTag(job)
	if r.jitter != nil && err == nil {
		job.Delay = time.Duration(r.jitter.Int64N(int64(r.cfg.Jitter)))
	}
	if r.cfg.Verbose != nil && err == nil {
		line := job.Command
		if job.Tag != "" || r.cfg.Tag {
			line = job.Tag + "\t" + line // tagged like the job's lines, as GNU parallel
		}
		r.cfg.Verbose(line)
	}
	r.startGuard()
	r.starts++
	job.started = r.starts
	out := r.cfg.Sink.Begin(job)
	r.result.Started++
	r.inflight++
	if r.breaker != nil {
		r.breaker.started(job.Seq)
	}
	if r.cfg.Delay > 0 {
		r.nextStart = time.Now().Add(r.cfg.Delay)
	}
	if err != nil {
		// A job that cannot be built counts as failed, in every report.
		go r.endJob(job, out, r.notStarted(job, 1, err))
		return
	}
	go r.runJob(job, out, r.timeout())
}

// timeout is the time limit of a try starting now.
func (r *run) timeout() time.Duration {
	t := r.cfg.Timeout
	if t.Percent > 0 && r.median.count() >= minPercentJobs {
		return time.Duration(float64(r.median.median()) * t.Percent / 100)
	}
	return t.Fixed
}

// notStarted is the status of a try that could not start, and tells why.
func (r *run) notStarted(job *Job, attempt int, err error) Status {
	r.cfg.Sink.Message(fmt.Sprintf("job %d: %v", job.Seq, err))
	return Status{Exit: 126, Err: err, Start: time.Now(), Attempt: attempt}
}

// endJob hands the job's last status to its output and to the loop.
func (r *run) endJob(job *Job, out JobOutput, st Status) {
	// End may block writing output; the loop stays free for signals.
	closeStdin(job)
	err := out.End(st)
	r.done <- finished{job: job, out: out, status: st, outErr: err}
}

// setTag sets the job's tag when tagging is on.
func (r *run) setTag(job *Job) {
	switch {
	case r.cfg.TagTemplate != nil:
		job.Tag, _ = r.cfg.TagTemplate.Expand(Args{Fields: job.Args, Seq: job.Seq, Slot: job.Slot, Total: r.total, Slots: r.cfg.Jobs, Host: job.Host})
	case r.cfg.Tag:
		job.Tag = strings.Join(job.Args, " ")
	}
}

// finish records a job that ended.
func (r *run) finish(f finished) {
	if f.job.retried {
		f.job.retried = false
		r.retrying--
	}
	if f.evicted {
		r.requeued(f)
		return
	}
	if f.noDescriptors {
		r.starved = append(r.starved, f)
		if r.inflight == len(r.starved) {
			// Every job in flight was starting at once: try one alone.
			r.retryStarved()
		}
		return
	}
	if f.job.placement != nil {
		f.job.placement.Release()
		f.job.placement = nil
		if f.requeue {
			r.rehost = append(r.rehost, f)
		}
		r.placeRequeued()
		if f.requeue {
			return
		}
	}
	r.inflight--
	r.releaseSlot(f.job.Slot)
	r.terminalInterrupt(f.status)
	r.rereadJobs()
	// A job ended and freed its descriptors: try a starved one again.
	r.retryStarved()
	st := f.status
	switch {
	case st.Halted:
		r.result.Ended++
	case st.Failed():
		r.result.Failed++
		if len(r.result.FailedSeqs) < maxFailedSeqs {
			r.result.FailedSeqs = append(r.result.FailedSeqs, f.job.Seq)
		}
		if why := failureNote(st); why != "" {
			r.cfg.Sink.Message(fmt.Sprintf("job %d: %s", f.job.Seq, why))
		}
	default:
		r.result.Succeeded++
		r.median.add(st.Duration)
	}
	r.observe(Event{Kind: EventFinish, Job: f.job, Attempt: st.Attempt, Status: st})
	if r.breaker != nil {
		if msg := r.breaker.finished(f.job.Seq, st.Failed()); msg != "" {
			r.report(EventBreaker, msg)
		}
	}
	if f.outErr != nil {
		err := f.outErr
		if !isOutputError(err) {
			err = fmt.Errorf("job %d: %w", f.job.Seq, err)
		}
		r.fail(err)
	}
	r.checkHalt(st)
}

// rereadJobs takes the number of jobs from -j FILE again, when the file
// changed; a bad value keeps the last one, with a message.
func (r *run) rereadJobs() {
	if r.cfg.JobsFile == nil {
		return
	}
	n, err := r.cfg.JobsFile.Reread()
	if err != nil && err.Error() != r.jobsFileErr {
		r.jobsFileErr = err.Error()
		r.cfg.Sink.Message(fmt.Sprintf("%v; still running at most %d jobs", err, n))
	}
	if err == nil {
		r.jobsFileErr = ""
	}
	r.cfg.Jobs = n
}

// failureNote says why a job failed when the job's own output cannot:
// krun ended it, or it failed on every try. Errors of jobs that could not
// start were printed when they happened.
func failureNote(st Status) string {
	var why string
	switch {
	case st.TimedOut:
		why = "timed out after " + st.Timeout.String()
	case errors.Is(st.Err, errHeldOutput):
		why = "killed: a process it left behind still held its output"
	case st.Err != nil || st.Killed:
		return ""
	case st.Attempt > 1 && st.Signal != 0:
		why = "killed by signal " + strconv.Itoa(int(st.Signal))
	case st.Attempt > 1:
		why = "exit status " + strconv.Itoa(st.Exit)
	default:
		return ""
	}
	if st.Attempt > 1 {
		why += fmt.Sprintf("; failed after %d tries", st.Attempt)
	}
	return why
}

// retryStarved starts again the oldest job that could not start for want
// of file descriptors or processes. A job that is starved while nothing
// else runs has no hope: krun stops with a clear error. Once the run is
// stopping, the starved jobs end without running.
func (r *run) retryStarved() {
	if len(r.starved) == 0 {
		return
	}
	s := r.starved[0]
	r.starved = r.starved[1:]
	switch {
	case r.stopping:
		// As a job stopped in its --delay: ended by the halt, if one
		// stops the run, not failed.
		st := Status{Exit: 126, Err: errors.New("not started: the run was stopping"), Killed: true, Halted: r.halting.Load(), Start: time.Now(), Attempt: 1}
		go r.endJob(s.job, s.out, st)
	case s.job.starvedAlone:
		err := fmt.Errorf("job %d: cannot start: too many open files, and no running job will free any (raise ulimit -n or lower -j)", s.job.Seq)
		if errors.Is(s.job.shortage, syscall.EAGAIN) {
			err = fmt.Errorf("job %d: cannot start: no new process can be created (%w), and no running job will free one (raise ulimit -u or lower -j)", s.job.Seq, s.job.shortage)
		}
		go r.endJob(s.job, s.out, Status{Exit: 126, Err: err, Start: time.Now(), Attempt: 1})
		r.fail(err)
	default:
		s.job.starvedAlone = r.inflight == len(r.starved)+1
		s.job.retried = true
		r.retrying++
		go r.runJob(s.job, s.out, r.timeout())
	}
}

// checkHalt applies the --halt rule after a job ended with st.
func (r *run) checkHalt(st Status) {
	h := r.cfg.Halt
	done := r.result.Failed + r.result.Succeeded
	if r.result.Halted || !h.tripped(done, r.result.Failed, r.result.Succeeded) {
		return
	}
	r.result.Halted = true
	switch {
	case h.On != HaltOnFail:
		r.result.HaltStatus = min(r.result.Failed, 101)
	case h.Percent > 0:
		r.result.HaltStatus = (r.result.Failed*100 + done - 1) / done
	case h.Count == 1:
		r.result.HaltStatus = st.Exit
	default:
		r.result.HaltStatus = min(r.result.Failed, 101)
	}
	how := "starting no more jobs, waiting for the running ones"
	if h.When == HaltNow {
		how = "ending the running jobs"
	}
	r.report(EventHalt, fmt.Sprintf("halt: rule %s tripped after %d jobs (%d failed); %s", h, done, r.result.Failed, how))
	r.halting.Store(true)
	r.stopping = true
	r.closeQuit()
	if h.When == HaltNow {
		r.procs.stop(r.cfg.TermSeq, true)
	}
}

// report prints a message of krun's and records it as an event.
func (r *run) report(kind EventKind, msg string) {
	r.cfg.Sink.Message(msg)
	r.observe(Event{Kind: kind, Message: msg})
}

// observe passes e to the observer, if any.
func (r *run) observe(e Event) {
	if r.cfg.Observer != nil {
		if e.Time.IsZero() {
			e.Time = time.Now()
		}
		r.cfg.Observer.Observe(e)
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
	r.stop(r.cfg.TermSeq)
}

// interrupt handles a signal: the first one stops the run and is forwarded
// to the jobs, which then follow the termination sequence; a second one
// kills them at once.
func (r *run) interrupt(sig os.Signal) {
	s, _ := sig.(syscall.Signal)
	if r.result.Signal != 0 {
		r.procs.kill()
		return
	}
	r.result.Signal = s
	r.stop(withFirstSignal(r.cfg.TermSeq, s))
}

// stop starts no new job or try and ends the running ones by seq.
func (r *run) stop(seq []TermStep) {
	if r.stopping && r.killAt != nil {
		return // already stopping
	}
	r.stopping = true
	r.closeQuit()
	r.procs.stop(seq, false)
	// A safety net: whatever the sequence, kill what is left after it.
	var total time.Duration
	for _, s := range seq {
		total += s.Wait
	}
	r.killAt = time.After(total + time.Second)
}

// closeQuit closes quit once.
func (r *run) closeQuit() {
	select {
	case <-r.quit:
	default:
		close(r.quit)
	}
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
