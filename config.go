package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// config is one run's settings: the flags and the command line, parsed
// and checked together with no I/O, so that a rejected invocation is
// rejected before any file is looked at, let alone touched. The wiring
// (wiring.go) then resolves what needs the system (the shell, -j FILE,
// --tmpdir, the terminal) and opens the inputs and the reports; runJobs
// runs the jobs.
type config struct {
	*options // the flags as given, normalized and validated

	words         []string             // the command template's words
	input         runner.InputOptions  // sources and parsing; Stdin and Warn are the wiring's
	control       runner.Config        // timeouts, retries, halting, delays, the breaker, randomness
	output        output.Options       // mode, order, tags, buffering, CI; the streams are the wiring's
	tagTmpl       *runner.Template     // --tagstring; nil without
	shard         *runner.Shard        // --shard; nil without
	resultsLayout output.ResultsLayout // --results: the layout its name asks for
}

// newConfig parses and checks the flags in o with the positional
// arguments args, the command and its input sources. getenv reads the
// environment (the CI system, $SHELL).
func newConfig(o *options, args []string, getenv func(string) string) (*config, error) {
	o.normalize()
	if err := o.validate(); err != nil {
		return nil, err
	}
	c := &config{options: o}
	var sources []runner.Source
	c.words, sources = splitSources(args)
	var err error
	if c.input, err = o.inputOptions(sources); err != nil {
		return nil, err
	}
	o.xargsFlags.input(&c.input)
	if err := o.control(&c.control); err != nil {
		return nil, err
	}
	if c.output, err = o.outputOptions(getenv); err != nil {
		return nil, err
	}
	if o.tagString != "" {
		if c.tagTmpl, err = runner.ParseTemplate([]string{o.tagString}, runner.TemplateOptions{Replace: o.replace, Literal: true, Context: o.context || o.repeatsWords(), Plus: o.plus, Host: o.remoteFlags.enabled()}); err != nil {
			return nil, fmt.Errorf("--tagstring: %w", err)
		}
	}
	if o.shard != "" || o.shardSet {
		sh, err := runner.ParseShard(o.shard)
		if err != nil {
			return nil, fmt.Errorf("--shard: %w", err)
		}
		c.shard = &sh
	}
	if o.results != "" {
		if c.resultsLayout, err = output.ParseResults(o.results); err != nil {
			return nil, fmt.Errorf("--results: %w", err)
		}
	}
	return c, nil
}

// envName matches a variable name the shell takes (--env,
// --process-slot-var).
var envName = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_]*$`)

// noteGiven records which flags of fs were given on the command line,
// even with an empty value.
func (o *options) noteGiven(fs *pflag.FlagSet) {
	o.changed = fs.Changed
	o.delimiterSet = fs.Changed("delimiter")
	o.shardSet = fs.Changed("shard")
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
	if o.piping() {
		return in, nil // --header and --csv are the blocks' (see flags_pipe.go)
	}
	return in, o.gnuOptsFlags.input(&in, o.colsep)
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
	o.normalizePipe()
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
		{"ssh", o.ssh}, {"workdir", o.workdir},
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
	if err := o.validateGNUOpts(given); err != nil {
		return err
	}
	if !slices.Contains(colorValues, o.color) {
		return fmt.Errorf("--color: invalid value %q: want auto, always or never", o.color)
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
	if err := o.remoteFlags.validate(); err != nil {
		return err
	}
	if err := o.xargsFlags.validate(given); err != nil {
		return err
	}
	if o.piping() && o.remoteFlags.enabled() {
		return errors.New("--pipe and --pipepart run jobs on this machine only: drop -S, or run krun --pipe on the host")
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
	if err := o.gnuOptsFlags.control(cfg); err != nil {
		return err
	}
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
	return noteLine("seed %d", cfg.Seed)
}

// outputOptions builds the output configuration from the flags: the
// mode, order, tags, buffering and CI format. krun's streams, their names
// and the colour decision are the wiring's (they look at the streams).
func (o *options) outputOptions(getenv func(string) string) (output.Options, error) {
	opt := output.Options{
		KeepOrder: o.keepOrder,
		TmpDir:    o.tmpDir,
		Tag:       o.tag || o.tagString != "",
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
	if opt.CI, err = output.DetectCI(o.ci, getenv); err != nil {
		return opt, fmt.Errorf("--ci: %w", err)
	}
	if resultsOnStdout(o.results) {
		opt.CI = output.CINone // stdout holds the results table only
	}
	return opt, nil
}

// packs reports whether jobs get as many arguments as fit (-X, -m).
func (o *options) packs() bool { return o.xargs || o.context }

// resultsOnStdout reports whether a --results name is GNU parallel's
// "-.json", "-.csv" or "-.tsv": the table on standard output.
func resultsOnStdout(name string) bool {
	return name == "-.json" || name == "-.csv" || name == "-.tsv"
}
