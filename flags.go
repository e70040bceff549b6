package main

import (
	"io"

	"github.com/spf13/pflag"
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
	gnuOptsFlags
	xargsFlags
	remoteFlags
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
	fs.StringVar(&o.bufferSize, "buffer-size", "8M", "hold up to `SIZE` of waiting jobs' output in memory, then spill to $TMPDIR (K, M, G suffixes)")
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
	o.gnuOptsFlags.register(fs)
	fs.BoolVar(&o.shuffle, "shuffle", false, "start the jobs in a random order ({#} stays the input order number)")
	fs.StringVar(&o.jitter, "jitter", "", "delay each job's start by a random time from 0 up to `D`")
	fs.StringVar(&o.seed, "seed", "", "fix the randomness of --shuffle, --jitter and --retry-delay with `S` (a whole number) to replay a run; without it a seed is chosen (and printed with --shuffle or --jitter)")
	o.pipeFlags.register(fs)
	fs.StringVar(&o.chaosTrace, "chaos-trace", "", "krun chaos: trace the run in `FILE`")
	fs.BoolVar(&o.chaosSnapshots, "chaos-snapshots", false, "krun chaos: with --chaos-trace, record the files after each job")
	o.remoteFlags.register(fs)
	fs.MarkHidden("chaos-trace")
	fs.MarkHidden("chaos-snapshots")
	var notice bool
	fs.BoolVar(&notice, noticeFlag, false, "GNU parallel's notice switches (--will-cite, --no-notice, --citation, --gnu): accepted, nothing to do")
	fs.MarkHidden(noticeFlag)
	o.xargsFlags.register(fs)
}

// parseFlags parses args as the root command does, up to the first word
// that is not a flag, outside cobra (krun chaos reads its run arguments
// so, and the configuration's tests).
func parseFlags(args []string) (*options, *pflag.FlagSet, error) {
	fs := pflag.NewFlagSet("krun", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	o := &options{}
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, flagError(err)
	}
	o.noteGiven(fs)
	return o, fs, nil
}
