package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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
	if err := o.validate(); err != nil {
		return usageError(err)
	}
	words, sources := splitSources(args)
	shell, err := runner.ChooseShell(o.shell, os.Getenv("SHELL"))
	if err != nil {
		return usageError(err)
	}
	tmpl, err := runner.ParseTemplate(words, runner.TemplateOptions{Replace: o.replace, Shell: shell})
	if err != nil {
		return usageError(err)
	}
	jobs, err := o.jobLimit()
	if err != nil {
		return usageError(err)
	}
	inOpt, err := o.inputOptions(sources)
	if err != nil {
		return usageError(err)
	}
	inOpt.Stdin = stdin
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
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	outOpt, err := o.outputOptions(stdout, stderr, os.Getenv)
	if err != nil {
		return usageError(err)
	}
	var tagTmpl *runner.Template
	if o.tagString != "" {
		if tagTmpl, err = runner.ParseTemplate([]string{o.tagString}, runner.TemplateOptions{Replace: o.replace, Literal: true}); err != nil {
			return usageError(fmt.Errorf("--tagstring: %w", err))
		}
	}
	// Every flag value is checked before any report file is touched.
	var control runner.Config
	if err := o.control(&control); err != nil {
		return usageError(err)
	}
	total := in.Total()
	progress := o.setupProgress(&outOpt, total)
	openCtx, interrupted := watchSignals(ctx, sigs)
	rep, sink, err := o.openReports(openCtx, outOpt)
	if sig := interrupted(); sig != nil {
		return signalExit(sig, err)
	}
	if err != nil {
		return usageError(err)
	}
	if progress != nil {
		rep.observers = append(rep.observers, progress)
		defer progress.Close()
	}
	// control holds the job-control settings; the rest is set here.
	cfg := control
	cfg.Observer = rep.observer()
	cfg.Skip = rep.skip
	cfg.Tag, cfg.TagTemplate = outOpt.Tag, tagTmpl
	cfg.Template, cfg.Jobs, cfg.Shell = tmpl, jobs, shell
	cfg.Sink = sink
	cfg.Verbose = o.verbose
	cfg.DirectExec = true
	cfg.ReapOrphans = true
	cfg.Signals = sigs
	var dry *bufio.Writer
	if o.dryRun {
		dry = bufio.NewWriterSize(stdout, 64<<10)
		cfg.DryRun = dry
	}
	batches := runner.NewBatcher(in, runner.BatchOptions{MaxArgs: o.maxArgs, Pack: o.xargs, Template: tmpl, Slots: jobs})
	if rep.junit != nil {
		cfg.StderrTail = output.JUnitTail
	}
	res, err := runner.Run(ctx, cfg, batches)
	unstarted := notStarted(res, o, total)
	rep.finish(res, unstarted)
	if line := summary(res, o, unstarted); line != "" && !errors.Is(err, syscall.EPIPE) {
		// Not after a closed stdout: the jobs krun ended are no news.
		sink.Message(line)
	}
	closeCtx, interrupted := watchSignals(ctx, sigs)
	cerr := errors.Join(sink.Close(), rep.close(closeCtx))
	if sig := interrupted(); sig != nil {
		return signalExit(sig, cerr)
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
		return &exitError{code: exitUsage, err: err}
	}
	if code := res.ExitStatus(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// watchSignals returns a context that SIGINT, SIGTERM or SIGHUP on sigs
// cancels, for the waits before and after the jobs run (the reader of a
// FIFO report); the run loop reads sigs itself. interrupted stops the
// watch and returns the signal that came, if any.
func watchSignals(parent context.Context, sigs <-chan os.Signal) (ctx context.Context, interrupted func() os.Signal) {
	ctx, cancel := context.WithCancelCause(parent)
	stop := make(chan struct{})
	got := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case sig := <-sigs:
			got <- sig
			cancel(fmt.Errorf("interrupted by %v", sig))
		case <-stop:
		}
	}()
	return ctx, func() os.Signal {
		close(stop)
		<-done
		cancel(nil)
		select {
		case sig := <-got:
			return sig
		default:
			return nil
		}
	}
}

// signalExit is krun's exit for a signal that ended a wait outside the run
// loop: 128+n, with what krun was waiting for.
func signalExit(sig os.Signal, err error) error {
	code := 128 + 15
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	return &exitError{code: code, err: err}
}
