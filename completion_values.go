package main

import (
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
)

// Value completions of the root command's flags, for every shell cobra
// writes a script for: a fixed set where there is one, file or directory
// names for the flags that name one, nothing for free-form values (no
// file names offered for --timeout).
var (
	// fixedValues are the values of flags with a fixed set, each with a
	// description (cobra's "value\tdescription").
	fixedValues = map[string][]string{
		"halt": {
			"never\tdo not stop early (the default)",
			"soon,fail=1\tstart no new job after the first failure; let the running ones end",
			"now,fail=1\tend every running job at the first failure",
			"soon,success=1\tstart no new job after the first success",
			"now,success=1\tend every running job at the first success",
			"now,done=1\tend every running job when the first one ends",
			"soon,fail=10%\tstop starting jobs when 10% have failed",
		},
		"ci": {
			"auto\tfrom the environment (GITHUB_ACTIONS, GITLAB_CI)",
			"github\tGitHub Actions log groups and annotations",
			"gitlab\tGitLab CI collapsible sections",
			"none\tplain output",
		},
		"color": {
			"auto\ton a terminal, unless NO_COLOR",
			"always\talways colour the tags",
			"never\tnever colour the tags",
		},
		"termseq": {
			"TERM,2s,KILL\tSIGTERM, 2 s later SIGKILL (the default)",
			"INT,2s,TERM,2s,KILL\tSIGINT first, as Ctrl-C would",
			"TERM,200,TERM,100,KILL,25\tGNU parallel's default, in milliseconds",
			"KILL\tSIGKILL at once",
		},
		"trim": {
			"n\tno trimming",
			"l\ttrim the left",
			"r\ttrim the right",
			"lr\ttrim both sides",
		},
	}
	// fileFlags name a file (or a directory, for --results): complete
	// file names.
	fileFlags = []string{"arg-file", "joblog", "results", "events", "junit", "timeline", "append", "append-stderr", "lock-file"}
	// dirFlags name a directory.
	dirFlags = []string{"tmpdir"}
	// freeFlags take a value that is no file name and has no fixed set.
	freeFlags = []string{
		"delimiter", "colsep", "max-args", "replace", "tagstring", "buffer-size",
		"timeout", "retries", "retry-delay", "delay", "breaker", "shard", "jitter", "seed",
		"lines", "max-lines", "max-chars", "eof", "process-slot-var",
	}
)

// shellValues are the shells --shell completes: those krun takes from
// $SHELL, and zsh, found on $PATH.
func shellValues() []string {
	var found []string
	for _, s := range []string{"sh", "bash", "dash", "ksh", "ash", "zsh"} {
		if _, err := exec.LookPath(s); err == nil {
			found = append(found, s)
		}
	}
	return found
}

// setupValueCompletion registers the value completions of root's flags.
// A flag named here that root does not have is skipped (a test checks
// that each one exists).
func setupValueCompletion(root *cobra.Command) {
	register := func(name string, f cobra.CompletionFunc) {
		if root.Flags().Lookup(name) != nil {
			_ = root.RegisterFlagCompletionFunc(name, f)
		}
	}
	for name, values := range fixedValues {
		register(name, func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return withPrefix(values, prefix), cobra.ShellCompDirectiveNoFileComp
		})
	}
	register("shell", func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return withPrefix(shellValues(), prefix), cobra.ShellCompDirectiveNoFileComp
	})
	for _, name := range fileFlags {
		register(name, cobra.FixedCompletions(nil, cobra.ShellCompDirectiveDefault))
	}
	for _, name := range dirFlags {
		register(name, cobra.FixedCompletions(nil, cobra.ShellCompDirectiveFilterDirs))
	}
	for _, name := range freeFlags {
		register(name, cobra.NoFileCompletions)
	}
	// The subcommands' fixed sets.
	for _, c := range root.Commands() {
		for name, values := range subcommandValues[c.Name()] {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
					return withPrefix(values, prefix), cobra.ShellCompDirectiveNoFileComp
				})
			}
		}
	}
}

// subcommandValues are the fixed sets of the subcommands' flags, by
// subcommand and flag (krun lint --format registers its own).
var subcommandValues = map[string]map[string][]string{
	"timeline": {"format": {
		"html\tan HTML page",
		"svg\tan SVG picture",
	}},
}

// withPrefix returns the completions whose value (before the TAB of its
// description) starts with prefix.
func withPrefix(values []cobra.Completion, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, v := range values {
		if value, _, _ := strings.Cut(v, "\t"); strings.HasPrefix(value, prefix) {
			out = append(out, v)
		}
	}
	return out
}
