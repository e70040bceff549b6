package runner

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// captureSink keeps each job's output and status, for tests.
type captureSink struct {
	mu   sync.Mutex
	jobs map[int64]*capturedJob
}

type capturedJob struct {
	stdout, stderr bytes.Buffer
	status         Status
}

func (c *captureSink) Begin(job *Job) JobOutput {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jobs == nil {
		c.jobs = map[int64]*capturedJob{}
	}
	j := &capturedJob{}
	c.jobs[job.Seq] = j
	return j
}

func (c *captureSink) Message(string) {}

func (j *capturedJob) Stdout() io.Writer { return &j.stdout }
func (j *capturedJob) Stderr() io.Writer { return &j.stderr }
func (j *capturedJob) Discard()          { j.stdout.Reset(); j.stderr.Reset() }
func (j *capturedJob) End(st Status) error {
	j.status = st
	return nil
}

// runCaptured runs template over args with or without the direct path.
func runCaptured(t *testing.T, shell, dir string, words []string, args []string, direct bool) *captureSink {
	t.Helper()
	tmpl, err := ParseTemplate(words, TemplateOptions{})
	if err != nil {
		t.Fatalf("%q: %v", words, err)
	}
	in, err := OpenInputs(InputOptions{Sources: []Source{{Values: args}}})
	if err != nil {
		t.Fatal(err)
	}
	sink := &captureSink{}
	env := append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	cfg := Config{Template: tmpl, Jobs: 2, Shell: shell, Sink: sink, DirectExec: direct, Env: env}
	if direct {
		// The test's point is lost if the fast path is never taken.
		if d := newDirectExec(shell, env, tmpl); d == nil {
			t.Fatalf("%s: no direct path", shell)
		}
	}
	if _, err := Run(context.Background(), cfg, in); err != nil {
		t.Fatal(err)
	}
	return sink
}

// normalise sorts the lines of env's output, whose order is the shell's
// choice, and drops variables the test's own PATH edit makes differ.
func normalise(words []string, out string) string {
	if words[0] != "env" && !strings.HasPrefix(words[0], "env ") {
		return out
	}
	lines := strings.Split(out, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestDirectExecMatchesShell runs a corpus of templates and hostile
// arguments through the shell and through the direct path, with dash and
// with bash, and demands the same stdout, stderr, exit status and signal.
func TestDirectExecMatchesShell(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A script without #!: exec fails with ENOEXEC, shells run it with sh.
	os.WriteFile(filepath.Join(dir, "noshebang"), []byte("echo no shebang: \"$@\"\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "notexec"), []byte("#!/bin/sh\necho hi\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "killself"), []byte("#!/bin/sh\nkill -TERM $$\n"), 0o755)
	templates := [][]string{
		{"echo"}, {"echo", "{}"}, {"echo", `"x{}y"`}, {"printf", `'[%s]\n'`, "{}", "'a b'"},
		{"env"}, {"true"}, {"false", "{}"}, {"true", "--help"}, {"nosuchprog", "{}"},
		{"noshebang", "{}"}, {"notexec"}, {"./nosuch", "{}"}, {"killself"}, {"cat", "{}"},
		{"ls", "-d", "{}"}, {"sh", "-c", `'exit 3'`}, {"test", "-n", "{}"}, {"echo", "-n", "{}"},
		{"printf", "%s\\\\n", "{}"}, {"echo", "a\\", "b"}, {`"echo"`, "{}"}, {"e'ch'o", "{}"},
		{"echo", "#"}, {"echo", "\\"}, {"printf", "'<%s>'"}, {"ls", "-d"}, {"env", "-u", "HOME"},
	}
	args := []string{"plain", "a b", "it's", "$(touch pwned)", "`id`", "*", "-n", "", "\\t", "x\ny", "--help", "é", "~"}
	shells := []string{"/bin/sh"}
	if bash, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, bash)
	}
	for _, shell := range shells {
		if newDirectExec(shell, nil, nil) == nil {
			t.Fatalf("%s is not mirrored: the test would prove nothing", shell)
		}
		for _, words := range templates {
			viaShell := runCaptured(t, shell, dir, words, args, false)
			direct := runCaptured(t, shell, dir, words, args, true)
			for seq, want := range viaShell.jobs {
				got := direct.jobs[seq]
				arg := args[seq-1]
				if normalise(words, got.stdout.String()) != normalise(words, want.stdout.String()) {
					t.Errorf("%s %q with %q: stdout %q, via the shell %q", shell, words, arg, got.stdout.String(), want.stdout.String())
				}
				if got.stderr.String() != want.stderr.String() {
					t.Errorf("%s %q with %q: stderr %q, via the shell %q", shell, words, arg, got.stderr.String(), want.stderr.String())
				}
				if got.status.Exit != want.status.Exit || got.status.Signal != want.status.Signal {
					t.Errorf("%s %q with %q: exit %d signal %d, via the shell %d %d", shell, words, arg, got.status.Exit, got.status.Signal, want.status.Exit, want.status.Signal)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("an argument ran code")
	}
}

// TestDirectExecIsTaken checks that the fast path is really used for
// simple commands and not for the others.
func TestDirectExecIsTaken(t *testing.T) {
	t.Parallel()
	d := newDirectExec("/bin/sh", nil, nil)
	if d == nil {
		t.Skip("/bin/sh is neither dash nor bash") // not the case on Debian or in CI
	}
	direct := []string{"echo a", "echo 'a b' \"c\" d\\ e", "ls -l /", "true", "/bin/echo x", "printf_not_builtin x"}
	shell := []string{"echo $HOME", "echo a | cat", "echo a > f", "X=1 env", "echo *", "echo ~", "echo {a,b}", "cd /", "echo -n a", "printf x", "echo `id`", "a; b", "echo a &", "! true", "echo $'x'"}
	for _, c := range direct {
		if _, ok := d.argv(c); !ok {
			t.Errorf("%q should run without a shell", c)
		}
	}
	for _, c := range shell {
		argv, ok := d.argv(c)
		if ok && d.sameAsBuiltin(argv) {
			t.Errorf("%q needs the shell", c)
		}
	}
}

// TestDirectExecAppendedNeedsNoParse: a template whose arguments are
// appended is parsed once, and only when each argument is then one more
// word.
func TestDirectExecAppendedNeedsNoParse(t *testing.T) {
	t.Parallel()
	for text, want := range map[string][]string{
		"gzip -k":        {"gzip", "-k"},
		"printf '<%s>'":  {"printf", "<%s>"},
		"echo #":         nil,
		`echo \`:         nil,
		"echo a |":       nil,
		"X=1 env":        nil,
		"echo $HOME":     nil,
		"gzip -k # note": nil,
	} {
		tmpl, err := ParseTemplate([]string{text}, TemplateOptions{})
		if err != nil {
			continue // refused templates never reach the direct path
		}
		d := newDirectExec("/bin/sh", nil, tmpl)
		if d == nil {
			t.Fatal("/bin/sh is neither dash nor bash")
		}
		if !slices.Equal(d.prefix, want) {
			t.Errorf("%q: prefix %q, want %q", text, d.prefix, want)
		}
	}
}
