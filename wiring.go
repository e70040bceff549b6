package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// jobLimit returns the concurrency cap: --jobs, or the number of CPUs.
// A --jobs value that is a file's name (GNU parallel's -j FILE) gives the
// file, read now and again as jobs end.
func (o *options) jobLimit() (int, *runner.JobsFile, error) {
	ncpu := runtime.NumCPU()
	if o.jobs == "" {
		return ncpu, nil, nil
	}
	n, err := runner.ParseJobs(o.jobs, ncpu)
	if err == nil {
		return n, nil, nil
	}
	if fi, serr := os.Stat(o.jobs); serr == nil && fi.Mode().IsRegular() {
		f, ferr := runner.OpenJobsFile(o.jobs, ncpu)
		if ferr != nil {
			return 0, nil, fmt.Errorf("--jobs: %w", ferr)
		}
		return f.Jobs(), f, nil
	}
	return 0, nil, fmt.Errorf("--jobs: %w (or a file holding one)", err)
}

// setStreams gives opt krun's streams, named for errors, and decides the
// colour of tags (--color auto looks at the streams and the environment).
func (o *options) setStreams(opt *output.Options, stdout, stderr io.Writer, getenv func(string) string) {
	opt.Stdout, opt.Stderr = stdout, stderr
	opt.StdoutName, opt.StderrName = streamName("stdout", stdout), streamName("stderr", stderr)
	switch o.color {
	case "always":
		opt.ColorStdout, opt.ColorStderr = true, true
	case "auto":
		opt.ColorStdout = autoColor(stdout, getenv)
		opt.ColorStderr = autoColor(stderr, getenv)
	}
}

// checkTmpDir reports whether --tmpdir names a directory.
func checkTmpDir(dir string) error {
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("--tmpdir: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("--tmpdir: %s is not a directory", dir)
	}
	return nil
}

// streamName names one of krun's streams for error messages, with the
// file it is redirected to when that is a regular file: "stdout (out.log)".
func streamName(name string, w io.Writer) string {
	f, ok := w.(*os.File)
	if !ok {
		return name
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return name
	}
	if path, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd())); err == nil {
		return name + " (" + path + ")"
	}
	return name
}

// setupProgress adds the progress line to opt when asked for and stderr is
// a terminal: krun's streams that show on that terminal are wrapped so
// that the line never cuts into them.
func (o *options) setupProgress(opt *output.Options, total int64) *output.Progress {
	if !o.progress && !o.bar && !o.eta && !o.latestLine || o.dryRun {
		return nil
	}
	if !isTerminal(opt.Stderr) {
		return nil
	}
	po := output.ProgressOptions{Total: total, Bar: o.bar || (o.eta && total > 0), ETA: o.eta}
	o.latestRows(&po, opt.Stderr)
	p := output.NewProgress(opt.Stderr, po)
	if isTerminal(opt.Stdout) {
		opt.Stdout = p.Wrap(opt.Stdout)
	}
	opt.Stderr = p.Wrap(opt.Stderr)
	return p
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// autoColor decides colour for --color auto, as most tools do: FORCE_COLOR
// turns it on, NO_COLOR or TERM=dumb off, else a terminal gets colour.
func autoColor(w io.Writer, getenv func(string) string) bool {
	if v := getenv("FORCE_COLOR"); v != "" && v != "0" {
		return true
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// launch is a run wired and ready to start: its inputs, sink and reports
// are open, and nothing has run.
type launch struct {
	cfg      *config
	runner   runner.Config // every setting of the run, job control included
	batches  *runner.Batcher
	total    int64 // the number of jobs, when the input says; -1 when not
	in       *runner.Inputs
	sink     output.Sink
	rep      *reports
	progress *output.Progress
	intr     *interrupts
	dry      *bufio.Writer // --dry-run's commands
	closeTTY func()        // -p, -o: the terminal
	// closeHosts closes the -S hosts' connections; nil before wire opens
	// them.
	closeHosts func()
}

// wire resolves what the configuration needs from the system and opens
// the inputs, the output and the reports, in that order. On error,
// everything opened is closed again; the error carries krun's exit
// status (255, or 128+n when a signal ended a wait).
func wire(ctx context.Context, cfg *config, stdin io.Reader, stdout, stderr io.Writer) (_ *launch, err error) {
	l := &launch{cfg: cfg}
	defer func() {
		if err != nil {
			l.release()
		}
	}()
	shell, err := runner.ChooseShell(cfg.shell, os.Getenv("SHELL"))
	if err != nil {
		return nil, usageError(err)
	}
	tmpl, err := runner.ParseTemplate(cfg.words, runner.TemplateOptions{Replace: cfg.replace, Shell: shell, Context: cfg.context || cfg.repeatsWords(), Quote: cfg.quote, Plus: cfg.plus})
	if err != nil {
		return nil, usageError(err)
	}
	jobs, jobsFile, err := cfg.jobLimit()
	if err != nil {
		return nil, usageError(err)
	}
	if err := checkTmpDir(cfg.tmpDir); err != nil {
		return nil, usageError(err)
	}
	inOpt := cfg.input
	inOpt.Stdin = stdin
	// Warnings about the input go to stderr while the later sources are
	// read, then through the sink, never into a job's block.
	warnings := &messages{to: lineWriter{stderr}}
	inOpt.Warn = warnings.Message
	if f, ok := stdin.(*os.File); ok && hasStdinSource(inOpt.Sources) && isatty.IsTerminal(f.Fd()) {
		// GNU parallel warns too: a forgotten ::: otherwise looks like a hang.
		fmt.Fprintln(stderr, noteLine("reading input from the terminal; end it with Ctrl-D (or give ::: ARGS, :::: FILE, -a FILE or a pipe)"))
	}
	if l.in, err = runner.OpenInputs(inOpt); err != nil {
		return nil, usageError(err)
	}
	if err := cfg.openPipe(cfg.words, cfg.input.Sources[len(cfg.argFiles):], stdin, jobs); err != nil {
		return nil, usageError(err)
	}
	// --header names the columns from the first input line: the templates
	// learn the names now.
	tagTmpl := cfg.tagTmpl
	if tmpl, tagTmpl, err = cfg.withHeader(l.in, tmpl, tagTmpl); err != nil {
		return nil, usageError(err)
	}

	// Caught, not ignored: a write to a closed stdout then fails with EPIPE
	// instead of killing krun, and the jobs still get SIGPIPE's default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	// -p and -o: the terminal, opened now.
	if l.closeTTY, err = cfg.xargsFlags.control(&cfg.control, cfg.dryRun, isTerminal(stdout) && isTerminal(stderr)); err != nil {
		return nil, usageError(err)
	}
	l.intr = watchInterrupts(ctx, stderr, termSeqTotal(cfg.control.TermSeq)+3*time.Second, os.Exit)
	if l.closeHosts, err = cfg.connectHosts(l.intr, shell, warnings.Message, stderr, &cfg.control, &jobs, &jobsFile); err != nil {
		return nil, err
	}

	outOpt := cfg.output
	cfg.setStreams(&outOpt, stdout, stderr, os.Getenv)
	if cfg.keepOrder && os.Getenv("GOMEMLIMIT") == "" {
		// -k holds a backlog: up to the memory budget of output, the rest
		// spills. Without a limit the collector lets the heap grow to twice
		// what is held; with one just above the budget, krun stays near it
		// (peak RSS measured at 20 MiB for a 128 MB or 1 GB backlog with
		// the default 8 MiB budget).
		debug.SetMemoryLimit(output.MemoryBudget(outOpt) + 4<<20)
	}
	// One memory budget and one spill file for the run, whichever sinks
	// hold its output.
	outOpt.Buffers = output.NewBuffers(outOpt)
	l.total = l.in.Total()
	l.progress = cfg.setupProgress(&outOpt, l.total)
	outOpt.Context = l.intr.hard
	l.rep, l.sink, err = cfg.openReports(l.intr.ctx, outOpt)
	if sig := l.intr.signal(); sig != nil {
		return nil, &exitError{code: signalCode(sig), err: err}
	}
	if err != nil {
		return nil, usageError(err)
	}
	l.sink = cfg.wrapSink(l.sink, cfg.tmpDir) // --files, --latest-line
	// Above every sink: the reports and modes below see only a retried
	// job's last try.
	l.sink = output.Held(l.sink, outOpt)
	if l.progress != nil {
		l.rep.observers = append(l.rep.observers, l.progress)
	}
	warnings.to = l.sink
	l.rep.observers = cfg.watchBlocks(l.rep.observers, l.sink)

	rc := cfg.control // job control; the rest is set here
	rc.Observer = l.rep.observer()
	rc.Skip = l.rep.skip
	rc.Tag, rc.TagTemplate = outOpt.Tag, tagTmpl
	rc.Template, rc.Jobs, rc.JobsFile, rc.Shell = tmpl, jobs, jobsFile, shell
	rc.Sink = wordedSink{l.sink}
	if cfg.verbose {
		rc.Verbose = l.sink.Message // the command line as it is, no prefix
	}
	if line := cfg.seedNotice(rc); line != "" {
		// Before any job: the line to replay this run by.
		l.sink.Message(line)
	}
	rc.DirectExec = true
	rc.ReapOrphans = !cfg.dryRun // a dry run starts no process to reap
	// 2>&1: one pipe per job keeps its lines in the order it wrote them;
	// not when --append takes one of the streams apart.
	rc.MergeStderr = outOpt.SameFile() && cfg.appendOut == "" && cfg.appendErr == "" && !cfg.files
	rc.Guard = !cfg.dryRun
	rc.Signals = l.intr.run
	if cfg.dryRun {
		l.dry = bufio.NewWriterSize(stdout, 64<<10)
		rc.DryRun = l.dry
	}
	if l.rep.junit != nil {
		rc.StderrTail = output.JUnitTail
	}
	if cfg.results != "" {
		rc.ExtraDescriptors = 2 // each job's two result files, open while it runs
	}
	rc.ExtraDescriptors += cfg.pipeDescriptors()
	l.runner = rc
	batchOpt := cfg.xargsFlags.batch(runner.BatchOptions{MaxArgs: cfg.maxArgs, Pack: cfg.packs(), MaxLine: runner.CommandLineLimit(os.Environ()), Template: tmpl, Slots: jobs})
	if cfg.showLimits {
		cfg.writeLimits(l.sink.Message, os.Environ(), batchOpt, jobs)
	}
	l.batches = runner.NewBatcher(cfg.xargsFlags.records(l.in), batchOpt)
	return l, nil
}

// release closes what the launch holds open besides the sink and the
// reports, which finish closes: the inputs, the progress line, the
// signal watch.
func (l *launch) release() {
	if l.closeHosts != nil {
		l.closeHosts()
	}
	if l.progress != nil {
		l.progress.Close()
	}
	if l.intr != nil {
		l.intr.stop()
	}
	if l.in != nil {
		l.in.Close()
	}
	if l.closeTTY != nil {
		l.closeTTY()
	}
	l.cfg.closePipe()
}

// termSeqTotal is how long a termination sequence may take.
func termSeqTotal(seq []runner.TermStep) time.Duration {
	var total time.Duration
	for _, s := range seq {
		total += s.Wait
	}
	return total
}
