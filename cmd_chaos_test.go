package main

// End-to-end tests of krun chaos that a script cannot express: Ctrl-C
// removes every copy and ends every job; a finding's replay command
// reproduces the run that showed it.

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/krun-dev/krun/chaos"
)

// TestChaosInterruptRemovesCopies: a signal to krun chaos reaches the
// krun running the batch once, which ends its job; krun chaos exits
// 128+N, writes no report and leaves nothing in TMPDIR.
func TestChaosInterruptRemovesCopies(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir, tmp := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "state.txt"), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			p := startKrun(t, dir, tmp, "chaos", "--", "echo $$ > started; exec sleep 120", ":::", "a")
			var pidFile string
			waitFor(t, "the reference run's job to start in its copy", func() bool {
				m, _ := filepath.Glob(filepath.Join(tmp, "krun-chaos-*", "reference", "root", "started"))
				if len(m) == 1 {
					if b, err := os.ReadFile(m[0]); err == nil && strings.HasSuffix(string(b), "\n") {
						pidFile = m[0]
						return true
					}
				}
				return false
			})
			b, _ := os.ReadFile(pidFile)
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			p.cmd.Process.Signal(sig)
			rest, _ := p.stdoutPipe.ReadString(0)
			if code := p.wait(); code != 128+int(sig) {
				t.Fatalf("krun chaos: exit status %d, want %d; stderr: %s", code, 128+int(sig), p.stderrText())
			}
			if rest != "" {
				t.Errorf("a report after the signal: %q", rest)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("left in TMPDIR: %v", entries)
			}
			waitFor(t, "the job to end", func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH })
			if b, _ := os.ReadFile(filepath.Join(dir, "state.txt")); string(b) != "x\n" {
				t.Errorf("the real state changed: %q", b)
			}
		})
	}
}

// TestChaosReplayReproducesRun: each job writes its name to one file, one
// job at a time, so the file ends with the name of the last job started;
// the replay command of a run that differs, run in a copy of the
// directory, leaves what that run left.
func TestChaosReplayReproducesRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := runReportKrun(t, dir, nil, "chaos", "--json", "--runs", "5", "--", "-j", "1", "echo {} > last", ":::", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	if res.code != 1 {
		t.Fatalf("exit status %d, want 1 (the last writer differs); stderr: %s", res.code, res.stderr)
	}
	var rep chaos.Report
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, res.stdout)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].File != "last" || rep.Findings[0].Kind != chaos.KindDiffers {
		t.Fatalf("findings %+v: want last differing", rep.Findings)
	}
	f := rep.Findings[0]
	want := ""
	for _, d := range f.Details {
		if v, ok := strings.CutPrefix(d, "+"); ok {
			want = v + "\n"
		}
	}
	if want == "" || !strings.Contains(f.Replay, "--seed "+strconv.FormatUint(f.Seed, 10)) {
		t.Fatalf("finding %+v: no content or seed to replay", f)
	}
	for range 2 {
		replay := t.TempDir()
		if out, code := runShell(t, replay, f.Replay); code != 0 {
			t.Fatalf("%s: exit %d: %s", f.Replay, code, out)
		}
		if got, _ := os.ReadFile(filepath.Join(replay, "last")); string(got) != want {
			t.Errorf("%s left %q, the run it replays %q", f.Replay, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "last")); err == nil {
		t.Error("krun chaos wrote into the current directory")
	}
}

// runShell runs a command line with sh in dir.
func runShell(t *testing.T, dir, line string) (string, int) {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = testEnv()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}
