// Command krun runs commands in parallel, safely: a concurrency cap, output
// that never mixes, shell-quoted arguments, process groups that die with
// their job, and an exit status that counts the failures. It is the
// replacement for "cmd & ... wait" loops in shell scripts and for xargs -P,
// with GNU parallel's command line.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/runner"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes krun with args and returns the exit status. Errors are
// printed here, once, as "krun: error: ...".
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	if len(args) == 0 && runner.IsGuardian() {
		return runner.GuardMain() // krun re-executed as a run's guardian
	}
	if err := checkStartup(); err != nil {
		fmt.Fprintln(stderr, errorLine(err))
		return exitUsage
	}
	defer startProfile(stderr)()
	defer func() {
		// A bug must not greet the user with a stack trace.
		if v := recover(); v != nil {
			fmt.Fprintln(stderr, noteLine("internal error: %v (please report it, with the command line)", v))
			code = exitUsage
		}
	}()
	root := newRootCommand(stdin, stdout, stderr)
	if !isSubcommand(root, args) {
		env, err := parallelEnvOptions(os.Getenv("PARALLEL"))
		if err != nil {
			fmt.Fprintln(stderr, errorLine(err))
			return exitUsage
		}
		if args, err = xargsSpellings(root.Flags(), append(env, args...)); err != nil {
			fmt.Fprintf(stderr, "krun: error: %v\n", err)
			return exitUsage
		}
		args = joinColorValues(root.Flags(), args)
	}
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// cobra's own errors (unknown subcommand flags and the like).
		ee = &exitError{code: exitUsage, err: err}
	}
	if ee.err != nil {
		fmt.Fprintln(stderr, errorLine(ee.err))
	}
	return ee.code
}

// newRootCommand builds the command tree.
func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	opts := &options{}
	root := &cobra.Command{
		Use:   "krun [flags] [COMMAND [ARG...]] [::: ARGS | :::: FILES]...",
		Short: "Run commands in parallel, safely",
		Long: `krun runs a command once per input, many at a time, and never lets the
output of two jobs mix. Inputs come from ::: lists, :::: files, -a files or
standard input; {} and friends in COMMAND are replaced by the input, quoted
for the shell. Without COMMAND each input is a whole command.`,
		Example: `  seq 10 | krun -k echo {}
  krun -j4 gzip {} ::: *.log
  krun echo {1} {2} ::: a b ::: 1 2
  find . -name '*.txt' -print0 | krun -0 wc -l`,
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.noteGiven(cmd.Flags())
			return runJobs(cmd.Context(), opts, args, stdin, stdout, stderr)
		},
	}
	root.Version = versionLine()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.Flags().SetInterspersed(false)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(flagError(err)) })
	opts.register(root.Flags())
	root.AddCommand(newVersionCommand(stdout))
	root.AddCommand(newAppendCommand(stdin, stderr), newLockCommand(stdin, stdout, stderr), newSemCommand(stdin, stdout, stderr))
	root.AddCommand(newTimelineCommand(stdin, stdout, stderr))
	root.AddCommand(newLintCommand(stdin, stdout, stderr))
	root.AddCommand(newChaosCommand(stdin, stdout, stderr))
	root.AddCommand(newManCommand(stdout))
	setupCompletion(root)
	setupHelp(root)
	setupValueCompletion(root)
	return root
}

// isSubcommand reports whether args call one of root's subcommands (or
// cobra's own: help, completion, __complete) rather than run jobs.
func isSubcommand(root *cobra.Command, args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, c := range root.Commands() {
		if c.Name() == args[0] || c.HasAlias(args[0]) {
			return true
		}
	}
	return args[0] == "help" || strings.HasPrefix(args[0], "__complete")
}

// lazyRegexp returns a function that compiles expr on its first call:
// the expressions of error paths, help and the man page cost nothing at
// every start of krun (which scripts pay once per line with krun append).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// badFlagValue matches pflag's message for a value it cannot parse.
var badFlagValue = lazyRegexp(`^invalid argument "(.*)" for "(?:-[^ ,]+, )?(--[^"]+)" flag: (.*)$`)

// flagError words pflag's parse errors in the user's terms: the flag and
// the value, without Go's strconv internals.
func flagError(err error) error {
	m := badFlagValue().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	why := m[3]
	switch {
	case strings.Contains(why, "strconv.ParseInt"), strings.Contains(why, "strconv.Atoi"):
		why = "not a whole number"
		if strings.Contains(m[3], "out of range") {
			why = "out of range"
		}
	case strings.Contains(why, "strconv.ParseBool"):
		why = "not true or false"
	}
	return fmt.Errorf("%s: %q: %s", m[2], m[1], why)
}
