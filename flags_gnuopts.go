package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/runner"
)

// gnuOptsFlags are GNU parallel's everyday options that krun takes with
// the same meaning (issue 20): -q, --header, --plus, --csv, --nice,
// --load, --memfree, --limit, --files, --ctag and --latest-line.
type gnuOptsFlags struct {
	quote bool
	// header is --header's value: ":", a regular expression or a number
	// of lines (they all mean the first line without --pipe, as in GNU
	// parallel), or "0" (input files' names).
	header string
	plus   bool
	csv    bool
	nice   int
	// niceSet: --nice was given (0 is a level).
	niceSet bool
	load    string
	memfree string
	limit   string
	// procDir replaces /proc for --load and --memfree (hidden: tests).
	procDir    string
	files      bool
	ctag       bool
	ctagString string
	latestLine bool
	// latest holds the running jobs' latest lines when --latest-line
	// draws them on a terminal (set by latestRows).
	latest *output.LatestLines
}

// register defines the flags on fs.
func (g *gnuOptsFlags) register(fs *pflag.FlagSet) {
	fs.BoolVarP(&g.quote, "quote", "q", false, "make each command word one literal word: the shell does not read it again (GNU parallel's -q)")
	fs.StringVar(&g.header, "header", "", "the first input line (or first value of each ::: source) names the columns: {name} for {N}; `REGEX` is : (any value: the first line), or 0 for {file} naming a :::: FILE source; with --pipe: repeat the input's first N lines, or what REGEX matches at its start, at the top of every block")
	fs.BoolVar(&g.csv, "csv", false, "split each input line into columns by CSV's rules: quoted fields may hold commas, quotes and newlines (--colsep gives another one-character separator)")
	fs.IntVar(&g.nice, "nice", 0, "run the jobs at niceness `N` (-20 to 19; below krun's own only with privileges)")
	fs.StringVar(&g.load, "load", "", "start no job while the 1-minute load average is above `MAX` (a number, or N% of the CPUs)")
	fs.StringVar(&g.memfree, "memfree", "", "start no job while less than `SIZE` of memory is available (K, M, G, T); below half of it, end the youngest job and run it again later")
	fs.StringVar(&g.limit, "limit", "", "before each job starts, run shell `CMD`: exit 0 starts it, 1 waits, 2 also ends the youngest job to run it again later; \"load N\" and \"mem SIZE\" are built in")
	fs.StringVar(&g.procDir, "proc-dir", "", "read loadavg and meminfo in `DIR` instead of /proc (for tests)")
	fs.MarkHidden("proc-dir")
	fs.BoolVar(&g.files, "files", false, "write each job's standard output to a file of its own in --tmpdir (kept), and print the file's name instead of the output")
	fs.BoolVar(&g.ctag, "ctag", false, "same as --tag --color (GNU parallel's colour tag)")
	fs.StringVar(&g.ctagString, "ctagstring", "", "same as --tagstring `STR` --color")
	fs.BoolVar(&g.latestLine, "latest-line", false, "on a terminal, show one live line per running job with its latest output line (output as usual); elsewhere write only the last line of each job, as GNU parallel")
	fs.BoolVar(&g.plus, "plus", false, "more replacement strings: {..} {...} {/..} {/...} {+/} {+.} {+..} {+...}, {##} (number of jobs), {0#} {0%} (zero-padded {#} {%})")
}

// validate checks the flags' values and combinations.
func (g *gnuOptsFlags) validate(given func(string) bool) error {
	for _, f := range []struct{ name, value string }{{"load", g.load}, {"memfree", g.memfree}, {"limit", g.limit}, {"proc-dir", g.procDir}} {
		if f.value == "" && given(f.name) {
			return fmt.Errorf("--%s: the value is empty", f.name)
		}
	}
	if g.load != "" {
		if _, err := runner.ParseLoad(g.load, 1); err != nil {
			return fmt.Errorf("--load: %w", err)
		}
	}
	if g.memfree != "" {
		if _, err := runner.ParseMemFree(g.memfree); err != nil {
			return fmt.Errorf("--memfree: %w", err)
		}
	}
	if name, _, _ := strings.Cut(strings.TrimSpace(g.limit), " "); name == "io" {
		return errors.New("--limit: GNU parallel's \"io N\" is not built into krun (it needs iostat): give a command that exits 0, 1 or 2")
	}
	g.niceSet = given("nice")
	if g.niceSet {
		if _, err := runner.NewNice(g.nice, 0, true); err != nil {
			return fmt.Errorf("--nice: %w", err)
		}
	}
	if given("header") {
		if g.header == "" {
			return errors.New("--header: the value is empty: give : for the first line")
		}
		if _, err := g.headerMode(); err != nil {
			return err
		}
	}
	return nil
}

// headerMode is what --header takes from the input.
func (g *gnuOptsFlags) headerMode() (runner.HeaderMode, error) {
	switch {
	case g.header == "":
		return runner.NoHeader, nil
	case g.header == "0":
		return runner.HeaderPaths, nil
	case g.header == ":":
		return runner.HeaderLine, nil
	}
	if _, err := strconv.Atoi(g.header); err == nil {
		return runner.HeaderLine, nil
	}
	if _, err := regexp.Compile(g.header); err != nil {
		return runner.NoHeader, fmt.Errorf("--header: %w", err)
	}
	return runner.HeaderLine, nil
}

// input sets the input options of these flags. It runs after --colsep
// and --trim are set: --header splits at tabs when no --colsep or --csv
// is given, without trimming (GNU parallel's rule), and --csv uses the
// --colsep value as its separator.
func (g *gnuOptsFlags) input(in *runner.InputOptions, colsep string) error {
	mode, err := g.headerMode()
	if err != nil {
		return err
	}
	in.Header = mode
	if g.csv {
		if in.CSV, err = csvSeparator(colsep); err != nil {
			return err
		}
	}
	if mode == runner.HeaderLine && in.ColSep == nil && !g.csv {
		in.ColSep = regexp.MustCompile("\t")
	}
	return nil
}

// csvSeparator is the separator of --csv: --colsep's value (with the
// escapes of -d) when given, else a comma.
func csvSeparator(colsep string) (rune, error) {
	if colsep == "" {
		return ',', nil
	}
	s, err := runner.ParseDelimiter(colsep)
	if err != nil {
		return 0, fmt.Errorf("--colsep: %w", err)
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == '"' || r[0] == '\r' || r[0] == '\n' || r[0] == utf8.RuneError {
		return 0, fmt.Errorf("--csv: the separator %q must be one character, not a double quote or a line end", colsep)
	}
	return r[0], nil
}

// withHeader parses the command and --tagstring templates again with
// the column names --header read.
func (g *gnuOptsFlags) withHeader(in *runner.Inputs, tmpl, tag *runner.Template) (*runner.Template, *runner.Template, error) {
	names := in.Names()
	if names == nil {
		return tmpl, tag, nil
	}
	tmpl, err := tmpl.WithNames(names)
	if err != nil {
		return nil, nil, err
	}
	if tag != nil {
		if tag, err = tag.WithNames(names); err != nil {
			return nil, nil, fmt.Errorf("--tagstring: %w", err)
		}
	}
	return tmpl, tag, nil
}

// control sets the job-control settings of these flags.
func (g *gnuOptsFlags) control(cfg *runner.Config) error {
	var err error
	if g.load != "" {
		if cfg.Gate.MaxLoad, err = runner.ParseLoad(g.load, runtime.NumCPU()); err != nil {
			return fmt.Errorf("--load: %w", err)
		}
	}
	if g.memfree != "" {
		if cfg.Gate.MemFree, err = runner.ParseMemFree(g.memfree); err != nil {
			return fmt.Errorf("--memfree: %w", err)
		}
	}
	cfg.Gate.Limit = g.limit
	cfg.Gate.ProcDir = g.procDir
	if err := cfg.Gate.Validate(); err != nil {
		return err
	}
	if g.niceSet {
		raw, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
		if err != nil {
			return fmt.Errorf("--nice: krun's own niceness: %w", err)
		}
		// The system call gives 20 - niceness.
		if cfg.Nice, err = runner.NewNice(g.nice, 20-raw, os.Geteuid() == 0); err != nil {
			return fmt.Errorf("--nice: %w", err)
		}
	}
	return nil
}

// validateGNUOpts checks these flags, and turns --ctag and --ctagstring
// into --tag and --tagstring with --color (always, unless --color says
// otherwise).
func (o *options) validateGNUOpts(given func(string) bool) error {
	if err := o.gnuOptsFlags.validate(given); err != nil {
		return err
	}
	if given("ctagstring") && o.ctagString == "" {
		return errors.New("--ctagstring: the value is empty")
	}
	if o.ctagString != "" && o.tagString != "" {
		return errors.New("--ctagstring and --tagstring both set the tag: use one")
	}
	if o.files && o.latestLine {
		return errors.New("--files and --latest-line: use one (--files prints only file names)")
	}
	if o.ctag || o.ctagString != "" {
		o.tag = o.tag || o.ctag
		if o.ctagString != "" {
			o.tagString = o.ctagString
		}
		if !given("color") {
			o.color = "always"
		}
	}
	return nil
}

// wrapSink applies --files and --latest-line to the run's sink.
func (g *gnuOptsFlags) wrapSink(sink output.Sink, tmpDir string) output.Sink {
	switch {
	case g.files:
		return output.Files(sink, tmpDir)
	case g.latestLine && g.latest != nil:
		return output.LatestTap(sink, g.latest)
	case g.latestLine:
		return output.LatestOnly(sink)
	}
	return sink
}

// latestRows adds --latest-line's rows to the progress display on the
// terminal stderr.
func (o *options) latestRows(po *output.ProgressOptions, stderr io.Writer) {
	if !o.latestLine {
		return
	}
	o.latest = output.NewLatestLines()
	po.Rows = o.latest.Rows
	po.NoLine = !o.progress && !o.bar && !o.eta
	if f, ok := stderr.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			po.Width, po.Height = int(ws.Col), int(ws.Row)
		}
	}
}
