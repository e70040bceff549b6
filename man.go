package main

//go:generate sh -c "go run . man > krun.1"

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newManCommand builds "krun man": the manual page, in roff, written from
// the command definitions: the same text, flags and topics as --help.
// krun.1 in the repository is its output (go generate), kept current by a
// test.
//
// A small writer of our own rather than cobra/doc: that package pulls in
// a Markdown renderer and a YAML library (go-md2man, blackfriday,
// yaml.v3) for the one page krun needs, and its pages list the flags
// unsorted by topic, unlike --help.
func newManCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "Print krun's manual page (roff): krun man > krun.1; man ./krun.1",
		Long: `krun man prints krun's manual page in roff, made from the same
definitions as --help: install it with
krun man > /usr/local/share/man/man1/krun.1, or read it with
krun man | man -l -.`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := io.WriteString(stdout, manPage(cmd.Root())); err != nil {
				return fmt.Errorf("write the manual page: %w", err)
			}
			return nil
		},
	}
}

// manPage renders root and its subcommands as a roff manual page.
func manPage(root *cobra.Command) string {
	// As when krun runs: every command has -h (the page is the same
	// whichever command printed it), the root --version too.
	var initHelp func(c *cobra.Command)
	initHelp = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		for _, sub := range c.Commands() {
			initHelp(sub)
		}
	}
	initHelp(root)
	root.InitDefaultVersionFlag()
	var b strings.Builder
	name := root.Name()
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"%s\" \"User Commands\"\n", strings.ToUpper(name), name)
	b.WriteString(".SH NAME\n")
	fmt.Fprintf(&b, "%s \\- %s\n", name, roffText(root.Short))
	b.WriteString(".SH SYNOPSIS\n")
	writeSynopsis(&b, root)
	b.WriteString(".SH DESCRIPTION\n")
	writeParagraphs(&b, root.Long)
	b.WriteString(".SH OPTIONS\n")
	for _, s := range flagSections(root.LocalFlags()) {
		fmt.Fprintf(&b, ".SS %s\n", roffText(s.Title))
		writeFlagEntries(&b, s.Usage)
	}
	if root.HasExample() {
		b.WriteString(".SH EXAMPLES\n")
		writeLiteral(&b, root.Example)
	}
	b.WriteString(".SH COMMANDS\n")
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.Name() == "help" {
			continue
		}
		fmt.Fprintf(&b, ".SS %s\n", roffText(c.CommandPath()))
		writeSynopsis(&b, c)
		long := c.Long
		if long == "" {
			long = c.Short
		}
		writeParagraphs(&b, long)
		if c.HasExample() {
			b.WriteString(".PP\nExamples:\n")
			writeLiteral(&b, c.Example)
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(sub.CommandPath()), roffText(sub.Short))
			}
		}
		// Each command's -h is said once, in the root's options.
		flags := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
		flags.SortFlags = false
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" {
				flags.AddFlag(f)
			}
		})
		writeFlagEntries(&b, strings.TrimRight(flags.FlagUsages(), " \n"))
	}
	b.WriteString(".SH EXIT STATUS\n")
	writeParagraphs(&b, `0 when every job succeeded; else the number of failed jobs, up to 100,
and 101 for more; what a --halt rule calls for; 128+N when signal N stopped
the run; 255 for a usage error, when no job was started.`)
	b.WriteString(".SH ENVIRONMENT\n")
	for _, e := range manEnvironment {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(e[0]), roffLine(e[1]))
	}
	b.WriteString(".SH SEE ALSO\n")
	b.WriteString(".BR parallel (1),\n.BR xargs (1),\n.BR flock (1)\n")
	return b.String()
}

// writeSynopsis writes c's usage line: its name in bold, the rest as text.
func writeSynopsis(b *strings.Builder, c *cobra.Command) {
	path, rest, _ := strings.Cut(c.UseLine(), " ")
	if strings.HasPrefix(rest, c.Name()+" ") || rest == c.Name() {
		// A subcommand: "krun lock [...]".
		path += " " + c.Name()
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, c.Name()), " ")
	}
	fmt.Fprintf(b, ".B %s\n", roffText(path))
	if rest != "" {
		b.WriteString(roffLine(rest) + "\n")
	}
	b.WriteString(".PP\n")
}

// writeParagraphs writes text whose paragraphs are separated by blank
// lines; a paragraph whose lines are indented is shown as it is.
func writeParagraphs(b *strings.Builder, text string) {
	for i, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		if strings.HasPrefix(p, " ") || strings.HasPrefix(p, "\t") {
			writeLiteral(b, p)
			continue
		}
		for _, line := range strings.Split(p, "\n") {
			b.WriteString(roffLine(line) + "\n")
		}
	}
}

// writeLiteral writes text as lines kept as they are (no filling).
func writeLiteral(b *strings.Builder, text string) {
	b.WriteString(".PP\n.nf\n.RS 4\n")
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(roffLine(strings.TrimPrefix(line, "  ")) + "\n")
	}
	b.WriteString(".RE\n.fi\n")
}

// flagUsageLine splits one flag of pflag's usage text into the flag with
// its value ("-j, --jobs N") and the text after it.
var flagUsageLine = lazyRegexp(`^ +(-\S.*?)(?: {2,}|\t)(.*)$`)

// writeFlagEntries writes pflag's usage lines as tagged paragraphs: the
// flags in bold, their value in italics, then the text. The lines are
// pflag's, as --help prints them, so that the two say the same.
func writeFlagEntries(b *strings.Builder, usage string) {
	for _, line := range strings.Split(usage, "\n") {
		m := flagUsageLine().FindStringSubmatch(line)
		if m == nil {
			// A line pflag continued below the last flag's text.
			if t := strings.TrimSpace(line); t != "" {
				b.WriteString(roffLine(t) + "\n")
			}
			continue
		}
		b.WriteString(".TP\n" + roffFlag(m[1]) + "\n" + roffLine(m[2]) + "\n")
	}
}

// roffFlag writes "-j, --jobs N" with the flags in bold, the value in
// italics.
func roffFlag(s string) string {
	var parts []string
	for _, w := range strings.Split(s, " ") {
		comma := strings.HasSuffix(w, ",")
		w = strings.TrimSuffix(w, ",")
		var p string
		if strings.HasPrefix(w, "-") {
			name, opt, hasOpt := strings.Cut(w, "[=") // --color[="always"]
			p = `\fB` + roffText(name) + `\fR`
			if hasOpt {
				p += `[=\fI` + roffText(strings.TrimSuffix(opt, "]")) + `\fR]`
			}
		} else {
			p = `\fI` + roffText(w) + `\fR`
		}
		if comma {
			p += ","
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// roffLine is roffText for a whole line: a line starting with . or ' is
// not taken for a request.
func roffLine(s string) string {
	t := roffText(s)
	if strings.HasPrefix(t, ".") || strings.HasPrefix(t, "'") {
		t = `\&` + t
	}
	return t
}

// roffText escapes text for roff: backslashes, and minus signs, which
// roff would print as hyphens (wrong in options to copy).
func roffText(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// manEnvironment are the variables krun reads, and those it sets for each
// job, for the ENVIRONMENT section.
var manEnvironment = [][2]string{
	{"PARALLEL", "options read before the command line, as GNU parallel does: options and their values only, nothing expanded"},
	{"SHELL", "the shell that runs the commands when it is sh, bash, dash, ksh or ash (else /bin/sh; see --shell)"},
	{"TMPDIR", "where output beyond --buffer-size spills (see --tmpdir)"},
	{"NO_COLOR, FORCE_COLOR, TERM", "colour of the tags with --color auto: FORCE_COLOR turns it on, NO_COLOR or TERM=dumb off"},
	{"GITHUB_ACTIONS, GITLAB_CI", "--ci auto's CI log format"},
	{"KRUN_SEQ, KRUN_SLOT, PARALLEL_SEQ, PARALLEL_JOBSLOT", "set in each job's environment: its sequence number and slot, under krun's names and GNU parallel's"},
}
