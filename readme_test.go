package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The README's examples run as shown: a test, so that they cannot drift.
//
//   - a transcript ("$ krun ..." and the lines after it in a code block)
//     runs for real and prints exactly those lines (in any order: stdout
//     and stderr are two streams);
//   - a table example with claimed output ("`krun ...` → `a=1`, `b=2`")
//     runs for real and prints those lines;
//   - every other example command ("`krun ...`" in the text or a table)
//     is valid as written: with --dry-run added it exits 0 with no error,
//     which catches a renamed flag, a refused template or a bad value.

// readmeExample is one command the README shows.
type readmeExample struct {
	line    int
	command string
	want    []string // the lines it claims to print; nil: none claimed
}

var (
	inlineKrun = regexp.MustCompile("`(krun [^`]+)`")
	claimed    = regexp.MustCompile("`(krun [^`]+)` → (`[^`]*`(?:, `[^`]*`)*)")
	claimPart  = regexp.MustCompile("`([^`]*)`")
)

// fixtureIntro is the line before a code block that the README names as a
// file the examples use: "The classic loop, as `report.sh`:".
var fixtureIntro = regexp.MustCompile("as `([\\w.-]+)`:$")

// readmeFixtures are the files the README shows the content of, filled
// by readmeExamples.
var readmeFixtures = map[string]string{}

// readme is the README's examples, read once: the tests that use them run
// in parallel.
var readme = sync.OnceValues(func() (readmeParts, error) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		return readmeParts{}, err
	}
	var p readmeParts
	p.transcripts, p.claims, p.others = parseReadme(data)
	return p, nil
})

// readmeParts are the README's examples by kind.
type readmeParts struct{ transcripts, claims, others []readmeExample }

// readmeExamples returns the examples of the README.
func readmeExamples(t *testing.T) (transcripts, claims, others []readmeExample) {
	t.Helper()
	p, err := readme()
	if err != nil {
		t.Fatal(err)
	}
	return p.transcripts, p.claims, p.others
}

// parseReadme extracts the examples from the README, and its fixtures
// into readmeFixtures.
func parseReadme(data []byte) (transcripts, claims, others []readmeExample) {
	lines := strings.Split(string(data), "\n")
	inBlock, fixture := false, ""
	var content []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "```") {
			inBlock = !inBlock
			if !inBlock && fixture != "" {
				readmeFixtures[fixture] = strings.Join(content, "\n") + "\n"
				fixture = ""
			}
			if inBlock && i >= 2 {
				if m := fixtureIntro.FindStringSubmatch(lines[i-2]); m != nil && lines[i-1] == "" {
					fixture, content = m[1], nil
				}
			}
			continue
		}
		if inBlock {
			if fixture != "" {
				content = append(content, l)
				continue
			}
			if cmd, ok := strings.CutPrefix(l, "$ "); ok {
				ex := readmeExample{line: i + 1, command: cmd, want: []string{}}
				for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "$ ") && !strings.HasPrefix(lines[i+1], "```") {
					i++
					ex.want = append(ex.want, lines[i])
				}
				if n := len(transcripts); cmd == "echo $?" && n > 0 {
					// The status of the command before: one run.
					transcripts[n-1].command += "; echo $?"
					transcripts[n-1].want = append(transcripts[n-1].want, ex.want...)
					continue
				}
				transcripts = append(transcripts, ex)
			}
			continue
		}
		l = strings.ReplaceAll(l, `\|`, "|")
		if m := claimed.FindStringSubmatch(l); m != nil {
			ex := readmeExample{line: i + 1, command: m[1]}
			for _, p := range claimPart.FindAllStringSubmatch(m[2], -1) {
				ex.want = append(ex.want, p[1])
			}
			claims = append(claims, ex)
			l = strings.Replace(l, m[0], "", 1)
		}
		for _, m := range inlineKrun.FindAllStringSubmatch(l, -1) {
			if runnable(m[1]) {
				others = append(others, readmeExample{line: i + 1, command: m[1]})
			}
		}
	}
	return transcripts, claims, others
}

// runnable reports whether an inline example is a whole command: not a
// synopsis with placeholders, not a message of krun's, not a subcommand
// that --dry-run does not apply to.
func runnable(cmd string) bool {
	if strings.Contains(cmd, "...") || strings.ContainsAny(cmd, "[]") && strings.Contains(cmd, "FILE") {
		return false
	}
	fields := strings.Fields(cmd)
	if len(fields) < 2 {
		return false
	}
	switch fields[1] {
	case "--", "--version", "help":
		return false
	}
	if subcommands()[fields[1]] {
		return false
	}
	return !strings.ContainsAny(fields[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") // a placeholder: FILE, CMD
}

// subcommands are the names of krun's subcommands, from the command tree
// itself (built once), so that a new one needs no list updated here.
var subcommands = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	for _, c := range newRootCommand(nil, io.Discard, io.Discard).Commands() {
		names[c.Name()] = true
	}
	return names
})

// exampleDir is a directory with the files an example names: every word
// after ::::, -a or --arg-file, and every word that looks like a data file.
func exampleDir(t *testing.T, cmd string) string {
	t.Helper()
	dir := t.TempDir()
	fields := strings.Fields(cmd)
	for i, f := range fields {
		name := ""
		switch {
		case i > 0 && (fields[i-1] == "::::" || fields[i-1] == "-a" || fields[i-1] == "--arg-file"):
			name = f
		case regexp.MustCompile(`^[\w./-]+\.(txt|tsv|csv)$`).MatchString(f):
			name = f
		}
		if name == "" || strings.ContainsAny(name, "'\"$") {
			continue
		}
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte("x\ty\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runExample runs command with sh in dir; krun is on $PATH.
func runExample(t *testing.T, dir, command string, env ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(testEnv(), env...)
	cmd.Stdin = strings.NewReader("")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", command, err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"append", "lock", "sem", "version", "completion", "lint", "chaos", "timeline"} {
		if !subcommands()[name] {
			t.Fatalf("subcommand %s is missing from the command tree", name)
		}
	}
	transcripts, claims, others := readmeExamples(t)
	if len(transcripts) < 2 || len(claims) < 1 || len(others) < 40 {
		t.Fatalf("found %d transcripts, %d claims, %d examples: the extraction is broken", len(transcripts), len(claims), len(others))
	}
	for _, ex := range transcripts {
		dir := exampleDir(t, ex.command)
		for name, content := range readmeFixtures {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		stdout, stderr, _ := runExample(t, dir, ex.command, "HOME=/root")
		got := strings.Split(strings.TrimSuffix(stdout+stderr, "\n"), "\n")
		slices.Sort(got)
		want := slices.Clone(ex.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("README.md:%d: %s\nprints:\n%s%s\nthe README says:\n%s", ex.line, ex.command, stdout, stderr, strings.Join(ex.want, "\n"))
		}
	}
	for _, ex := range claims {
		stdout, stderr, code := runExample(t, exampleDir(t, ex.command), ex.command)
		got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		for _, w := range ex.want {
			if !slices.Contains(got, w) {
				t.Errorf("README.md:%d: %s prints %q (exit %d, stderr %q); the README says it prints %q", ex.line, ex.command, stdout, code, stderr, w)
			}
		}
		if code != 0 {
			t.Errorf("README.md:%d: %s exits %d: %s", ex.line, ex.command, code, stderr)
		}
	}
	for _, ex := range others {
		dry := strings.Replace(ex.command, "krun ", "krun --dry-run ", 1)
		_, stderr, code := runExample(t, exampleDir(t, ex.command), dry)
		if code != 0 || strings.Contains(stderr, "krun: error") {
			t.Errorf("README.md:%d: %s is not valid as written: with --dry-run it exits %d: %s", ex.line, ex.command, code, stderr)
		}
	}
}

// TestREADMEShellExample runs the README's --shell example for real: it
// claims to print the values that start with "a", and to succeed.
func TestREADMEShellExample(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	for _, ex := range func() []readmeExample { _, _, o := readmeExamples(t); return o }() {
		if !strings.HasPrefix(ex.command, "krun --shell bash ") {
			continue
		}
		stdout, stderr, code := runExample(t, t.TempDir(), ex.command)
		if code != 0 || stdout != "ab\n" {
			t.Errorf("README.md:%d: %s printed %q and exited %d (%s); want ab and 0", ex.line, ex.command, stdout, code, stderr)
		}
		return
	}
	t.Fatal("the README's --shell example is gone")
}
