package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// options holds the root command's flags.
type options struct {
	jobs      string
	argFiles  []string
	null      bool
	delimiter string
	// delimiterSet, shardSet: the flag was given, even as "".
	delimiterSet bool
	shardSet     bool
	// changed reports whether a flag was given on the command line; nil
	// means none was.
	changed      func(name string) bool
	colsep       string
	trim         string
	link         bool
	maxArgs      int
	xargs        bool // -m, --xargs
	context      bool // -X
	replace      string
	skipBlank    bool
	keepOrder    bool
	group        bool
	lineBuffer   bool
	ungroup      bool
	tag          bool
	tagString    string
	color        string
	bufferSize   string
	tmpDir       string
	shell        string
	timeout      string
	termSeq      string
	retries      int
	retryDelay   string
	halt         string
	delay        string
	breaker      string
	jobLog       string
	jobLogAppend bool // --joblog +FILE
	resume       bool
	resumeFailed bool
	results      string
	events       string
	junit        string
	timeline     string
	ci           string
	shard        string
	appendOut    string
	appendErr    string
	lockFile     string
	progress     bool
	bar          bool
	eta          bool
	dryRun       bool
	verbose      bool
	shuffle      bool
	jitter       string
	seed         string
	// chaosTrace is krun chaos's hidden --chaos-trace FILE.
	chaosTrace string
	// chaosSnapshots: --chaos-trace records the files after each job.
	chaosSnapshots bool
	pipeFlags
}

// register defines the flags on fs. Names follow GNU parallel, and xargs
// where GNU parallel accepts the same spelling.
func (o *options) register(fs *pflag.FlagSet) {
	fs.SortFlags = false
	fs.SetNormalizeFunc(normalizeSpelling)
	fs.StringVarP(&o.jobs, "jobs", "j", "", "run at most `N` jobs at once: N, N% of the CPUs, +N or -N CPUs, 0 for no limit, or a file holding one, read again as jobs end (default: the number of CPUs)")
	fs.StringVarP(&o.jobs, "max-procs", "P", "", "same as --jobs (xargs spelling)")
	fs.StringArrayVarP(&o.argFiles, "arg-file", "a", nil, "read arguments from `FILE` (repeatable: one input source each)")
	fs.BoolVarP(&o.null, "null", "0", false, "input items are separated by NUL bytes (find -print0)")
	fs.StringVarP(&o.delimiter, "delimiter", "d", "", "input items are separated by `DELIM` (escapes \\n \\t \\0 \\xHH)")
	fs.StringVarP(&o.colsep, "colsep", "C", "", "split each input item into columns {1} {2} ... at matches of `REGEX`")
	fs.StringVar(&o.trim, "trim", "", "remove white space around each argument or column: `MODE` n (none), l (left), r (right) or lr (both); default: lr with --colsep, else n")
	fs.BoolVar(&o.link, "link", false, "join the input sources element by element instead of combining every one with every other; shorter ones start again")
	fs.IntVarP(&o.maxArgs, "max-args", "n", 0, "put up to `N` arguments in each command")
	fs.BoolVarP(&o.context, "context-replace", "X", false, "put as many arguments in each command as the command line allows, repeating the word around {} for each")
	fs.BoolVarP(&o.xargs, "xargs", "m", false, "put as many arguments in each command as the command line allows, all where {} stands")
	fs.StringVarP(&o.replace, "replace", "I", "", "use `STR` instead of {} for the argument (xargs -I)")
	fs.BoolVarP(&o.skipBlank, "no-run-if-empty", "r", false, "skip input items that are empty or only white space")
	fs.BoolVarP(&o.keepOrder, "keep-order", "k", false, "write the output of jobs in input order")
	fs.BoolVar(&o.group, "group", false, "write each job's stdout and stderr as one block each (the default)")
	fs.BoolVar(&o.lineBuffer, "line-buffer", false, "write each complete line as soon as it is produced; lines of jobs alternate but are never cut")
	fs.BoolVarP(&o.ungroup, "ungroup", "u", false, "pass output through as it comes: fastest, no guarantee")
	fs.BoolVar(&o.tag, "tag", false, "prefix every output line with the job's arguments and a TAB")
	fs.StringVar(&o.tagString, "tagstring", "", "prefix every output line with `STR` (replacement strings allowed) and a TAB")
	fs.StringVar(&o.color, "color", "auto", "colour tags: `auto` (on a terminal, unless NO_COLOR), always or never; --color alone is always")
	fs.Lookup("color").NoOptDefVal = "always"
	fs.StringVar(&o.bufferSize, "buffer-size", "8M", "hold up to `SIZE` of a job's output in memory, then spill to $TMPDIR (K, M, G suffixes)")
	fs.StringVar(&o.tmpDir, "tmpdir", "", "spill buffered output to `DIR` instead of $TMPDIR")
	fs.StringVar(&o.shell, "shell", "", "run commands with `PATH` -c (default: $SHELL if sh, bash, dash, ksh or ash, else /bin/sh)")
	fs.StringVar(&o.timeout, "timeout", "", "end a job that runs longer than `D` (30s, 1m, plain seconds, or N% of the median runtime)")
	fs.StringVar(&o.termSeq, "termseq", "TERM,2s,KILL", "how to end a job: signals and waits `SEQ` (GNU's TERM,200,TERM,100,KILL,25 form too)")
	fs.IntVar(&o.retries, "retries", 0, "run a failing job up to `N` times in all; only the last try's output is written")
	fs.StringVar(&o.retryDelay, "retry-delay", "0", "wait `D` before the first retry, doubling for each next one, with jitter")
	fs.StringVar(&o.halt, "halt", "never", "stop early: `RULE` is never, soon|now,fail|success|done=N|P%, or 0, 1, 2")
	fs.StringVar(&o.delay, "delay", "0", "start jobs at least `D` apart")
	fs.StringVar(&o.breaker, "breaker", "", "circuit breaker `fail=P%,window=N,cooldown=D`: pause starting jobs when too many of the last N failed")
	fs.StringVar(&o.jobLog, "joblog", "", "log each finished job to `FILE` in GNU parallel's joblog format (+FILE: append to it)")
	fs.BoolVar(&o.resume, "resume", false, "skip the jobs already in the --joblog")
	fs.BoolVar(&o.resumeFailed, "resume-failed", false, "skip the jobs in the --joblog that succeeded; run the failed ones again")
	fs.StringVar(&o.results, "results", "", "save each job's output under `DIR`/1/<argument>/ (GNU parallel's layout), DIR/{#}/, or as lines of a .json, .csv or .tsv file")
	fs.StringVar(&o.events, "events", "", "write every event as JSON Lines to `FILE` (- for stderr)")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report to `FILE`, one testcase per job")
	fs.StringVar(&o.timeline, "timeline", "", "at the end, draw the run's jobs on a time line in `FILE` (an HTML page, or SVG if FILE ends in .svg)")
	fs.StringVar(&o.ci, "ci", "auto", "CI log format: `auto` (from the environment), github, gitlab or none")
	fs.StringVar(&o.shard, "shard", "", "run only the jobs whose seq is K modulo N (`K/N`), to split one list over N machines")
	fs.StringVar(&o.appendOut, "append", "", "append each job's stdout to `FILE` as one block, under an exclusive flock (safe across processes)")
	fs.StringVar(&o.appendErr, "append-stderr", "", "append each job's stderr to `FILE` as one block, under an exclusive flock")
	fs.StringVar(&o.lockFile, "lock-file", "", "with --append: lock `PATH` instead of the file itself (to share a lock with flock(1) scripts)")
	fs.BoolVar(&o.progress, "progress", false, "show a live progress line on stderr when it is a terminal")
	fs.BoolVar(&o.bar, "bar", false, "show a live progress bar on stderr when it is a terminal")
	fs.BoolVar(&o.eta, "eta", false, "show the estimated time left on the progress line (when the job count is known)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print each command, quoted, instead of running it")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "print each command to stderr as it starts")
	fs.BoolVar(&o.shuffle, "shuffle", false, "start the jobs in a random order ({#} stays the input order number)")
	fs.StringVar(&o.jitter, "jitter", "", "delay each job's start by a random time from 0 up to `D`")
	fs.StringVar(&o.seed, "seed", "", "fix the randomness of --shuffle, --jitter and --retry-delay with `S` (a whole number) to replay a run; without it a seed is chosen (and printed with --shuffle or --jitter)")
	o.pipeFlags.register(fs)
	fs.StringVar(&o.chaosTrace, "chaos-trace", "", "krun chaos: trace the run in `FILE`")
	fs.BoolVar(&o.chaosSnapshots, "chaos-snapshots", false, "krun chaos: with --chaos-trace, record the files after each job")
	fs.MarkHidden("chaos-trace")
	fs.MarkHidden("chaos-snapshots")
	var notice bool
	fs.BoolVar(&notice, noticeFlag, false, "GNU parallel's notice switches (--will-cite, --no-notice, --citation, --gnu): accepted, nothing to do")
	fs.MarkHidden(noticeFlag)
}

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

// inputOptions builds the input configuration from the flags and sources.
func (o *options) inputOptions(sources []runner.Source) (runner.InputOptions, error) {
	var in runner.InputOptions
	for _, f := range o.argFiles {
		in.Sources = append(in.Sources, runner.Source{Path: f})
	}
	in.Sources = append(in.Sources, sources...)
	in.SkipBlank = o.skipBlank
	in.Link = o.link
	switch {
	case o.null && o.delimiterSet:
		return in, errors.New("--null and --delimiter both set the separator: use one")
	case o.null:
		in.Delimiter = "\x00"
	case o.delimiterSet:
		d, err := runner.ParseDelimiter(o.delimiter)
		if err != nil {
			return in, fmt.Errorf("--delimiter: %w", err)
		}
		in.Delimiter = d
		in.SplitValues = true // as GNU parallel: ::: values too
	}
	if o.colsep != "" {
		re, err := regexp.Compile(o.colsep)
		if err != nil {
			return in, fmt.Errorf("--colsep: %w", err)
		}
		in.ColSep = re
	}
	trim := o.trim
	if trim == "" && in.ColSep != nil {
		trim = "lr" // GNU parallel's default with --colsep
	}
	if trim != "" {
		var err error
		if in.TrimLeft, in.TrimRight, err = runner.ParseTrim(trim); err != nil {
			return in, fmt.Errorf("--trim: %w", err)
		}
	}
	return in, nil
}

// Input source separators on the command line.
const (
	sepArgs      = ":::"
	sepFiles     = "::::"
	sepLinkArgs  = ":::+"
	sepLinkFiles = "::::+"
)

// splitSources splits the positional arguments into the command template's
// words and the input sources that follow the first separator.
func splitSources(args []string) (words []string, sources []runner.Source) {
	i := 0
	for i < len(args) && !isSeparator(args[i]) {
		i++
	}
	words = args[:i]
	var sep string
	for _, a := range args[i:] {
		if isSeparator(a) {
			sep = a
			if sep == sepArgs || sep == sepLinkArgs {
				sources = append(sources, runner.Source{Values: []string{}, Linked: sep == sepLinkArgs})
			}
			continue
		}
		switch sep {
		case sepArgs, sepLinkArgs:
			last := &sources[len(sources)-1]
			last.Values = append(last.Values, a)
		case sepFiles, sepLinkFiles:
			sources = append(sources, runner.Source{Path: a, Linked: sep == sepLinkFiles})
		}
	}
	return words, sources
}

func isSeparator(s string) bool {
	return s == sepArgs || s == sepFiles || s == sepLinkArgs || s == sepLinkFiles
}

// hasStdinSource reports whether any source reads standard input.
func hasStdinSource(sources []runner.Source) bool {
	for _, s := range sources {
		if s.Path == "-" {
			return true
		}
	}
	return len(sources) == 0
}

// normalize turns GNU parallel's value forms into krun's settings:
// --joblog +FILE appends to FILE.
func (o *options) normalize() {
	if name, ok := strings.CutPrefix(o.jobLog, "+"); ok {
		o.jobLog, o.jobLogAppend = name, true
	}
}

// validate checks flag combinations that no single flag parser sees.
func (o *options) validate() error {
	given := func(name string) bool { return o.changed != nil && o.changed(name) }
	// A file flag given an empty value ("$UNSET") would silently switch
	// its feature off.
	for _, f := range []struct{ name, value string }{
		{"joblog", o.jobLog}, {"events", o.events}, {"junit", o.junit}, {"results", o.results},
		{"append", o.appendOut}, {"append-stderr", o.appendErr}, {"lock-file", o.lockFile},
		{"shell", o.shell}, {"tmpdir", o.tmpDir}, {"jobs", o.jobs}, {"max-procs", o.jobs}, {"replace", o.replace},
		{"jitter", o.jitter}, {"seed", o.seed}, {"chaos-trace", o.chaosTrace},
	} {
		if f.value == "" && given(f.name) {
			return fmt.Errorf("--%s: the value is empty", f.name)
		}
	}
	for _, f := range o.argFiles {
		if f == "" {
			return errors.New("--arg-file: the file name is empty")
		}
	}
	switch {
	case o.maxArgs < 0:
		return fmt.Errorf("--max-args: %d is negative", o.maxArgs)
	case o.maxArgs == 0 && given("max-args"):
		return errors.New("--max-args: 0 arguments per command: give 1 or more")
	case o.resume && o.resumeFailed:
		return errors.New("--resume and --resume-failed: use one (--resume-failed also skips the jobs that succeeded)")
	case (o.resume || o.resumeFailed) && o.jobLog == "":
		return errors.New("--resume and --resume-failed need --joblog FILE to know what ran")
	case o.lockFile != "" && o.appendOut == "" && o.appendErr == "":
		return errors.New("--lock-file locks the file of --append or --append-stderr: give one of them")
	case o.context && o.xargs:
		return errors.New("-X and -m (--xargs) pack arguments differently: use one (-X repeats the word around {} for each argument)")
	}
	if !slices.Contains(colorValues, o.color) {
		return fmt.Errorf("--color: invalid value %q: want auto, always or never", o.color)
	}
	if o.results != "" {
		if _, err := output.ParseResults(o.results); err != nil {
			return fmt.Errorf("--results: %w", err)
		}
	}
	if given("trim") {
		if _, _, err := runner.ParseTrim(o.trim); err != nil {
			return fmt.Errorf("--trim: %w", err)
		}
	}
	if strings.ContainsRune(o.replace, 0) {
		return errors.New("--replace: the string contains a NUL byte")
	}
	modes := 0
	for _, on := range []bool{o.group, o.lineBuffer, o.ungroup} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return errors.New("--group, --line-buffer and --ungroup are different output modes: use one")
	}
	return o.validatePipe()
}

// control fills the job-control settings of cfg from the flags.
func (o *options) control(cfg *runner.Config) error {
	var err error
	if o.timeout != "" {
		if cfg.Timeout, err = runner.ParseTimeout(o.timeout); err != nil {
			return fmt.Errorf("--timeout: %w", err)
		}
	}
	if cfg.TermSeq, err = runner.ParseTermSeq(o.termSeq); err != nil {
		return fmt.Errorf("--termseq: %w", err)
	}
	if o.retries < 0 {
		return fmt.Errorf("--retries: %d is negative", o.retries)
	}
	cfg.Retries = o.retries
	if cfg.RetryDelay, err = runner.ParseDuration(o.retryDelay); err != nil {
		return fmt.Errorf("--retry-delay: %w", err)
	}
	if cfg.Halt, err = runner.ParseHalt(o.halt); err != nil {
		return fmt.Errorf("--halt: %w", err)
	}
	if cfg.Delay, err = runner.ParseDuration(o.delay); err != nil {
		return fmt.Errorf("--delay: %w", err)
	}
	if o.breaker != "" {
		b, err := runner.ParseBreaker(o.breaker)
		if err != nil {
			return fmt.Errorf("--breaker: %w", err)
		}
		cfg.Breaker = &b
	}
	cfg.Shuffle = o.shuffle
	if o.jitter != "" {
		if cfg.Jitter, err = runner.ParseDuration(o.jitter); err != nil {
			return fmt.Errorf("--jitter: %w", err)
		}
	}
	if o.seed != "" {
		if cfg.Seed, err = parseSeed(o.seed); err != nil {
			return fmt.Errorf("--seed: %w", err)
		}
	} else {
		cfg.Seed = randomSeed()
	}
	return nil
}

// parseSeed reads a --seed value: a whole number from 0 to 2^64-1.
func parseSeed(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a whole number from 0 to %d", s, uint64(math.MaxUint64))
	}
	return n, nil
}

// randomSeed chooses a seed when --seed is not given: short enough to
// read out and type again.
func randomSeed() uint64 { return 1 + rand.Uint64N(999_999) }

// seedNotice is the line that tells the seed krun chose, when the run
// uses randomness that --seed would replay; "" when there is none to
// tell.
func (o *options) seedNotice(cfg runner.Config) string {
	if o.seed != "" || !cfg.Shuffle && cfg.Jitter == 0 {
		return ""
	}
	return fmt.Sprintf("krun: seed %d", cfg.Seed)
}

// outputOptions builds the output configuration from the flags.
func (o *options) outputOptions(stdout, stderr io.Writer, getenv func(string) string) (output.Options, error) {
	opt := output.Options{
		KeepOrder:  o.keepOrder,
		Stdout:     stdout,
		Stderr:     stderr,
		StdoutName: streamName("stdout", stdout),
		StderrName: streamName("stderr", stderr),
		TmpDir:     o.tmpDir,
		Tag:        o.tag || o.tagString != "",
	}
	switch {
	case o.lineBuffer:
		opt.Mode = output.LineBuffered
	case o.ungroup:
		opt.Mode = output.Ungrouped
	}
	size, err := output.ParseSize(o.bufferSize)
	if err != nil {
		return opt, fmt.Errorf("--buffer-size: %w", err)
	}
	opt.BufferSize = size
	if o.tmpDir != "" {
		if fi, err := os.Stat(o.tmpDir); err != nil {
			return opt, fmt.Errorf("--tmpdir: %w", err)
		} else if !fi.IsDir() {
			return opt, fmt.Errorf("--tmpdir: %s is not a directory", o.tmpDir)
		}
	}
	if opt.CI, err = output.DetectCI(o.ci, getenv); err != nil {
		return opt, fmt.Errorf("--ci: %w", err)
	}
	if resultsOnStdout(o.results) {
		opt.CI = output.CINone // stdout holds the results table only
	}
	switch o.color {
	case "always":
		opt.ColorStdout, opt.ColorStderr = true, true
	case "never":
	case "auto":
		opt.ColorStdout = autoColor(stdout, getenv)
		opt.ColorStderr = autoColor(stderr, getenv)
	default:
		return opt, fmt.Errorf("--color: invalid value %q: want auto, always or never", o.color)
	}
	return opt, nil
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
	if !o.progress && !o.bar && !o.eta || o.dryRun {
		return nil
	}
	if !isTerminal(opt.Stderr) {
		return nil
	}
	p := output.NewProgress(opt.Stderr, output.ProgressOptions{Total: total, Bar: o.bar || (o.eta && total > 0), ETA: o.eta})
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

// packs reports whether jobs get as many arguments as fit (-X, -m).
func (o *options) packs() bool { return o.xargs || o.context }

// resultsOnStdout reports whether a --results name is GNU parallel's
// "-.json", "-.csv" or "-.tsv": the table on standard output.
func resultsOnStdout(name string) bool {
	return name == "-.json" || name == "-.csv" || name == "-.tsv"
}
