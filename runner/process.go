package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pipeGrace is how long krun keeps reading a job's output after the job's
// shell has exited and its process group has been killed. Only a process
// that left the group (setsid) can hold the pipes that long; krun then
// stops reading rather than hang.
const pipeGrace = 2 * time.Second

// process is one running job: its shell, in a process group of its own,
// and the goroutines that copy its output.
type process struct {
	job    *Job
	child  *child
	out    JobOutput
	stdout *os.File // read ends of the job's pipes
	stderr *os.File
	// copying counts the copiers still running; the last one closes
	// copied.
	copying atomic.Int32
	copied  chan struct{}
	// copyErr is the first error writing the job's output to its sink.
	copyErr error
	errOnce sync.Once
	// onCopyErr is told of copyErr at once, so that a closed stdout stops
	// the run even while the job goes on.
	onCopyErr func(error)
	// exited is closed when the job's shell has exited.
	exited chan struct{}
	// sigMu guards reaped, set once the job's shell has been reaped: from
	// then on its process group's number may be another's, and signal
	// sends nothing.
	sigMu  sync.Mutex
	reaped bool
	// killed is set when krun ended the job (timeout, halt, signal).
	killed atomic.Bool
	// halted is set when it did so because a --halt rule tripped.
	halted atomic.Bool
	// bytes counts the output the job wrote.
	bytes atomic.Int64
	// writing counts the copiers in the middle of writing a chunk to the
	// sink: the pipes may be empty while the last chunk waits for a slow
	// stdout, and that is not a pipe held open.
	writing atomic.Int32
	// tail keeps the end of the job's stderr, for reports; nil if unused.
	tail *tailBuffer
	// reap: krun is the subreaper; reap what the job leaves behind.
	reap bool
	// evicted is set when the Gate ends the job, to run it again later.
	evicted atomic.Bool
	// control is the write end of the program's standard input when the
	// job runs on a host (program.control), and forward writes the
	// messages that signal the job there; nil otherwise. controlMu guards
	// control, closed and set to nil when the program exits.
	controlMu sync.Mutex
	control   *os.File
	forward   func(w io.Writer, sig syscall.Signal) error
	// tty is the terminal the job reads (xargs -o), or nil.
	tty *os.File
}

// program is what to execute for a job: a path and its argv, the shell
// with "-c COMMAND", or the program itself on the direct path.
type program struct {
	path string
	argv []string
	env  []string
	// stdin, when set, is the job's standard input (a terminal, xargs
	// -o); foreground gives it the terminal's foreground.
	stdin      *os.File
	foreground bool
	// output, when set, is the job's stdout and stderr (the terminal):
	// its pipes then carry nothing.
	output *os.File
	// control gives the program a pipe for its standard input, held by
	// krun (process.control), instead of /dev/null.
	control bool
}

// copyBuffers are the buffers the output copiers read into.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 256<<10)
	return &b
}}

// startProcess starts prog in a new process group, with standard input
// from stdin (nil: /dev/null) and its output copied to out. With merged, its stderr
// goes into the same pipe as its stdout, to out's stdout: one pipe keeps
// the order in which the job wrote its lines to the two.
func startProcess(prog program, job *Job, out JobOutput, onCopyErr func(error), tailSize int, merged bool, stdin *os.File) (*process, error) {
	null, err := devNull()
	if err != nil {
		return nil, err
	}
	outR, outW, err := outputPipe()
	if err != nil {
		return nil, err
	}
	errR, errW := outR, outW
	if !merged {
		if errR, errW, err = outputPipe(); err != nil {
			outR.Close()
			syscall.Close(outW)
			return nil, err
		}
	}
	var ctlR, ctlW *os.File
	if prog.control {
		if ctlR, ctlW, err = os.Pipe(); err != nil {
			outR.Close()
			syscall.Close(outW)
			if !merged {
				errR.Close()
				syscall.Close(errW)
			}
			return nil, fmt.Errorf("create control pipe: %w", err)
		}
	}
	// The child's standard input: /dev/null, or the terminal (-o), a
	// block of --pipe, or a host's control pipe; its output: the pipes,
	// or the terminal (-o on a terminal).
	attr := jobSysProcAttr()
	in := uintptr(null)
	if prog.stdin != nil {
		in = prog.stdin.Fd()
		if prog.foreground {
			attr.Foreground = true
			attr.Ctty = int(prog.stdin.Fd())
		}
	}
	if stdin != nil {
		in = stdin.Fd() // a file: the process reads it directly
	}
	if ctlR != nil {
		in = ctlR.Fd()
	}
	outFD, errFD := uintptr(outW), uintptr(errW)
	if prog.output != nil {
		outFD, errFD = prog.output.Fd(), prog.output.Fd()
	}
	c, err := spawn(prog.path, prog.argv, prog.env, []uintptr{in, outFD, errFD}, attr)
	if ctlR != nil {
		ctlR.Close()
	}
	// The child has its own copies of the write ends; closing ours lets
	// the readers see end of file when the job's processes are gone.
	syscall.Close(outW)
	if !merged {
		syscall.Close(errW)
	}
	if err != nil {
		outR.Close()
		if !merged {
			errR.Close()
		}
		if ctlW != nil {
			ctlW.Close()
		}
		return nil, err
	}
	p := &process{job: job, child: c, out: out, stdout: outR, stderr: errR, onCopyErr: onCopyErr, exited: make(chan struct{}), copied: make(chan struct{}), control: ctlW}
	p.tty = prog.stdin // the terminal (xargs -o), or nil
	var tail io.Writer
	if tailSize > 0 {
		p.tail = &tailBuffer{max: tailSize}
		tail = p.tail
	}
	if merged {
		p.copying.Store(1)
		dst := out.Stdout()
		if tail != nil {
			dst = io.MultiWriter(tail, dst)
		}
		go p.copy(dst, outR)
		return p, nil
	}
	p.copying.Store(2)
	go p.copy(out.Stdout(), outR)
	errDst := out.Stderr()
	if tail != nil {
		errDst = io.MultiWriter(tail, errDst)
	}
	go p.copy(errDst, errR)
	return p, nil
}

// outputPipe makes a pipe for a job's output: the read end in the poller,
// enlarged (growPipe), the write end a plain descriptor for the child.
func outputPipe() (r *os.File, w int, err error) {
	fds, err := cloexecPipe()
	if err != nil {
		return nil, -1, fmt.Errorf("create output pipe: %w", err)
	}
	growPipe(fds[0])
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return nil, -1, fmt.Errorf("create output pipe: %w", os.NewSyscallError("setnonblock", err))
	}
	return os.NewFile(uintptr(fds[0]), "|0"), fds[1], nil
}

// copy moves one output stream of the job to the sink. After a write error
// it keeps draining the pipe, so that the job is never blocked on output.
func (p *process) copy(dst io.Writer, src *os.File) {
	defer func() {
		if p.copying.Add(-1) == 0 {
			close(p.copied)
		}
	}()
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	// Hide src's WriteTo, which would allocate a buffer of its own for
	// every job: with thousands of short jobs that is most of krun's
	// garbage.
	n, err := io.CopyBuffer(countingWriter{dst, &p.writing}, struct{ io.Reader }{src}, *buf)
	p.bytes.Add(n)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		p.errOnce.Do(func() {
			p.copyErr = err
			p.onCopyErr(err)
		})
		io.Copy(io.Discard, src)
	}
}

// countingWriter counts, in writing, the writes under way.
type countingWriter struct {
	w       io.Writer
	writing *atomic.Int32
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.writing.Add(1)
	defer c.writing.Add(-1)
	return c.w.Write(p)
}

// terminate ends the job by seq: each step's signal to the whole process
// group, then up to the step's wait for the shell to exit.
func (p *process) terminate(seq []TermStep) {
	p.markKilled()
	for _, step := range seq {
		p.signal(step.Signal)
		select {
		case <-p.exited:
			return
		case <-time.After(step.Wait):
		}
	}
}

// markKilled records that krun ended the job.
func (p *process) markKilled() { p.killed.Store(true) }

// markHalted records that krun ends the job for a tripped --halt rule.
func (p *process) markHalted() { p.halted.Store(true) }

// signal sends sig to every process of the job's group. For a job on a
// host it sends the signal to the job's processes there, through the
// control pipe; SIGKILL also kills the local program, which ends them
// there too.
func (p *process) signal(sig syscall.Signal) {
	if p.forwardSignal(sig) && sig != syscall.SIGKILL {
		return
	}
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	if !p.reaped {
		// ESRCH only means the group is already gone.
		_ = syscall.Kill(-p.child.pid, sig)
	}
}

// forwardSignal sends sig to the job on its host, and reports whether
// the job runs on one.
func (p *process) forwardSignal(sig syscall.Signal) bool {
	if p.forward == nil {
		return false
	}
	p.controlMu.Lock()
	defer p.controlMu.Unlock()
	if p.control != nil {
		// A failure means the program is gone, which ends the job there.
		_ = p.forward(p.control, sig)
	}
	return true
}

// closeControl closes the control pipe of a job on a host.
func (p *process) closeControl() {
	p.controlMu.Lock()
	defer p.controlMu.Unlock()
	if p.control != nil {
		p.control.Close()
		p.control = nil
	}
}

// wait waits for the job's shell to exit, kills what it left behind in its
// process group, and waits for the output to be copied. It returns the
// job's exit status.
func (p *process) wait() Status {
	// The shell is left a zombie until the end: while it is one, its
	// group's number cannot be another process's, and the signals to the
	// group below (and terminate's) reach the job's processes only.
	if p.tty != nil {
		p.child.waitExitForeground(p.tty)
	} else {
		p.child.waitExit()
	}
	close(p.exited)
	p.closeControl()
	done := p.copied
	// The job is over when its shell exits. Its output is complete when
	// the pipes reach end of file; if processes it left in the background
	// still hold them, the job did not really end: they are killed and the
	// job fails, as with exec.Cmd.WaitDelay.
	held := !p.drained(done)
	// Nothing the job started may outlive it.
	p.signal(syscall.SIGKILL)
	if held && !p.drained(done) {
		// Only a process that left the group (setsid) can hold the pipes
		// now: stop reading rather than hang. The run's final sweep kills it.
		now := time.Now()
		p.stdout.SetReadDeadline(now)
		p.stderr.SetReadDeadline(now)
		<-done
	}
	p.stdout.Close()
	p.stderr.Close()
	p.sigMu.Lock()
	ws, err := p.child.reap()
	p.reaped = true
	p.sigMu.Unlock()
	if p.reap {
		// The group is not empty without its shell if the job left
		// processes in it (now killed, krun's zombies once dead). Signal
		// 0 sends nothing, should the number be another group's already.
		if syscall.Kill(-p.child.pid, 0) == nil {
			reapGroup(p.child.pid)
		}
		reapAdopted()
	}
	st := statusOf(ws, err)
	st.Killed = p.killed.Load()
	st.Halted = st.Killed && p.halted.Load()
	st.Bytes = p.bytes.Load()
	if p.tail != nil {
		st.StderrTail = p.tail.bytes()
	}
	if held && !st.Failed() {
		st.Exit = 1
		st.Err = errHeldOutput
	}
	return st
}

// errHeldOutput marks a job whose shell exited while processes it started
// still held its output open.
var errHeldOutput = fmt.Errorf("its shell exited but processes it left running still held its output %s later; they were killed", pipeGrace)

// maxDrain bounds how long krun keeps reading a job's pipes after its
// shell exited while data keeps coming.
const maxDrain = 30 * time.Second

// drained waits for the job's output to reach end of file, and reports
// whether it did. It gives up after pipeGrace with empty pipes and no
// chunk on its way to the sink: someone holds them open without writing.
// While data is still waiting in a pipe, or a chunk waits for a slow
// stdout, krun is only slow to move it, so it waits on, up to maxDrain.
func (p *process) drained(done <-chan struct{}) bool {
	deadline := time.Now().Add(maxDrain)
	for {
		select {
		case <-done:
			return true
		case <-time.After(pipeGrace):
		}
		if time.Now().After(deadline) || (pending(p.stdout) == 0 && pending(p.stderr) == 0 && p.writing.Load() == 0) {
			select {
			case <-done:
				return true
			default:
				return false
			}
		}
	}
}

// Status is how a job ended.
type Status struct {
	// Exit is the exit status of the job's shell; 128+N when the shell was
	// killed by signal N, as shells report it.
	Exit int
	// Signal is the signal that killed the job's shell, or 0.
	Signal syscall.Signal
	// Err is set when the job could not be run at all.
	Err error
	// Killed is set when krun ended the job: timeout, halt or signal.
	Killed bool
	// TimedOut is set when the job ran past --timeout.
	TimedOut bool
	// Timeout is the limit the try ran past, when TimedOut.
	Timeout time.Duration
	// Halted is set when krun ended the job because a --halt rule tripped:
	// the job neither succeeded nor failed.
	Halted bool
	// Start and Duration time the try.
	Start    time.Time
	Duration time.Duration
	// Attempt is the try, from 1.
	Attempt int
	// Bytes is how much output (stdout and stderr) the try wrote.
	Bytes int64
	// StderrTail is the end of the try's stderr, when Config.StderrTail
	// asks for it.
	StderrTail []byte
}

// Failed reports whether the job did not succeed, other than by being
// ended by a --halt rule.
func (s Status) Failed() bool { return !s.Halted && (s.Exit != 0 || s.Err != nil || s.Killed) }

// statusOf turns the result of waiting for a job's process into a Status.
func statusOf(ws syscall.WaitStatus, err error) Status {
	if err != nil {
		return Status{Exit: 1, Err: err}
	}
	if ws.Signaled() {
		return Status{Exit: 128 + int(ws.Signal()), Signal: ws.Signal()}
	}
	return Status{Exit: ws.ExitStatus()}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailBuffer) bytes() []byte { return append([]byte(nil), t.buf...) }

// jobEnv returns base with the job's sequence and slot numbers added, under
// krun's names and GNU parallel's.
func jobEnv(base []string, job *Job) []string {
	seq := strconv.FormatInt(job.Seq, 10)
	slot := strconv.Itoa(job.Slot)
	env := make([]string, len(base), len(base)+4)
	copy(env, base)
	return append(env, "KRUN_SEQ="+seq, "KRUN_SLOT="+slot, "PARALLEL_SEQ="+seq, "PARALLEL_JOBSLOT="+slot)
}
