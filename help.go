package main

import (
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagTopics are the topics of krun's flags, in the order --help and the
// man page show them.
var flagTopics = []string{"Input", "Running", "Output", "Job control", "Reports", "Remote", otherTopic, "Help"}

// otherTopic gathers the flags flagTopic does not know: still shown, so
// that a flag added without a topic is not lost (a test asks for one).
const otherTopic = "Other"

// flagTopic maps each flag of the root command to its topic.
var flagTopic = map[string]string{
	// Where the arguments come from and how they are cut into jobs.
	"arg-file": "Input", "null": "Input", "delimiter": "Input", "colsep": "Input",
	"trim": "Input", "link": "Input", "no-run-if-empty": "Input", "eof": "Input",
	"max-args": "Input", "context-replace": "Input", "xargs": "Input",
	"lines": "Input", "max-lines": "Input", "max-chars": "Input", "exit": "Input", "replace": "Input",
	"shard": "Input", "header": "Input", "csv": "Input", "plus": "Input",
	// One input cut into blocks, a block a job.
	"pipe": "Input", "pipepart": "Input", "block": "Input", "recend": "Input",
	"recstart": "Input", "regexp": "Input", "max-records": "Input", "round-robin": "Input",
	"cat": "Input", "fifo": "Input",
	// How and when jobs start.
	"jobs": "Running", "max-procs": "Running", "shell": "Running", "dry-run": "Running",
	"verbose": "Running", "interactive": "Running", "open-tty": "Running",
	"process-slot-var": "Running", "show-limits": "Running", "shuffle": "Running",
	"jitter": "Running", "seed": "Running", "quote": "Running", "nice": "Running",
	// Where the jobs' output goes.
	"keep-order": "Output", "group": "Output", "line-buffer": "Output", "ungroup": "Output",
	"tag": "Output", "tagstring": "Output", "color": "Output", "buffer-size": "Output",
	"tmpdir": "Output", "append": "Output", "append-stderr": "Output", "lock-file": "Output",
	"progress": "Output", "bar": "Output", "eta": "Output", "files": "Output",
	"ctag": "Output", "ctagstring": "Output", "latest-line": "Output",
	// Ending, retrying and pacing jobs.
	"timeout": "Job control", "termseq": "Job control", "retries": "Job control",
	"retry-delay": "Job control", "halt": "Job control", "delay": "Job control",
	"breaker": "Job control", "load": "Job control", "memfree": "Job control",
	"limit": "Job control",
	// Files about the run.
	"joblog": "Reports", "resume": "Reports", "resume-failed": "Reports",
	"results": "Reports", "events": "Reports", "junit": "Reports", "timeline": "Reports",
	"ci": "Reports",
	// Jobs on other machines.
	"sshlogin": "Remote", "sshloginfile": "Remote", "ssh": "Remote", "controlmaster": "Remote",
	"workdir": "Remote", "env": "Remote", "transferfile": "Remote", "transfer": "Remote",
	"return": "Remote", "cleanup": "Remote", "trc": "Remote", "basefile": "Remote",
	"help": "Help", "version": "Help",
}

// topicOf returns the topic of a flag: otherTopic when it has none.
func topicOf(name string) string {
	if t, ok := flagTopic[name]; ok {
		return t
	}
	return otherTopic
}

// flagSection is one topic of flags and its lines of --help.
type flagSection struct {
	Title string
	Flags []*pflag.Flag
	Usage string // pflag's lines for the flags, aligned across sections
}

// flagEntry matches the first line of a flag in pflag's usage text.
var flagEntry = lazyRegexp(`^ {2,6}-`)

// flagSections returns the visible flags of fs by topic, in flagTopics
// order, with their usage lines. The lines are pflag's for all the flags
// at once, so that the columns line up across the topics.
func flagSections(fs *pflag.FlagSet) []flagSection {
	all := pflag.NewFlagSet("all", pflag.ContinueOnError)
	all.SortFlags = false
	byTopic := map[string][]*pflag.Flag{}
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			byTopic[topicOf(f.Name)] = append(byTopic[topicOf(f.Name)], f)
		}
	})
	var sections []flagSection
	for _, t := range flagTopics {
		if len(byTopic[t]) == 0 {
			continue
		}
		sections = append(sections, flagSection{Title: t, Flags: byTopic[t]})
		for _, f := range byTopic[t] {
			all.AddFlag(f)
		}
	}
	// One entry per flag, in the order added: a flag line and the lines
	// of its usage that pflag continues below it.
	var entries []string
	for _, line := range strings.Split(strings.TrimRight(all.FlagUsages(), "\n"), "\n") {
		if flagEntry().MatchString(line) || len(entries) == 0 {
			entries = append(entries, line)
		} else {
			entries[len(entries)-1] += "\n" + line
		}
	}
	i := 0
	for s := range sections {
		n := min(len(sections[s].Flags), len(entries)-i)
		sections[s].Usage = strings.Join(entries[i:i+n], "\n")
		i += n
	}
	return sections
}

// groupedUsage is the flags part of --help: the root command's flags by
// topic, a subcommand's in one list as cobra shows them.
func groupedUsage(c *cobra.Command) string {
	if c.HasParent() {
		return "\n\nFlags:\n" + strings.TrimRight(c.LocalFlags().FlagUsages(), " \n")
	}
	var b strings.Builder
	for _, s := range flagSections(c.LocalFlags()) {
		b.WriteString("\n\n" + s.Title + " flags:\n" + s.Usage)
	}
	return b.String()
}

// cobraFlagsSection is the part of cobra's usage template that lists the
// local flags; setupHelp replaces it.
const cobraFlagsSection = `{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}`

var registerHelpFuncs sync.Once

// setupHelp makes root's --help list its flags by topic (flagTopics).
func setupHelp(root *cobra.Command) {
	registerHelpFuncs.Do(func() { cobra.AddTemplateFunc("krunFlagSections", groupedUsage) })
	tmpl := root.UsageTemplate()
	root.SetUsageTemplate(strings.Replace(tmpl, cobraFlagsSection, `{{if .HasAvailableLocalFlags}}{{krunFlagSections .}}{{end}}`, 1))
}
