package main

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// helpRoot is the root command with cobra's -h and --version flags,
// which it otherwise adds when it runs.
func helpRoot(t *testing.T) (*bytes.Buffer, func(args ...string) string) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCommand(strings.NewReader(""), &out, &out)
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	return &out, func(args ...string) string {
		out.Reset()
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
}

// TestEveryFlagHasATopic: each flag krun --help shows has a topic in
// flagTopic; a new flag without one fails here (and shows under "Other
// flags" meanwhile).
func TestEveryFlagHasATopic(t *testing.T) {
	t.Parallel()
	root := newRootCommand(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	root.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && topicOf(f.Name) == otherTopic {
			t.Errorf("--%s has no topic: add it to flagTopic in help.go", f.Name)
		}
	})
	for name, topic := range flagTopic {
		if root.Flags().Lookup(name) == nil {
			t.Errorf("flagTopic names --%s, which krun does not have", name)
		}
		if !slices.Contains(flagTopics, topic) {
			t.Errorf("--%s: topic %q is not in flagTopics", name, topic)
		}
	}
}

// TestHelpGroupsFlags: --help lists the flags under their topics, in
// flagTopics order, each flag once, aligned in one column; a flag with no
// topic is under "Other flags".
func TestHelpGroupsFlags(t *testing.T) {
	t.Parallel()
	_, run := helpRoot(t)
	help := run("--help")
	var titles []string
	for _, line := range strings.Split(help, "\n") {
		if strings.HasSuffix(line, " flags:") {
			titles = append(titles, strings.TrimSuffix(line, " flags:"))
		}
	}
	// The topics of flagTopics that have flags, in its order (none are
	// remote yet).
	root := newRootCommand(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	used := map[string]bool{}
	root.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			used[topicOf(f.Name)] = true
		}
	})
	var want []string
	for _, tp := range flagTopics {
		if used[tp] {
			want = append(want, tp)
		}
	}
	if len(want) < 6 || !slices.Equal(titles, want) {
		t.Errorf("topics %q, want %q", titles, want)
	}
	section := func(title string) string {
		_, rest, _ := strings.Cut(help, "\n"+title+" flags:\n")
		s, _, _ := strings.Cut(rest, "\n\n")
		return s
	}
	for flag, title := range map[string]string{"--max-lines": "Input", "--jobs": "Running", "--keep-order": "Output", "--halt": "Job control", "--joblog": "Reports", "--help": "Help"} {
		entry := regexp.MustCompile(`(?m)^ {2,6}(-., )?` + flag + `\b`)
		if !entry.MatchString(section(title)) {
			t.Errorf("%s is not under %q flags:\n%s", flag, title, help)
		}
		if n := len(entry.FindAllString(help, -1)); n != 1 {
			t.Errorf("%s is listed %d times", flag, n)
		}
	}
	// One column for the usage texts of every topic.
	col := -1
	for _, line := range strings.Split(help, "\n") {
		if !flagEntry().MatchString(line) {
			continue
		}
		// The usage text starts after the flag, its value and spaces.
		flagPart := strings.TrimLeft(line, " ")
		gap := strings.Index(flagPart, "  ")
		i := len(line) - len(strings.TrimLeft(flagPart[gap:], " "))
		if col >= 0 && i != col {
			t.Errorf("usage text at column %d, want %d: %q", i, col, line)
		}
		col = i
	}

	var out bytes.Buffer
	root = newRootCommand(strings.NewReader(""), &out, &out)
	root.Flags().Bool("brand-new", false, "a flag nobody gave a topic")
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if _, other, ok := strings.Cut(out.String(), "\nOther flags:\n"); !ok || !strings.Contains(other, "--brand-new") {
		t.Errorf("a flag with no topic is not under Other flags:\n%s", out.String())
	}
	// Subcommands keep cobra's single list.
	if sem := run("sem", "--help"); !strings.Contains(sem, "\nFlags:\n") || strings.Contains(sem, "Input flags:") {
		t.Errorf("krun sem --help:\n%s", sem)
	}
}

// TestCompletionFlagsExist: every flag completion_values.go completes is
// one of krun's: a renamed flag would otherwise lose its completion
// silently.
func TestCompletionFlagsExist(t *testing.T) {
	t.Parallel()
	root := newRootCommand(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	names := append(append(append([]string{"shell"}, fileFlags...), dirFlags...), freeFlags...)
	for name := range fixedValues {
		names = append(names, name)
	}
	for _, name := range names {
		f := root.Flags().Lookup(name)
		if f == nil {
			t.Errorf("completion_values.go completes --%s, which krun does not have", name)
			continue
		}
		if _, ok := root.GetFlagCompletionFunc(name); !ok {
			t.Errorf("--%s has no completion function", name)
		}
	}
	for sub, flags := range subcommandValues {
		c, _, err := root.Find([]string{sub})
		if err != nil || c == root {
			t.Errorf("completion_values.go completes flags of krun %s, which does not exist", sub)
			continue
		}
		for name := range flags {
			if _, ok := c.GetFlagCompletionFunc(name); !ok {
				t.Errorf("krun %s --%s: no such flag, or no completion function", sub, name)
			}
		}
	}
}
