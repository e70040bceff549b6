package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/lint"
)

func newLintCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "lint [--format text|json|github] FILE...",
		Short: "Find the races of background jobs in shell scripts",
		Long: `krun lint reads bash or sh scripts (- for standard input) and reports the
concurrency mistakes that & invites, each with a stable code, its position
and the krun command or small change that removes it:

  KL001 shared-write       background jobs write the same file, no lock held
  KL002 read-modify-write  background jobs read a file and write it back
  KL003 unbounded-fanout   a loop starts jobs with no cap on how many run
  KL004 lost-failure       a job's exit status is never checked
  KL005 shared-tmp         jobs write the same fixed path under /tmp
  KL006 mixed-output       jobs write to the same output at once

A comment "# krun-lint disable=KL001,KL004" silences those codes on its
line, or, on a line of its own, in the statement below it. What cannot be
known without running the script (paths built at run time, eval) is at
most a note.

Exit status: 0 when there is no finding (notes do not count), 1 when there
is one, 255 for a usage error, an unreadable file or a script that does not
parse.`,
		Example: `  krun lint deploy.sh
  krun lint --format github scripts/*.sh
  curl -fsSL https://example.com/install.sh | krun lint -`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := lint.ParseFormat(format)
			if err != nil {
				return usageError(fmt.Errorf("lint: --format: %w", err))
			}
			if len(args) == 0 {
				return usageError(errors.New("lint: name a FILE to check, or - for standard input"))
			}
			return lintFiles(args, f, stdin, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "how to print findings: `text`, json (one object per line) or github (workflow annotations)")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
		[]string{string(lint.FormatText), string(lint.FormatJSON), string(lint.FormatGitHub)}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// lintFiles lints each file in turn, printing its findings, and returns
// the exit status: 255 if any file could not be read or parsed (each such
// error is printed as it happens), else 1 if any file has a finding.
func lintFiles(files []string, f lint.Format, stdin io.Reader, stdout, stderr io.Writer) error {
	failed, found := false, false
	for _, name := range files {
		findings, err := lintFile(name, stdin)
		if err != nil {
			fmt.Fprintln(stderr, errorLine(err))
			failed = true
			continue
		}
		if err := lint.Write(stdout, f, findings); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("lint: write findings: %w", err)}
		}
		for _, fd := range findings {
			if fd.Severity > lint.Note {
				found = true
			}
		}
	}
	switch {
	case failed:
		return &exitError{code: exitUsage}
	case found:
		return &exitError{code: exitFailed}
	}
	return nil
}

// lintFile lints one file, or standard input for "-".
func lintFile(name string, stdin io.Reader) ([]lint.Finding, error) {
	if name == "-" {
		return lint.Lint("<stdin>", stdin)
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", name)
	}
	return lint.Lint(name, file)
}
