package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/runner"
)

// xargsFlags are GNU xargs' options that GNU parallel shares: -L, -s, -x,
// -E, -p, -o, --show-limits and --process-slot-var. -t, -i[STR], -l[N]
// and -e[STR] are spelled by xargsSpellings as krun's flags.
type xargsFlags struct {
	lines       int    // -L, --lines
	maxLines    int    // -l, --max-lines
	maxChars    int    // -s, --max-chars
	exitTooLong bool   // -x, --exit
	eof         string // -E, -e, --eof
	interactive bool   // -p, --interactive
	openTTY     bool   // -o, --open-tty
	showLimits  bool   // --show-limits
	slotVar     string // --process-slot-var
}

// register defines the flags on fs.
func (x *xargsFlags) register(fs *pflag.FlagSet) {
	fs.IntVarP(&x.lines, "lines", "L", 0, "put `N` non-blank input lines in each command, each one argument, the word around {} repeated for each as with -X unless -m (GNU parallel's -L); a line ending in a blank goes on with the next")
	fs.IntVar(&x.maxLines, "max-lines", 0, "put `N` non-blank input lines in each command, all where {} stands, as with -m (-l[N] too; GNU parallel's -l)")
	fs.IntVarP(&x.maxChars, "max-chars", "s", 0, "build command lines of at most `SIZE` bytes, with a terminating NUL as xargs counts; a single longer one stops the run")
	fs.BoolVarP(&x.exitTooLong, "exit", "x", false, "stop the run when -n's arguments make a command line longer than -s, instead of running fewer at a time")
	fs.StringVarP(&x.eof, "eof", "E", "", "end each input source before the first item that is `STR` (-eSTR, --eof=STR too)")
	fs.BoolVarP(&x.interactive, "interactive", "p", false, "ask on the terminal before each job; y or Y runs it")
	fs.BoolVarP(&x.openTTY, "open-tty", "o", false, "jobs read the terminal instead of /dev/null, have its foreground while they run, and write to it directly when krun's output is the terminal (interactive programs, with -j1)")
	fs.BoolVar(&x.showLimits, "show-limits", false, "print the command-line limits on stderr, then run")
	fs.StringVar(&x.slotVar, "process-slot-var", "", "set the environment variable `VAR` to each job's slot number, from 0")
	if f := fs.Lookup("verbose"); f != nil {
		f.Usage += " (-t too, as xargs)"
	}
	gnu := fs.GetNormalizeFunc()
	fs.SetNormalizeFunc(func(fs *pflag.FlagSet, name string) pflag.NormalizedName {
		if primary, ok := xargsLongSpellings[name]; ok {
			return pflag.NormalizedName(primary)
		}
		return gnu(fs, name)
	})
}

// xargsLongSpellings are GNU parallel's other spellings of these flags.
var xargsLongSpellings = map[string]string{
	"maxlines":       "max-lines",
	"maxchars":       "max-chars",
	"showlimits":     "show-limits",
	"processslotvar": "process-slot-var",
}

// validate checks the flags; given tells which were set on the command
// line.
func (x *xargsFlags) validate(given func(string) bool) error {
	for _, f := range []struct {
		name, spelled string
		n             int
	}{{"lines", "-L (--lines)", x.lines}, {"max-lines", "-l (--max-lines)", x.maxLines}} {
		switch {
		case f.n < 0:
			return fmt.Errorf("--%s: %d is negative", f.name, f.n)
		case f.n == 0 && given(f.name):
			return fmt.Errorf("--%s: 0 lines per command: give 1 or more", f.name)
		case f.n > 0 && given("max-args"):
			return fmt.Errorf("%s and -n (--max-args) both say how many inputs go in each command: use one", f.spelled)
		}
	}
	switch {
	case x.lines > 0 && x.maxLines > 0:
		return errors.New("-L (--lines) and -l (--max-lines) both say how many lines go in each command: use one (-L repeats the word around {} for each line)")
	case x.maxChars < 0:
		return fmt.Errorf("--max-chars: %d is negative", x.maxChars)
	case x.maxChars < 2 && given("max-chars"):
		return fmt.Errorf("--max-chars: %d bytes leave no room for a command", x.maxChars)
	case given("process-slot-var") && !envName().MatchString(x.slotVar):
		return fmt.Errorf("--process-slot-var: %q is not a variable name (letters, digits and _, not starting with a digit)", x.slotVar)
	}
	return nil
}

// input sets the input options of the flags.
func (x *xargsFlags) input(in *runner.InputOptions) { in.EOF = x.eof }

// perCommand is the number of lines per command of -L or -l; 0 without.
func (x *xargsFlags) perCommand() int { return max(x.lines, x.maxLines) }

// repeatsWords reports whether -L repeats the word around {} for each
// line, as GNU parallel's -L does (it implies -X), unless -m (xargs) is
// given; -l does not.
func (o *options) repeatsWords() bool { return o.lines > 0 && !o.xargs }

// records returns the record source of the run: with -L or -l, the
// logical lines of src.
func (x *xargsFlags) records(src runner.RecordSource) runner.RecordSource {
	if x.perCommand() > 0 {
		return runner.NewLineJoiner(src)
	}
	return src
}

// batch sets the batch options of the flags: -L's count, -s's limit and
// whether it is checked (-s, -x).
func (x *xargsFlags) batch(b runner.BatchOptions) runner.BatchOptions {
	if n := x.perCommand(); n > 0 {
		b.MaxArgs = n
	}
	if x.maxChars > 0 {
		b.MaxLine = min(b.MaxLine, x.maxChars-1) // xargs counts the NUL
	}
	b.Check = x.maxChars > 0 || x.exitTooLong
	b.Exit = x.exitTooLong
	return b
}

// control opens the terminal for -p and -o and sets the job settings of
// the flags in cfg; a dry run runs nothing, so needs no terminal. The
// returned function closes the terminal. Called before any file is opened
// for writing: a terminal that cannot be opened is a usage error.
//
// With -o, when krun's stdout and stderr are terminals (outputOnTTY), the
// jobs write to the terminal directly, as xargs' children do: an editor
// needs it.
func (x *xargsFlags) control(cfg *runner.Config, dryRun, outputOnTTY bool) (closeTTY func(), err error) {
	cfg.SlotVar = x.slotVar
	closeTTY = func() {}
	if !x.interactive && !x.openTTY || dryRun {
		return closeTTY, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		flag := "--interactive"
		if !x.interactive {
			flag = "--open-tty"
		}
		return closeTTY, fmt.Errorf("%s needs a terminal: %w", flag, err)
	}
	closeTTY = func() { tty.Close() }
	if x.openTTY {
		cfg.TTY = tty
		cfg.TTYForeground = runner.ForegroundOf(tty)
		cfg.TTYOutput = outputOnTTY
	}
	if x.interactive {
		cfg.Confirm = confirmer(tty, tty)
	}
	return closeTTY, nil
}

// confirmer returns the question of -p: the command, " ?..." on the
// terminal w, and a line read from r, yes when it starts with y or Y (after
// blanks, as GNU parallel). The end of r, or an error, is a no.
func confirmer(w io.Writer, r io.Reader) func(*runner.Job) bool {
	in := bufio.NewReader(r)
	return func(job *runner.Job) bool {
		fmt.Fprintf(w, "%s ?...", job.Command)
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(w)
			return false
		}
		answer := strings.TrimLeft(line, " \t")
		return strings.HasPrefix(answer, "y") || strings.HasPrefix(answer, "Y")
	}
}

// writeLimits prints --show-limits: the kernel's limits on a command, what
// krun builds within them, and the size in use.
func (x *xargsFlags) writeLimits(say func(line string), env []string, b runner.BatchOptions, jobs int) {
	envSize := 0
	for _, kv := range env {
		envSize += len(kv) + 1
	}
	j := strconv.Itoa(jobs)
	if jobs == 0 {
		j = "no limit"
	}
	say(fmt.Sprintf("krun: your environment variables take up %d bytes", envSize))
	say(fmt.Sprintf("krun: upper limit on the arguments and environment of a command (ARG_MAX): %d bytes", runner.ArgMax()))
	say(fmt.Sprintf("krun: upper limit on one argument, the \"sh -c\" command line (MAX_ARG_STRLEN): %d bytes", runner.MaxArgLen))
	say(fmt.Sprintf("krun: longest command line this environment leaves room for: %d bytes", runner.CommandLineLimit(env)+1))
	say(fmt.Sprintf("krun: size of command line in use (-s, with its NUL): %d bytes", b.MaxLine+1))
	say("krun: jobs at once (-j): " + j)
}

// xargsOptional are the flags that GNU xargs spells with an optional
// value: -i[STR] and --replace[=STR], -l[N] and --max-lines[=N], -e[STR]
// and --eof[=STR]. GNU parallel spells them too, but takes the next word
// as the value where xargs takes it as the command.
var xargsOptional = map[byte]optionalValue{
	'i': {long: "replace", alone: "{}", what: "the replacement string", krunWay: "-I %[1]s, or -I {} %[1]s"},
	'l': {long: "max-lines", alone: "1", what: "the number of lines", numeric: true, krunWay: "-l%[1]s, or -l1 %[1]s"},
	'e': {long: "eof", alone: "", what: "the end-of-input string", krunWay: "-E %[1]s, or leave -e out"},
}

// optionalValue describes one of xargsOptional.
type optionalValue struct {
	long  string // krun's flag
	alone string // the value when none is attached
	what  string // what GNU parallel takes the next word for
	// numeric: GNU parallel takes the next word only when it is a number.
	numeric bool
	// krunWay is how to write each meaning, with the next word for %[1]s.
	krunWay string
}

// value is the flag's value when it stands alone, as spelled, followed
// by next (the rest of the command line): its default when next starts
// with another flag, "--", a separator or nothing, and an error when GNU
// parallel and xargs would read next differently.
func (v optionalValue) value(spelled string, next []string) (string, error) {
	if len(next) == 0 || strings.HasPrefix(next[0], "-") && next[0] != "-" || isSeparator(next[0]) {
		return v.alone, nil
	}
	w := next[0]
	if v.numeric {
		if _, err := strconv.ParseFloat(w, 64); err != nil {
			return v.alone, nil // not GNU parallel's value either
		}
	}
	return "", fmt.Errorf("%s %s: GNU parallel takes %q as %s, xargs as the command: write %s", spelled, w, w, v.what, fmt.Sprintf(v.krunWay, w))
}

// xargsSpellings rewrites, among krun's flags at the start of args, GNU
// xargs' spellings that pflag cannot read: -t (xargs' -v) becomes -v, and
// -i[STR], -l[N], -e[STR] and their long forms without "=" become
// --replace=STR, --max-lines=N and --eof=STR. It stops at the first word
// that is not a flag, or after "--".
func xargsSpellings(fs *pflag.FlagSet, args []string) ([]string, error) {
	var out []string
	i := 0
	for i < len(args) {
		a := args[i]
		switch {
		case a == "--" || len(a) < 2 || a[0] != '-':
			return append(out, args[i:]...), nil
		case a[1] == '-':
			i++
			name, _, hasValue := strings.Cut(a[2:], "=")
			long := string(fs.GetNormalizeFunc()(fs, name))
			if !hasValue {
				if v, ok := optionalByLong(long); ok {
					val, err := v.value(a, args[i:])
					if err != nil {
						return nil, err
					}
					out = append(out, "--"+long+"="+val)
					continue
				}
			}
			out = append(out, a)
			f := fs.Lookup(name)
			// A value in the next word; "--color never" too (see
			// joinColorValues).
			if !hasValue && f != nil && i < len(args) && (takesValue(f) || long == "color" && slices.Contains(colorValues, args[i])) {
				out = append(out, args[i])
				i++
			}
		default:
			i++
			words, takesNext, err := rewriteCluster(fs, a, args[i:])
			if err != nil {
				return nil, err
			}
			out = append(out, words...)
			if takesNext && i < len(args) {
				out = append(out, args[i])
				i++
			}
		}
	}
	return out, nil
}

// rewriteCluster rewrites one word of short flags, a, followed by next:
// the words it becomes, and whether the next word is the value of its
// last flag.
func rewriteCluster(fs *pflag.FlagSet, a string, next []string) (words []string, takesNext bool, err error) {
	kept := []byte{'-'}
	for j := 1; j < len(a); j++ {
		c := a[j]
		if c == 't' {
			kept = append(kept, 'v')
			continue
		}
		if v, ok := xargsOptional[c]; ok {
			val := a[j+1:]
			if val == "" {
				if val, err = v.value("-"+string(c), next); err != nil {
					return nil, false, err
				}
			}
			if len(kept) > 1 {
				words = append(words, string(kept))
			}
			return append(words, "--"+v.long+"="+val), false, nil
		}
		f := fs.ShorthandLookup(a[j : j+1])
		if f == nil || takesValue(f) {
			// A value attached, or none and the next word; an unknown
			// flag is left to the parser to report.
			kept = append(kept, a[j:]...)
			takesNext = f != nil && j == len(a)-1
			break
		}
		kept = append(kept, c)
	}
	if len(kept) > 1 {
		words = append(words, string(kept))
	}
	return words, takesNext, nil
}

// optionalByLong returns the xargsOptional flag named long.
func optionalByLong(long string) (optionalValue, bool) {
	for _, v := range xargsOptional {
		if v.long == long {
			return v, true
		}
	}
	return optionalValue{}, false
}
