package main

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestManPageIsCurrent: krun.1 is what krun man prints now. After a change
// to a flag or a command, regenerate it with "go generate" (or
// "go run . man > krun.1").
func TestManPageIsCurrent(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("krun.1")
	if err != nil {
		t.Fatal(err)
	}
	got := manPage(newRootCommand(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("krun.1 is out of date (run go generate): line %d is\n%s\nwant\n%s", i+1, wl[i], gl[i])
			}
		}
		t.Fatalf("krun.1 is out of date (run go generate): %d lines, want %d", len(wl), len(gl))
	}
}

// TestManPageMatchesHelp: the man page's options are --help's: the same
// topics in the same order, the same flags under each.
func TestManPageMatchesHelp(t *testing.T) {
	t.Parallel()
	_, run := helpRoot(t)
	help := run("--help")
	page := run("man")
	var helpTopics []string
	helpFlags := map[string][]string{}
	topic := ""
	longFlag := regexp.MustCompile(`--[a-z][a-z-]*`)
	for _, line := range strings.Split(help, "\n") {
		switch {
		case strings.HasSuffix(line, " flags:"):
			topic = strings.TrimSuffix(line, " flags:")
			helpTopics = append(helpTopics, topic)
		case line == "":
			topic = ""
		case topic != "" && flagEntry().MatchString(line):
			helpFlags[topic] = append(helpFlags[topic], longFlag.FindString(line))
		}
	}
	options, _, _ := strings.Cut(page[strings.Index(page, ".SH OPTIONS\n"):], "\n.SH EXAMPLES")
	var manTopics []string
	manFlags := map[string][]string{}
	lines := strings.Split(options, "\n")
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, ".SS "):
			topic = strings.TrimPrefix(line, ".SS ")
			manTopics = append(manTopics, topic)
		case line == ".TP" && i+1 < len(lines):
			name := longFlag.FindString(strings.ReplaceAll(lines[i+1], `\-`, "-"))
			manFlags[topic] = append(manFlags[topic], name)
		}
	}
	if !slices.Equal(manTopics, helpTopics) {
		t.Fatalf("man page topics %q, --help's %q", manTopics, helpTopics)
	}
	for _, tp := range helpTopics {
		if !slices.Equal(manFlags[tp], helpFlags[tp]) {
			t.Errorf("%s: man page flags %q, --help's %q", tp, manFlags[tp], helpFlags[tp])
		}
	}
	// Only requests the page means to use: a text line starting with "."
	// or "'" would be taken for one.
	known := regexp.MustCompile(`^\.(TH|SH|SS|TP|PP|B|BR|nf|fi|RS|RE)( |$)`)
	for i, line := range strings.Split(page, "\n") {
		if (strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'")) && !known.MatchString(line) {
			t.Errorf("line %d: %q is not a request the page uses", i+1, line)
		}
	}
}
