package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The one harness of the end-to-end tests in Go (the scripts in
// testdata/script have testscript's): it starts krun, or a shell running
// krun, as a real process, collects its streams, and bounds every wait by
// one ceiling, so that a hang fails the test with what krun said instead
// of timing out the whole suite.

// testCeiling bounds anything that should take milliseconds: generous,
// for a loaded machine.
const testCeiling = 60 * time.Second

// testEnv is the environment of the processes the tests start: this one,
// without the CI markers a CI runner sets and the colour switches (they
// change the output), with a fixed shell, and with extra added.
func testEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GITHUB_ACTIONS", "GITLAB_CI", "SHELL", "NO_COLOR", "FORCE_COLOR":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "SHELL=/bin/sh"), extra...)
}

// procOptions says how to start a process.
type procOptions struct {
	dir   string
	stdin io.Reader
	env   []string // added to testEnv()
	// onLine, when set, is called with each line written to stderr, as
	// it comes.
	onLine func(string)
	// stdoutPipe: stdout is read by the test, through proc.stdoutPipe,
	// instead of collected.
	stdoutPipe bool
}

// proc is one process started by a test.
type proc struct {
	t   *testing.T
	cmd *exec.Cmd
	// stdout is complete once exited is closed (unless stdoutPipe).
	stdout     bytes.Buffer
	stdoutPipe *bufio.Reader
	mu         sync.Mutex
	stderr     strings.Builder // guarded by mu
	exited     chan struct{}
	reapOnce   sync.Once
	// Set before exited is closed.
	waitErr error
	ended   time.Time
	started time.Time
}

// startProc starts name with args; the process is killed when the test
// ends, if it has not exited by then.
func startProc(t *testing.T, o procOptions, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, exited: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Dir = o.dir
	p.cmd.Env = testEnv(o.env...)
	p.cmd.Stdin = o.stdin
	// A descendant left holding krun's streams must not hang the test.
	p.cmd.WaitDelay = 10 * time.Second
	if o.stdoutPipe {
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdoutPipe = bufio.NewReaderSize(out, 1<<20)
	} else {
		p.cmd.Stdout = &p.stdout
	}
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if o.onLine != nil {
				o.onLine(line)
			}
		}
		io.Copy(io.Discard, errPipe)
		if o.stdoutPipe {
			return // the test reads stdout, then calls wait
		}
		p.reap()
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			if o.stdoutPipe {
				p.reap()
			}
			<-p.exited
		}
	})
	return p
}

// reap waits for the process and marks it exited, once.
func (p *proc) reap() {
	p.reapOnce.Do(func() {
		p.waitErr = p.cmd.Wait()
		p.ended = time.Now()
		close(p.exited)
	})
}

// stderrText is what the process wrote to stderr so far.
func (p *proc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// wait waits for the process to exit, at most testCeiling, and returns
// its exit status. With stdoutPipe, the test must have read stdout to its
// end first.
func (p *proc) wait() int {
	p.t.Helper()
	if p.stdoutPipe != nil {
		go p.reap()
	}
	select {
	case <-p.exited:
	case <-time.After(testCeiling):
		p.cmd.Process.Kill()
		<-p.exited
		p.t.Fatalf("%q did not exit within %v; stderr:\n%s", p.cmd.Args, testCeiling, p.stderrText())
	}
	if errors.Is(p.waitErr, exec.ErrWaitDelay) {
		p.t.Errorf("%q exited but its stdout or stderr stayed open: a descendant holds them", p.cmd.Args)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitFor polls cond until it holds; it fails if the process exits first
// or testCeiling passes.
func (p *proc) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(testCeiling)
	for !cond() {
		select {
		case <-p.exited:
			if cond() {
				return
			}
			p.t.Fatalf("krun exited (%v) before %s; stdout:\n%s\nstderr:\n%s", p.waitErr, what, p.stdout.String(), p.stderrText())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not happen within %v; stderr:\n%s", what, testCeiling, p.stderrText())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor polls cond until it holds, at most testCeiling.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testCeiling)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// krunResult is how a krun run ended.
type krunResult struct {
	stdout, stderr string
	code           int
}

// runKrun runs krun with args to its end, at most testCeiling.
func runKrun(t *testing.T, o procOptions, args ...string) krunResult {
	t.Helper()
	p := startProc(t, o, "krun", args...)
	code := p.wait()
	return krunResult{p.stdout.String(), p.stderrText(), code}
}
