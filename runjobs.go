package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// exitBrokenPipe is krun's exit status when its standard output is closed
// early (krun ... | head): 128+SIGPIPE, what a shell reports for a pipeline
// member killed by SIGPIPE.
const exitBrokenPipe = 128 + int(syscall.SIGPIPE)

// runJobs is the root command: it checks everything that can be checked
// before the first job starts, so that a usage error never leaves half a
// run behind, then runs the jobs.
func runJobs(ctx context.Context, o *options, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o.normalize()
	if err := o.validate(); err != nil {
		return usageError(err)
	}
	words, sources := splitSources(args)
	shell, err := runner.ChooseShell(o.shell, os.Getenv("SHELL"))
	if err != nil {
		return usageError(err)
	}
	tmpl, err := runner.ParseTemplate(words, runner.TemplateOptions{Replace: o.replace, Shell: shell, Context: o.context})
	if err != nil {
		return usageError(err)
	}
	jobs, jobsFile, err := o.jobLimit()
	if err != nil {
		return usageError(err)
	}
	inOpt, err := o.inputOptions(sources)
	if err != nil {
		return usageError(err)
	}
	inOpt.Stdin = stdin
	if err := o.openPipe(words, sources, stdin, jobs); err != nil {
		return usageError(err)
	}
	defer o.closePipe()
	// Warnings about the input go to stderr while the later sources are
	// read, then through the sink, never into a job's block.
	warnings := &messages{to: lineWriter{stderr}}
	inOpt.Warn = warnings.Message
	if f, ok := stdin.(*os.File); ok && hasStdinSource(inOpt.Sources) && isatty.IsTerminal(f.Fd()) {
		// GNU parallel warns too: a forgotten ::: otherwise looks like a hang.
		fmt.Fprintln(stderr, "krun: reading input from the terminal; end it with Ctrl-D (or give ::: ARGS, :::: FILE, -a FILE or a pipe)")
	}
	in, err := runner.OpenInputs(inOpt)
	if err != nil {
		return usageError(err)
	}
	defer in.Close()

	// Caught, not ignored: a write to a closed stdout then fails with EPIPE
	// instead of killing krun, and the jobs still get SIGPIPE's default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	if ctx == nil {
		ctx = context.Background()
	}
	var control runner.Config
	if err := o.control(&control); err != nil {
		return usageError(err)
	}
	intr := watchInterrupts(ctx, stderr, termSeqTotal(control.TermSeq)+3*time.Second, os.Exit)
	defer intr.stop()

	outOpt, err := o.outputOptions(stdout, stderr, os.Getenv)
	if err != nil {
		return usageError(err)
	}
	var tagTmpl *runner.Template
	if o.tagString != "" {
		if tagTmpl, err = runner.ParseTemplate([]string{o.tagString}, runner.TemplateOptions{Replace: o.replace, Literal: true, Context: o.context}); err != nil {
			return usageError(fmt.Errorf("--tagstring: %w", err))
		}
	}
	if o.keepOrder && os.Getenv("GOMEMLIMIT") == "" {
		// -k holds a backlog: up to the memory budget of output, the rest
		// spills. Without a limit the collector lets the heap grow to twice
		// what is held; with one just above the budget, krun stays near it
		// (peak RSS measured at 46 MB for a 128 MB or 1 GB backlog, 57 MB
		// without).
		debug.SetMemoryLimit(output.MemoryBudget(outOpt) + 4<<20)
	}
	total := in.Total()
	progress := o.setupProgress(&outOpt, total)
	outOpt.Context = intr.hard
	rep, sink, err := o.openReports(intr.ctx, outOpt)
	if sig := intr.signal(); sig != nil {
		return &exitError{code: signalCode(sig), err: err}
	}
	if err != nil {
		return usageError(err)
	}
	if progress != nil {
		rep.observers = append(rep.observers, progress)
		defer progress.Close()
	}
	warnings.to = sink
	rep.observers = o.watchBlocks(rep.observers, sink)
	// control holds the job-control settings; the rest is set here.
	cfg := control
	cfg.Observer = rep.observer()
	cfg.Skip = rep.skip
	cfg.Tag, cfg.TagTemplate = outOpt.Tag, tagTmpl
	cfg.Template, cfg.Jobs, cfg.JobsFile, cfg.Shell = tmpl, jobs, jobsFile, shell
	cfg.Sink = sink
	cfg.Verbose = o.verbose
	if line := o.seedNotice(cfg); line != "" {
		// Before any job: the line to replay this run by.
		sink.Message(line)
	}
	cfg.DirectExec = true
	cfg.ReapOrphans = true
	// 2>&1: one pipe per job keeps its lines in the order it wrote them;
	// not when --append takes one of the streams apart.
	cfg.MergeStderr = outOpt.SameFile() && o.appendOut == "" && o.appendErr == ""
	cfg.Guard = !o.dryRun
	cfg.Signals = intr.run
	var dry *bufio.Writer
	if o.dryRun {
		dry = bufio.NewWriterSize(stdout, 64<<10)
		cfg.DryRun = dry
	}
	batches := runner.NewBatcher(in, runner.BatchOptions{MaxArgs: o.maxArgs, Pack: o.packs(), MaxLine: runner.CommandLineLimit(os.Environ()), Template: tmpl, Slots: jobs})
	if rep.junit != nil {
		cfg.StderrTail = output.JUnitTail
	}
	res, err := runner.Run(ctx, cfg, o.jobSource(batches))
	unstarted := notStarted(res, o, total)
	rep.finish(res, unstarted)
	// The cause first, then the counts: a full disk before "3 of 10 jobs
	// failed". Said here, it is not said again at exit.
	causeSaid := err != nil && !errors.Is(err, syscall.EPIPE) && intr.signal() == nil
	if causeSaid {
		sink.Message("krun: error: " + err.Error())
	}
	if line := summary(res, o, unstarted); line != "" && !errors.Is(err, syscall.EPIPE) {
		// Not after a closed stdout: the jobs krun ended are no news.
		sink.Message(line)
	}
	cerr := errors.Join(sink.Close(), rep.close(intr.fresh()))
	if sig := intr.signal(); sig != nil {
		// Stopped by a signal: 128+n, whatever waits it ended (a lock,
		// the reader of a FIFO), which the error names.
		if err == nil {
			err = cerr
		}
		return &exitError{code: signalCode(sig), err: err}
	}
	if err == nil {
		err = cerr
	}
	if dry != nil && err == nil {
		if ferr := dry.Flush(); ferr != nil {
			err = &output.WriteError{Stream: "stdout", Err: ferr}
		}
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return &exitError{code: exitBrokenPipe}
		}
		if causeSaid {
			// Said above; a closing error is news only if it is another.
			if cerr != nil && !strings.Contains(cerr.Error(), err.Error()) {
				return &exitError{code: exitUsage, err: cerr}
			}
			return &exitError{code: exitUsage}
		}
		return &exitError{code: exitUsage, err: err}
	}
	if code := res.ExitStatus(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// termSeqTotal is how long a termination sequence may take.
func termSeqTotal(seq []runner.TermStep) time.Duration {
	var total time.Duration
	for _, s := range seq {
		total += s.Wait
	}
	return total
}

// messages passes krun's lines to one destination, which may change
// before the run starts (not after: it is not safe for concurrent use).
type messages struct {
	to interface{ Message(string) }
}

// Message writes line.
func (m *messages) Message(line string) { m.to.Message(line) }
