package main

// End-to-end tests of what krun reports (SPEC §6, §7 --shard; issue 6):
// the joblog, --resume after a kill -9, --events, --junit, the progress
// line under a pseudo-terminal, and --shard. Each test runs the real krun
// binary (this test binary, see main_test.go) on real processes and files,
// and synchronises on files, never on sleeps.

import (
	"github.com/krun-dev/krun/procfs"

	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// reportJobLogHeader is GNU parallel's joblog header.
const reportJobLogHeader = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand"

// runReportKrun runs krun in dir to the end and returns its output and
// exit status.
func runReportKrun(t *testing.T, dir string, stdin io.Reader, args ...string) krunResult {
	t.Helper()
	return runKrun(t, procOptions{dir: dir, stdin: stdin}, args...)
}

// runReportKrunEnv is runReportKrun with extra environment variables.
func runReportKrunEnv(t *testing.T, dir string, stdin io.Reader, env []string, args ...string) krunResult {
	t.Helper()
	return runKrun(t, procOptions{dir: dir, stdin: stdin, env: env}, args...)
}

// jobLogRow is one parsed joblog line.
type jobLogRow struct {
	Seq              int64
	Host             string
	Start, Runtime   string // as written
	StartF, RuntimeF float64
	Send, Receive    int64
	Exitval, Signal  int
	Command          string
	line             string
}

var (
	startRE   = regexp.MustCompile(`^[0-9]+\.[0-9]{3}$`)
	runtimeRE = regexp.MustCompile(`^ *[0-9]+\.[0-9]{3}$`) // GNU pads with %10.3f
)

// parseJobLog reads a joblog as GNU parallel joblog readers do: a header
// line, then one line per job with 9 tab-separated fields (the command
// last, so it may itself hold tabs). It fails the test on a torn or
// malformed line. Extra header lines (concatenated joblogs) are allowed
// when headers is true.
func parseJobLog(t *testing.T, path string, headers bool) []jobLogRow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read joblog: %v", err)
	}
	return parseJobLogData(t, path, data, headers)
}

func parseJobLogData(t *testing.T, name string, data []byte, headers bool) []jobLogRow {
	t.Helper()
	if len(data) == 0 {
		t.Fatalf("joblog %s is empty", name)
	}
	if data[len(data)-1] != '\n' {
		t.Fatalf("joblog %s does not end with a newline (torn last line): %q", name, tail(data, 200))
	}
	lines := strings.Split(string(data[:len(data)-1]), "\n")
	if lines[0] != reportJobLogHeader {
		t.Fatalf("joblog %s header:\n got %q\nwant %q", name, lines[0], reportJobLogHeader)
	}
	var rows []jobLogRow
	for i, line := range lines[1:] {
		if headers && line == reportJobLogHeader {
			continue
		}
		f := strings.SplitN(line, "\t", 9)
		if len(f) != 9 {
			t.Fatalf("joblog %s line %d has %d tab-separated fields, want 9: %q", name, i+2, len(f), line)
		}
		var r jobLogRow
		var errs []error
		var e error
		r.line = line
		r.Seq, e = strconv.ParseInt(f[0], 10, 64)
		errs = append(errs, e)
		r.Host = f[1]
		r.Start, r.Runtime = f[2], f[3]
		r.StartF, e = strconv.ParseFloat(f[2], 64)
		errs = append(errs, e)
		r.RuntimeF, e = strconv.ParseFloat(strings.TrimSpace(f[3]), 64)
		errs = append(errs, e)
		r.Send, e = strconv.ParseInt(f[4], 10, 64)
		errs = append(errs, e)
		r.Receive, e = strconv.ParseInt(f[5], 10, 64)
		errs = append(errs, e)
		r.Exitval, e = strconv.Atoi(f[6])
		errs = append(errs, e)
		r.Signal, e = strconv.Atoi(f[7])
		errs = append(errs, e)
		r.Command = f[8]
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("joblog %s line %d: %v: %q", name, i+2, err, line)
		}
		if r.Host != ":" {
			t.Errorf("joblog %s line %d: Host %q, want \":\" for a local job", name, i+2, r.Host)
		}
		if !startRE.MatchString(r.Start) {
			t.Errorf("joblog %s line %d: Starttime %q is not epoch seconds with 3 decimals", name, i+2, r.Start)
		}
		if !runtimeRE.MatchString(r.Runtime) {
			t.Errorf("joblog %s line %d: JobRuntime %q is not seconds with 3 decimals", name, i+2, r.Runtime)
		}
		rows = append(rows, r)
	}
	return rows
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// rowsBySeq indexes joblog rows by seq, failing on a seq logged twice.
func rowsBySeq(t *testing.T, rows []jobLogRow) map[int64]jobLogRow {
	t.Helper()
	m := map[int64]jobLogRow{}
	for _, r := range rows {
		if _, dup := m[r.Seq]; dup {
			t.Errorf("seq %d has two joblog lines", r.Seq)
		}
		m[r.Seq] = r
	}
	return m
}

// dryRunCommands returns the commands krun would run for args, by seq.
func dryRunCommands(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	res := runReportKrun(t, dir, nil, append([]string{"--dry-run", "-k"}, args...)...)
	if res.code != 0 {
		t.Fatalf("--dry-run: exit %d: %s", res.code, res.stderr)
	}
	return strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
}

// TestReportJobLogFormat: the joblog is GNU parallel's, exactly: the
// header, one line per job with 9 tab-separated columns, Host ":",
// Starttime as epoch seconds and JobRuntime as seconds with 3 decimals,
// Exitval per job, the command with newlines as NUL bytes; a job that
// killed itself with a signal has it in Signal; jobs krun killed (timeout,
// halt, SIGINT) have Exitval -1 and the signal in Signal; a retried job
// has one line.
func TestReportJobLogFormat(t *testing.T) {
	t.Parallel()

	t.Run("exits-and-signals", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		tmpl := `case {} in ok) exit 0;; three) exit 3;; selfkill) kill -KILL $$;; *) echo {};; esac`
		args := []string{"ok", "three", "selfkill", "two\nlines", "tab\there"}
		before := time.Now()
		res := runReportKrun(t, dir, nil, append([]string{"--joblog", "jobs.tsv", "-j", "3", tmpl, ":::"}, args...)...)
		after := time.Now()
		if res.code != 2 {
			t.Errorf("exit status %d, want 2 (two failed jobs); stderr: %s", res.code, res.stderr)
		}
		rows := parseJobLog(t, filepath.Join(dir, "jobs.tsv"), false)
		if len(rows) != len(args) {
			t.Fatalf("%d joblog lines, want one per job (%d):\n%v", len(rows), len(args), rows)
		}
		bySeq := rowsBySeq(t, rows)
		cmds := dryRunCommands(t, dir, tmpl, ":::", "ok", "three", "selfkill", "tab\there")
		wantCmd := map[int64]string{1: cmds[0], 2: cmds[1], 3: cmds[2], 5: cmds[3]}
		for seq := int64(1); seq <= int64(len(args)); seq++ {
			r, ok := bySeq[seq]
			if !ok {
				t.Errorf("no joblog line for seq %d", seq)
				continue
			}
			if r.StartF < float64(before.Unix())-1 || r.StartF > float64(after.Unix())+1 {
				t.Errorf("seq %d: Starttime %s is not the epoch time of the run (%d..%d)", seq, r.Start, before.Unix(), after.Unix())
			}
			if r.RuntimeF < 0 || r.RuntimeF > after.Sub(before).Seconds()+1 {
				t.Errorf("seq %d: JobRuntime %s out of range", seq, r.Runtime)
			}
			if r.Send != 0 || r.Receive != 0 {
				t.Errorf("seq %d: Send/Receive %d/%d, want 0/0 for a local job", seq, r.Send, r.Receive)
			}
			if want, ok := wantCmd[seq]; ok && r.Command != want {
				t.Errorf("seq %d: Command %q, want %q (as --dry-run prints it)", seq, r.Command, want)
			}
		}
		check := func(seq int64, exit, sig int) {
			t.Helper()
			if r := bySeq[seq]; r.Exitval != exit || r.Signal != sig {
				t.Errorf("seq %d: Exitval %d Signal %d, want %d %d: %q", seq, r.Exitval, r.Signal, exit, sig, r.line)
			}
		}
		check(1, 0, 0)
		check(2, 3, 0)
		check(4, 0, 0)
		check(5, 0, 0)
		if r := bySeq[3]; r.Signal != int(syscall.SIGKILL) || r.Exitval == -1 {
			t.Errorf("seq 3 killed itself with SIGKILL: Exitval %d Signal %d, want Signal 9 and not -1 (krun did not kill it)", r.Exitval, r.Signal)
		}
		if c := bySeq[4].Command; strings.Contains(c, "\n") || !strings.Contains(c, "two\x00lines") {
			t.Errorf("seq 4: the newline in the command must be written as NUL: %q", c)
		}
		if c := bySeq[5].Command; !strings.Contains(c, "tab\there") {
			t.Errorf("seq 5: the command with a tab: %q", c)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runReportKrun(t, dir, nil, "--joblog", "jobs.tsv", "--timeout", "1", `while :; do sleep 0.05; done; echo {}`, ":::", "a")
		if res.code != 1 {
			t.Errorf("exit status %d, want 1; stderr: %s", res.code, res.stderr)
		}
		rows := parseJobLog(t, filepath.Join(dir, "jobs.tsv"), false)
		if len(rows) != 1 {
			t.Fatalf("joblog lines: %v", rows)
		}
		if r := rows[0]; r.Exitval != -1 || r.Signal != int(syscall.SIGTERM) {
			t.Errorf("timed-out job: Exitval %d Signal %d, want -1 and 15 (TERM, the first step of --termseq): %q", r.Exitval, r.Signal, r.line)
		}
		if r := rows[0]; r.RuntimeF < 0.9 {
			t.Errorf("timed-out job: JobRuntime %s, want about the 1s timeout", r.Runtime)
		}
	})

	t.Run("halt-now", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// Job 1 fails once job 2 runs; --halt now then kills job 2.
		tmpl := `if [ {} = 1 ]; then while [ ! -e started.2 ]; do sleep 0.01; done; exit 1; else touch started.2; while :; do sleep 0.05; done; fi`
		res := runReportKrun(t, dir, nil, "--joblog", "jobs.tsv", "--halt", "now,fail=1", "-j", "2", tmpl, ":::", "1", "2")
		if res.code != 1 {
			t.Errorf("exit status %d, want 1 (the failed job's); stderr: %s", res.code, res.stderr)
		}
		bySeq := rowsBySeq(t, parseJobLog(t, filepath.Join(dir, "jobs.tsv"), false))
		if r, ok := bySeq[1]; !ok || r.Exitval != 1 || r.Signal != 0 {
			t.Errorf("seq 1: %q, want Exitval 1 Signal 0", r.line)
		}
		if r, ok := bySeq[2]; !ok || r.Exitval != -1 || r.Signal != int(syscall.SIGTERM) {
			t.Errorf("seq 2 (killed by --halt now): %q, want Exitval -1 Signal 15", r.line)
		}
	})

	t.Run("sigint", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		cmd := exec.Command("krun", "--joblog", "jobs.tsv", `touch started; while :; do sleep 0.05; done; echo {}`, ":::", "a")
		cmd.Dir, cmd.Env = dir, testEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		waitFor(t, "the job to start", func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil })
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("exit status %d after SIGINT, want 130", code)
		}
		rows := parseJobLog(t, filepath.Join(dir, "jobs.tsv"), false)
		if len(rows) != 1 || rows[0].Exitval != -1 || rows[0].Signal != int(syscall.SIGINT) {
			t.Errorf("job ended by krun on SIGINT: %v, want one line with Exitval -1 Signal 2", rows)
		}
	})

	t.Run("retries-one-line", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runReportKrun(t, dir, nil, "--joblog", "jobs.tsv", "--retries", "3", `echo {#} >> tries; exit 1`, ":::", "a", "b")
		if res.code != 2 {
			t.Errorf("exit status %d, want 2", res.code)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "tries")); strings.Count(string(b), "\n") != 6 {
			t.Errorf("tries: %q, want 3 per job", b)
		}
		rows := parseJobLog(t, filepath.Join(dir, "jobs.tsv"), false)
		rowsBySeq(t, rows)
		if len(rows) != 2 {
			t.Errorf("%d joblog lines, want 2 (only the last try is logged): %v", len(rows), rows)
		}
	})
}

// countRuns reads a file the jobs append their seq to, one per line.
func countRuns(t *testing.T, path string) map[int64]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	runs := map[int64]int{}
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("runs file %s: bad line %q", path, f)
		}
		runs[n]++
	}
	return runs
}

// countRows counts the joblog lines written so far, tolerating a file
// still being written (only whole lines count).
func countRows(path string) int {
	b, _ := os.ReadFile(path)
	return max(bytes.Count(b, []byte("\n"))-1, 0)
}

// procGone reports whether process pid has exited (gone or a zombie).
func procGone(pid int) bool {
	p, ok := procfs.Stat(pid)
	return !ok || p.Ended()
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	var kids []int
	for _, p := range procfs.Children(pid) {
		kids = append(kids, p.Pid)
	}
	return kids
}

// checkResume compares the runs and joblog before a --resume with the
// runs and joblog after it: every job ran, the jobs in flight at the kill
// (started, not logged) ran exactly twice, every other job exactly once,
// and the final joblog has every seq exactly once.
func checkResume(t *testing.T, n int64, runsBefore map[int64]int, logBefore []jobLogRow, runsAfter map[int64]int, logAfter []jobLogRow) {
	t.Helper()
	logged := map[int64]bool{}
	for _, r := range logBefore {
		logged[r.Seq] = true
		if runsBefore[r.Seq] == 0 {
			t.Errorf("seq %d is in the joblog but never ran", r.Seq)
		}
	}
	var inFlight, twice []int64
	for seq := int64(1); seq <= n; seq++ {
		if runsBefore[seq] > 0 && !logged[seq] {
			inFlight = append(inFlight, seq)
		}
		switch c := runsAfter[seq]; {
		case c == 0:
			t.Errorf("seq %d never ran, after the kill and --resume", seq)
		case c == 2:
			twice = append(twice, seq)
		case c > 2:
			t.Errorf("seq %d ran %d times", seq, c)
		}
	}
	for seq := range runsAfter {
		if seq < 1 || seq > n {
			t.Errorf("a job with seq %d ran; there are %d jobs", seq, n)
		}
	}
	t.Logf("%d jobs logged before the kill; in flight: %v", len(logBefore), inFlight)
	if !slices.Equal(twice, inFlight) {
		t.Errorf("jobs that ran twice: %v; want exactly those in flight at the kill (started, not in the joblog): %v", twice, inFlight)
	}
	after := rowsBySeq(t, logAfter)
	for seq := int64(1); seq <= n; seq++ {
		if _, ok := after[seq]; !ok {
			t.Errorf("seq %d is not in the joblog after --resume", seq)
		}
	}
	if len(logAfter) != int(n) {
		t.Errorf("the joblog after --resume has %d job lines, want %d", len(logAfter), n)
	}
}

// TestReportKill9Resume: krun is killed with SIGKILL while jobs run; a
// --resume with the same joblog then runs every job that has no joblog
// line, so that every job ran, and only the jobs in flight at the kill ran
// twice. The joblog has no torn line.
func TestReportKill9Resume(t *testing.T) {
	t.Parallel()

	seqArgs := func(n int) []string {
		a := make([]string, n)
		for i := range a {
			a[i] = "arg" + strconv.Itoa(i+1)
		}
		return a
	}

	// Jobs 11 and later block while the file "block" exists: with -j 3,
	// jobs 1-10 finish, 11-13 are in flight when krun is killed.
	t.Run("blocked", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		const n = 30
		os.WriteFile(filepath.Join(dir, "block"), nil, 0o644)
		tmpl := `if [ {#} -gt 10 ] && [ -e block ]; then echo $$ > pid.{#}; fi; echo {#} >> runs; while [ {#} -gt 10 ] && [ -e block ]; do sleep 0.02; done; : {}`
		args := append([]string{"--joblog", "jobs.tsv", "-j", "3", tmpl, ":::"}, seqArgs(n)...)
		cmd := exec.Command("krun", args...)
		cmd.Dir, cmd.Env = dir, testEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); os.Remove(filepath.Join(dir, "block")) })
		jl, runsPath := filepath.Join(dir, "jobs.tsv"), filepath.Join(dir, "runs")
		waitFor(t, "10 jobs logged and 3 in flight", func() bool {
			return countRows(jl) == 10 && len(countRuns(t, runsPath)) == 13
		})
		cmd.Process.Kill()
		cmd.Wait()
		runsBefore := countRuns(t, runsPath)
		logBefore := parseJobLog(t, jl, false)
		// Release the orphaned jobs and wait for them to end.
		os.Remove(filepath.Join(dir, "block"))
		for seq := 11; seq <= 13; seq++ {
			b, err := os.ReadFile(filepath.Join(dir, "pid."+strconv.Itoa(seq)))
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 0 {
				t.Fatalf("pid of job %d: %q %v", seq, b, err)
			}
			waitFor(t, "orphaned job "+strconv.Itoa(seq)+" to end", func() bool { return procGone(pid) })
		}
		res := runReportKrun(t, dir, nil, append([]string{"--resume"}, args...)...)
		if res.code != 0 {
			t.Fatalf("--resume: exit %d: %s", res.code, res.stderr)
		}
		runsAfter := countRuns(t, runsPath)
		checkResume(t, n, runsBefore, logBefore, runsAfter, parseJobLog(t, jl, false))
		for _, seq := range []int64{11, 12, 13} {
			if runsAfter[seq] != 2 {
				t.Errorf("seq %d was in flight at the kill: ran %d times, want 2", seq, runsAfter[seq])
			}
		}
	})

	// Many short jobs finishing all the time: krun is stopped at a random
	// point, its children recorded, then it is killed with SIGKILL.
	t.Run("churn", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		const n = 300
		tmpl := `echo {#} >> runs; : {}`
		args := append([]string{"--joblog", "jobs.tsv", "-j", "8", tmpl, ":::"}, seqArgs(n)...)
		cmd := exec.Command("krun", args...)
		cmd.Dir, cmd.Env = dir, testEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		jl, runsPath := filepath.Join(dir, "jobs.tsv"), filepath.Join(dir, "runs")
		waitFor(t, "60 jobs logged", func() bool { return countRows(jl) >= 60 })
		// Stopped, krun starts nothing more; its children are then all it
		// started and has not reaped.
		cmd.Process.Signal(syscall.SIGSTOP)
		waitFor(t, "krun to stop", func() bool {
			p, _ := procfs.Stat(cmd.Process.Pid)
			return p.State == 'T'
		})
		kids := childrenOf(cmd.Process.Pid)
		cmd.Process.Kill()
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("krun was not killed by SIGKILL (%v): did the run end before the kill?", err)
		}
		for _, pid := range kids {
			waitFor(t, "orphaned job to end", func() bool { return procGone(pid) })
		}
		runsBefore := countRuns(t, runsPath)
		logBefore := parseJobLog(t, jl, false) // fails on a torn line
		if len(runsBefore) >= n {
			t.Fatalf("all %d jobs had started before the kill; nothing left to resume", n)
		}
		res := runReportKrun(t, dir, nil, append([]string{"--resume"}, args...)...)
		if res.code != 0 {
			t.Fatalf("--resume: exit %d: %s", res.code, res.stderr)
		}
		checkResume(t, n, runsBefore, logBefore, countRuns(t, runsPath), parseJobLog(t, jl, false))
	})
}

// eventLine is one --events record, with the fields SPEC §6 names.
type eventLine struct {
	Event    string   `json:"event"`
	Time     string   `json:"time"`
	Seq      int64    `json:"seq"`
	Args     []string `json:"args"`
	Command  string   `json:"command"`
	Exit     *int     `json:"exit"`
	Signal   int      `json:"signal"`
	Duration float64  `json:"duration"`
	Bytes    int64    `json:"bytes"`
	Attempt  int      `json:"attempt"`
	TimedOut bool     `json:"timed_out"`
	Halted   bool     `json:"halted"`
	Message  string   `json:"message"`
	// The counts of the "end" event.
	Started, Succeeded, Failed, Ended *int
	NotStarted                        *int64 `json:"not_started"`
}

var eventKinds = map[string]bool{"start": true, "finish": true, "retry": true, "timeout": true, "breaker": true, "halt": true, "end": true}

// parseEvents parses JSON Lines: every line must be one event object.
func parseEvents(t *testing.T, data string) []eventLine {
	t.Helper()
	if data != "" && !strings.HasSuffix(data, "\n") {
		t.Errorf("the event stream does not end with a newline: %q", data[max(len(data)-100, 0):])
	}
	var evs []eventLine
	for i, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if line == "" && data == "" {
			break
		}
		var e eventLine
		dec := json.NewDecoder(strings.NewReader(line))
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("event line %d does not parse: %v: %q", i+1, err, line)
		}
		if dec.More() {
			t.Fatalf("event line %d holds more than one value: %q", i+1, line)
		}
		if !eventKinds[e.Event] {
			t.Errorf("event line %d: unknown event %q", i+1, e.Event)
		}
		if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
			t.Errorf("event line %d: time %q: %v", i+1, e.Time, err)
		}
		evs = append(evs, e)
	}
	return checkEndEvent(t, evs)
}

// checkEndEvent checks the "end" event, which comes last when krun ended
// normally, against the finish events, and returns the others.
func checkEndEvent(t *testing.T, evs []eventLine) []eventLine {
	t.Helper()
	for i, e := range evs {
		if e.Event == "end" && i != len(evs)-1 {
			t.Errorf("event %d of %d is the end event", i+1, len(evs))
		}
	}
	if len(evs) == 0 || evs[len(evs)-1].Event != "end" {
		return evs
	}
	end := evs[len(evs)-1]
	evs = evs[:len(evs)-1]
	if end.Started == nil || end.Succeeded == nil || end.Failed == nil || end.Ended == nil || end.NotStarted == nil {
		t.Fatalf("end event without every count: %+v", end)
	}
	finishes, failed, halted := 0, 0, 0
	for _, e := range evs {
		switch {
		case e.Event != "finish":
		case e.Halted:
			finishes++
			halted++
		case e.Exit != nil && *e.Exit != 0 || e.Signal != 0:
			finishes++
			failed++
		default:
			finishes++
		}
	}
	if *end.Started != finishes || *end.Failed != failed || *end.Ended != halted || *end.Succeeded != finishes-failed-halted {
		t.Errorf("end event counts started %d, succeeded %d, failed %d, ended %d; the finish events say %d, %d, %d, %d",
			*end.Started, *end.Succeeded, *end.Failed, *end.Ended, finishes, finishes-failed-halted, failed, halted)
	}
	return evs
}

// findEvents returns the indexes of the events of kind (for seq, if > 0).
func findEvents(evs []eventLine, kind string, seq int64) []int {
	var idx []int
	for i, e := range evs {
		if e.Event == kind && (seq == 0 || e.Seq == seq) {
			idx = append(idx, i)
		}
	}
	return idx
}

// TestReportEvents: --events FILE and --events - write JSON Lines that
// parse with encoding/json: start and finish for every job with seq,
// args, command, exit, duration, bytes and attempt; retry, timeout, halt
// and breaker events when those happen.
func TestReportEvents(t *testing.T) {
	t.Parallel()

	checkJobs := func(t *testing.T, evs []eventLine, cmds []string, args []string, exits []int) {
		t.Helper()
		for i := range cmds {
			seq := int64(i + 1)
			starts, finishes := findEvents(evs, "start", seq), findEvents(evs, "finish", seq)
			if len(starts) != 1 || len(finishes) != 1 {
				t.Errorf("seq %d: %d start and %d finish events, want 1 and 1", seq, len(starts), len(finishes))
				continue
			}
			if starts[0] > finishes[0] {
				t.Errorf("seq %d: finish before start", seq)
			}
			for _, e := range []eventLine{evs[starts[0]], evs[finishes[0]]} {
				if e.Command != cmds[i] || !slices.Equal(e.Args, []string{args[i]}) || e.Attempt != 1 {
					t.Errorf("seq %d %s: command %q args %q attempt %d; want %q %q 1", seq, e.Event, e.Command, e.Args, e.Attempt, cmds[i], args[i])
				}
			}
			f := evs[finishes[0]]
			if f.Exit == nil || *f.Exit != exits[i] {
				t.Errorf("seq %d finish: exit %v, want %d", seq, f.Exit, exits[i])
			}
			if f.Duration <= 0 || f.Duration > testCeiling.Seconds() {
				t.Errorf("seq %d finish: duration %v", seq, f.Duration)
			}
		}
	}

	t.Run("file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		tmpl := `echo {}; exit {}`
		args := []string{"0", "1", "0", "2"}
		res := runReportKrun(t, dir, nil, append([]string{"--events", "ev.jsonl", "-j", "2", tmpl, ":::"}, args...)...)
		if res.code != 2 {
			t.Errorf("exit status %d, want 2", res.code)
		}
		data, err := os.ReadFile(filepath.Join(dir, "ev.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		evs := parseEvents(t, string(data))
		checkJobs(t, evs, dryRunCommands(t, dir, append([]string{tmpl, ":::"}, args...)...), args, []int{0, 1, 0, 2})
		for _, i := range findEvents(evs, "finish", 0) {
			if evs[i].Bytes != 2 {
				t.Errorf("seq %d finish: bytes %d, want 2 (the job wrote %q)", evs[i].Seq, evs[i].Bytes, args[evs[i].Seq-1]+"\n")
			}
		}
		if len(evs) != 8 {
			t.Errorf("%d events, want 8 (a start and a finish per job)", len(evs))
		}
	})

	t.Run("stderr", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		args := []string{"a", "b", "c"}
		res := runReportKrun(t, dir, nil, append([]string{"--events", "-", "-j", "3", "echo {}"}, append([]string{":::"}, args...)...)...)
		if res.code != 0 {
			t.Fatalf("exit status %d: %s", res.code, res.stderr)
		}
		lines := strings.Split(res.stdout, "\n")
		slices.Sort(lines)
		if strings.Join(lines, ",") != ",a,b,c" {
			t.Errorf("stdout %q: the events must go to stderr, the jobs' output to stdout", res.stdout)
		}
		evs := parseEvents(t, res.stderr)
		checkJobs(t, evs, dryRunCommands(t, dir, "echo {}", ":::", "a", "b", "c"), args, []int{0, 0, 0})
	})

	t.Run("retry", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// Job 1 fails twice, then succeeds; job 2 fails all 3 tries.
		tmpl := `echo x >> tries.{#}; [ $(wc -l < tries.{#}) -ge {} ]`
		res := runReportKrun(t, dir, nil, "--events", "ev.jsonl", "--retries", "3", "-j", "2", tmpl, ":::", "3", "9")
		if res.code != 1 {
			t.Errorf("exit status %d, want 1", res.code)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "ev.jsonl"))
		evs := parseEvents(t, string(data))
		for seq, wantFinalExit := range map[int64]int{1: 0, 2: 1} {
			var attempts, retries []int
			for _, i := range findEvents(evs, "start", seq) {
				attempts = append(attempts, evs[i].Attempt)
			}
			for _, i := range findEvents(evs, "retry", seq) {
				retries = append(retries, evs[i].Attempt)
				if e := evs[i]; e.Exit == nil || *e.Exit != 1 || e.Command == "" || len(e.Args) != 1 {
					t.Errorf("seq %d retry event: %+v, want exit 1 with the command and args", seq, e)
				}
			}
			if !slices.Equal(attempts, []int{1, 2, 3}) || !slices.Equal(retries, []int{1, 2}) {
				t.Errorf("seq %d: start attempts %v, retry attempts %v; want [1 2 3] and [1 2]", seq, attempts, retries)
			}
			fin := findEvents(evs, "finish", seq)
			if len(fin) != 1 || evs[fin[0]].Attempt != 3 || evs[fin[0]].Exit == nil || *evs[fin[0]].Exit != wantFinalExit {
				t.Errorf("seq %d: finish events %v, want one with attempt 3 and exit %d", seq, fin, wantFinalExit)
			}
		}
	})

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runReportKrun(t, dir, nil, "--events", "ev.jsonl", "--timeout", "1", `while :; do sleep 0.05; done; : {}`, ":::", "a")
		if res.code != 1 {
			t.Errorf("exit status %d, want 1", res.code)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "ev.jsonl"))
		evs := parseEvents(t, string(data))
		to, fin := findEvents(evs, "timeout", 1), findEvents(evs, "finish", 1)
		if len(to) != 1 || len(fin) != 1 || to[0] > fin[0] {
			t.Fatalf("want one timeout event then one finish for seq 1: %+v", evs)
		}
		if e := evs[to[0]]; e.Command == "" || e.Attempt != 1 {
			t.Errorf("timeout event: %+v, want the command and attempt 1", e)
		}
		if e := evs[fin[0]]; e.Exit == nil || *e.Exit == 0 || e.Duration < 0.9 {
			t.Errorf("finish of a timed-out job: %+v, want a failure after about 1s", e)
		}
	})

	t.Run("halt", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		res := runReportKrun(t, dir, nil, "--events", "ev.jsonl", "--halt", "now,fail=1", "-j", "1", "exit {}", ":::", "0", "1", "0")
		if res.code != 1 {
			t.Errorf("exit status %d, want 1", res.code)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "ev.jsonl"))
		evs := parseEvents(t, string(data))
		halts := findEvents(evs, "halt", 0)
		fin2 := findEvents(evs, "finish", 2)
		if len(halts) != 1 || len(fin2) != 1 || halts[0] < fin2[0] || evs[halts[0]].Message == "" {
			t.Errorf("want one halt event with a message after job 2 failed: %+v", evs)
		}
		if s := findEvents(evs, "start", 3); len(s) != 0 {
			t.Errorf("job 3 started after the halt: %+v", evs)
		}
	})

	t.Run("breaker", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// Two failures open the breaker; after the cooldown job 3 is the
		// probe, and its success closes it.
		res := runReportKrun(t, dir, nil, "--events", "ev.jsonl", "--breaker", "fail=50%,window=2,cooldown=100ms", "-j", "1", "exit {}", ":::", "1", "1", "0", "0")
		if res.code != 2 {
			t.Errorf("exit status %d, want 2", res.code)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "ev.jsonl"))
		evs := parseEvents(t, string(data))
		br := findEvents(evs, "breaker", 0)
		fin2, start3 := findEvents(evs, "finish", 2), findEvents(evs, "start", 3)
		if len(br) != 3 || len(fin2) != 1 || len(start3) != 1 {
			t.Fatalf("want 3 breaker events (open, half-open, closed) and jobs 2 and 3: %+v", evs)
		}
		if !(fin2[0] < br[0] && br[1] < start3[0] && start3[0] < br[2]) {
			t.Errorf("breaker events out of order: open after job 2, half-open before job 3, closed after it: %+v", evs)
		}
		for _, i := range br {
			if evs[i].Message == "" {
				t.Errorf("breaker event without a message: %+v", evs[i])
			}
		}
	})
}

// junitAttrs collects any element's attributes.
type junitAttrs struct {
	Attrs []xml.Attr `xml:",any,attr"`
}

func (a junitAttrs) get(name string) (string, bool) {
	for _, at := range a.Attrs {
		if at.Name.Local == name {
			return at.Value, true
		}
	}
	return "", false
}

type junitProblemX struct {
	junitAttrs
	Text string `xml:",chardata"`
}

type junitCaseX struct {
	junitAttrs
	Failure []junitProblemX `xml:"failure"`
	Error   []junitProblemX `xml:"error"`
}

type junitSuiteX struct {
	junitAttrs
	Cases []junitCaseX `xml:"testcase"`
}

type junitDoc struct {
	XMLName xml.Name
	junitAttrs
	Suites []junitSuiteX `xml:"testsuite"`
}

// readJUnit parses a JUnit report strictly and checks the attributes the
// usual consumers read.
func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Well-formed: a strict decoder reads every token.
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the JUnit report is not well-formed XML: %v\n%s", err, data)
		}
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse JUnit: %v", err)
	}
	if doc.XMLName.Local != "testsuites" {
		t.Fatalf("root element <%s>, want <testsuites>", doc.XMLName.Local)
	}
	need := func(what string, a junitAttrs, names ...string) {
		t.Helper()
		for _, n := range names {
			if _, ok := a.get(n); !ok {
				t.Errorf("%s has no %s attribute", what, n)
			}
		}
	}
	need("<testsuites>", doc.junitAttrs, "tests", "failures", "errors", "time")
	if len(doc.Suites) != 1 {
		t.Fatalf("%d <testsuite> elements, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	need("<testsuite>", s.junitAttrs, "name", "tests", "failures", "errors", "skipped", "time", "timestamp")
	for _, c := range s.Cases {
		need("<testcase>", c.junitAttrs, "name", "classname", "time")
		for _, p := range append(append([]junitProblemX{}, c.Failure...), c.Error...) {
			need("<failure>/<error>", p.junitAttrs, "message", "type")
		}
	}
	for _, a := range []junitAttrs{doc.junitAttrs, s.junitAttrs} {
		if v, _ := a.get("time"); !isSeconds(v) {
			t.Errorf("time attribute %q is not seconds", v)
		}
	}
	if ts, _ := s.get("timestamp"); !isTimestamp(ts) {
		t.Errorf("testsuite timestamp %q is not an ISO 8601 date-time", ts)
	}
	return doc
}

func isSeconds(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f >= 0
}

func isTimestamp(v string) bool {
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339, time.RFC3339Nano} {
		if _, err := time.Parse(layout, v); err == nil {
			return true
		}
	}
	return false
}

func atoiAttr(a junitAttrs, name string) int {
	v, _ := a.get(name)
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// TestReportJUnit: --junit writes JUnit XML that encoding/xml reads, with
// the element and attribute names CI dashboards use: one testcase per job,
// a failure with the tail of stderr for each failed job, an error for a job
// that could not start, and well-formed XML whatever bytes the jobs wrote.
func TestReportJUnit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `: $(( {2} )); case {1} in big) head -c 20000 /dev/zero | tr "\0" e >&2; echo >&2; echo LAST LINE OF BIG >&2; exit 4;; bad) printf "bad \377\376 \001\002\033[31m \000 \357\277\276 end of bad\n" >&2; exit 1;; *) echo fine;; esac`
	res := runReportKrun(t, dir, nil, "--junit", "report.xml", "-j", "4", tmpl,
		":::", "ok", "big", "bad", "ctl\x01\x1b\xff", "nan",
		":::+", "1", "2", "3", "4", "x y")
	if res.code != 3 {
		t.Errorf("exit status %d, want 3; stderr: %s", res.code, res.stderr)
	}
	doc := readJUnit(t, filepath.Join(dir, "report.xml"))
	s := doc.Suites[0]
	for _, c := range []struct {
		what string
		a    junitAttrs
	}{{"testsuites", doc.junitAttrs}, {"testsuite", s.junitAttrs}} {
		if got := [3]int{atoiAttr(c.a, "tests"), atoiAttr(c.a, "failures"), atoiAttr(c.a, "errors")}; got != [3]int{5, 2, 1} {
			t.Errorf("<%s> tests/failures/errors %v, want [5 2 1]", c.what, got)
		}
	}
	if n := atoiAttr(s.junitAttrs, "skipped"); n != 0 {
		t.Errorf("skipped=%d, want 0", n)
	}
	if len(s.Cases) != 5 {
		t.Fatalf("%d testcases, want one per job (5)", len(s.Cases))
	}
	// The cases by seq: their names start with, or at least hold, the seq.
	bySeq := map[int]junitCaseX{}
	for _, c := range s.Cases {
		name, _ := c.get("name")
		if v, _ := c.get("time"); !isSeconds(v) {
			t.Errorf("testcase %q time %q", name, v)
		}
		m := regexp.MustCompile(`\d+`).FindString(name)
		seq, _ := strconv.Atoi(m)
		bySeq[seq] = c
	}
	for seq := 1; seq <= 5; seq++ {
		c, ok := bySeq[seq]
		if !ok {
			t.Errorf("no testcase named with seq %d", seq)
			continue
		}
		name, _ := c.get("name")
		switch seq {
		case 1, 4:
			if len(c.Failure)+len(c.Error) != 0 {
				t.Errorf("seq %d succeeded, but its testcase %q has a failure or error", seq, name)
			}
		case 2, 3:
			if len(c.Failure) != 1 || len(c.Error) != 0 {
				t.Errorf("seq %d failed: testcase %q has %d failures, %d errors; want one failure", seq, name, len(c.Failure), len(c.Error))
				continue
			}
			f := c.Failure[0]
			if msg, _ := f.get("message"); msg == "" {
				t.Errorf("seq %d: failure without a message", seq)
			}
			want := map[int]string{2: "LAST LINE OF BIG", 3: "end of bad"}[seq]
			if !strings.Contains(f.Text, want) {
				t.Errorf("seq %d: the failure does not hold the tail of stderr (%q): %q", seq, want, f.Text[max(len(f.Text)-200, 0):])
			}
			if len(f.Text) > 64<<10 {
				t.Errorf("seq %d: the failure holds %d bytes of stderr, want only its tail", seq, len(f.Text))
			}
		case 5:
			if len(c.Error) != 1 || len(c.Failure) != 0 {
				t.Errorf("seq 5 could not start (refused arithmetic argument): testcase %q has %d errors, %d failures; want one error", name, len(c.Error), len(c.Failure))
			} else if msg, _ := c.Error[0].get("message"); msg == "" {
				t.Errorf("seq 5: error without a message")
			}
		}
	}

	// Named by the tag when there is one.
	res = runReportKrun(t, dir, nil, "--junit", "tag.xml", "--tagstring", "mytag-{}", "true", ":::", "alpha")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	doc = readJUnit(t, filepath.Join(dir, "tag.xml"))
	if name, _ := doc.Suites[0].Cases[0].get("name"); !strings.Contains(name, "mytag-alpha") {
		t.Errorf("testcase name %q, want the job's tag mytag-alpha", name)
	}
}

// TestReportShardUnion: for N from 1 to 5, the shards K/N of 17 jobs are
// disjoint and together run every job once, each with its global seq; the
// shards' joblogs concatenate into one with every seq once, and --resume
// with it runs nothing.
func TestReportShardUnion(t *testing.T) {
	t.Parallel()
	const jobs = 17
	var inputs []string
	for i := 1; i <= jobs; i++ {
		inputs = append(inputs, "x"+strconv.Itoa(i))
	}
	for n := 1; n <= 5; n++ {
		t.Run("N="+strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ran := map[int]int{}
			var all []byte
			for k := 1; k <= n; k++ {
				shard := fmt.Sprintf("%d/%d", k, n)
				log := fmt.Sprintf("shard%d.tsv", k)
				res := runReportKrun(t, dir, nil, append([]string{"--shard", shard, "--joblog", log, "-j", "4", "echo {#} {}", ":::"}, inputs...)...)
				if res.code != 0 {
					t.Fatalf("--shard %s: exit %d: %s", shard, res.code, res.stderr)
				}
				for _, line := range strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n") {
					if line == "" {
						continue
					}
					var seq int
					var arg string
					if _, err := fmt.Sscanf(line, "%d %s", &seq, &arg); err != nil {
						t.Fatalf("--shard %s: line %q", shard, line)
					}
					if arg != "x"+strconv.Itoa(seq) {
						t.Errorf("--shard %s: seq %d ran input %s: seqs must stay the global ones", shard, seq, arg)
					}
					if (seq-k)%n != 0 {
						t.Errorf("--shard %s ran seq %d, which is not %d modulo %d", shard, seq, k, n)
					}
					ran[seq]++
				}
				b, err := os.ReadFile(filepath.Join(dir, log))
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			for seq := 1; seq <= jobs; seq++ {
				if ran[seq] != 1 {
					t.Errorf("seq %d ran %d times over the %d shards, want once", seq, ran[seq], n)
				}
			}
			if len(ran) != jobs {
				t.Errorf("the shards ran %d distinct seqs, want %d: %v", len(ran), jobs, ran)
			}
			rows := parseJobLogData(t, "concatenated shard joblogs", all, true)
			bySeq := rowsBySeq(t, rows)
			if len(bySeq) != jobs || len(rows) != jobs {
				t.Errorf("the concatenated joblogs have %d lines for %d seqs, want %d", len(rows), len(bySeq), jobs)
			}
			os.WriteFile(filepath.Join(dir, "all.tsv"), all, 0o644)
			res := runReportKrun(t, dir, nil, append([]string{"--joblog", "all.tsv", "--resume", "echo {#} {}", ":::"}, inputs...)...)
			if res.code != 0 || res.stdout != "" {
				t.Errorf("--resume with the concatenated joblogs: exit %d, stdout %q; want nothing run", res.code, res.stdout)
			}
		})
	}
}

// termScreen replays terminal output as a simple terminal would: "\r"
// moves to the line start, ESC[K erases to the end of the line, "\n" ends
// the line. It returns the finished lines and what is left on the last.
func termScreen(raw []byte) (lines []string, last string) {
	var cur []byte
	pos := 0
	for i := 0; i < len(raw); i++ {
		switch {
		case bytes.HasPrefix(raw[i:], []byte("\x1b[K")):
			cur = cur[:pos]
			i += 2
		case raw[i] == '\r':
			pos = 0
		case raw[i] == '\n':
			lines = append(lines, string(cur))
			cur, pos = nil, 0
		default:
			if pos < len(cur) {
				cur[pos] = raw[i]
			} else {
				cur = append(cur, raw[i])
			}
			pos++
		}
	}
	return lines, string(cur)
}

// lockedBuffer is a bytes.Buffer safe for one writer and many readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

// TestReportProgressTerminal: under a pseudo-terminal, --progress, --bar
// and --eta draw a live progress line on stderr, which counts the finished
// jobs while others still run; every line of the jobs' output still
// arrives whole, and when stdout is not the terminal it gets the jobs'
// output byte for byte, with no trace of the progress line. At the end the
// line is erased.
func TestReportProgressTerminal(t *testing.T) {
	t.Parallel()
	const jobs = 6
	for _, tc := range []struct {
		name       string
		flag       string
		stdin      bool // input streamed on stdin: the total is unknown
		stdoutPipe bool
	}{
		{"progress", "--progress", false, false},
		{"bar", "--bar", false, true},
		{"eta", "--eta", false, false},
		{"progress-stdin", "--progress", true, true},
		{"bar-stdin", "--bar", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// Each job writes 3 long lines to stdout and one to stderr; the
			// last job then waits for the file "release".
			tmpl := fmt.Sprintf(`for i in 1 2 3; do echo "out {} $i %s"; done; echo "err {} %s" >&2; if [ {} = %d ]; then while [ ! -e release ]; do sleep 0.02; done; fi`,
				strings.Repeat("o", 150), strings.Repeat("e", 150), jobs)
			args := []string{tc.flag, "-j", "3", tmpl}
			var stdin io.Reader
			var nums []string
			for i := 1; i <= jobs; i++ {
				nums = append(nums, strconv.Itoa(i))
			}
			if tc.stdin {
				stdin = strings.NewReader(strings.Join(nums, "\n") + "\n")
			} else {
				args = append(append(args, ":::"), nums...)
			}
			ptmx, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer ptmx.Close()
			pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: 250})
			cmd := exec.Command("krun", args...)
			cmd.Dir, cmd.Env = dir, testEnv("TERM=xterm", "NO_COLOR=1")
			cmd.Stdin = stdin
			cmd.Stderr = tty
			var pipeOut bytes.Buffer
			if tc.stdoutPipe {
				cmd.Stdout = &pipeOut
			} else {
				cmd.Stdout = tty
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			tty.Close()
			t.Cleanup(func() { cmd.Process.Kill() })
			var screen lockedBuffer
			readDone := make(chan struct{})
			go func() {
				io.Copy(&screen, ptmx) // ends with EIO when krun exits
				close(readDone)
			}()
			// While the last job runs, the line counts the 5 finished.
			count := regexp.MustCompile(fmt.Sprintf(`\(%d/(%d|-)\)`, jobs-1, jobs))
			deadline := time.Now().Add(10 * time.Second)
			for !count.Match(screen.Bytes()) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			live := count.Match(screen.Bytes())
			if !live {
				t.Errorf("%s: while job %d runs, no progress rendering shows %d of %d jobs done; the terminal got:\n%q",
					tc.flag, jobs, jobs-1, jobs, tail(screen.Bytes(), 600))
			}
			os.WriteFile(filepath.Join(dir, "release"), nil, 0o644)
			waitErr := make(chan error, 1)
			go func() { waitErr <- cmd.Wait() }()
			select {
			case err := <-waitErr:
				if err != nil {
					t.Errorf("krun: %v", err)
				}
			case <-time.After(testCeiling):
				t.Fatal("krun did not end")
			}
			select {
			case <-readDone:
			case <-time.After(testCeiling):
				t.Fatal("the terminal never closed")
			}
			raw := screen.Bytes()
			if !bytes.Contains(raw, []byte("\r\x1b[K")) || !regexp.MustCompile(`\(\d+/(\d+|-)\)`).Match(raw) {
				t.Errorf("%s: no progress line was drawn on the terminal:\n%q", tc.flag, tail(raw, 600))
			} else if !regexp.MustCompile(`\([1-9][0-9]*/(\d+|-)\)`).Match(raw) {
				t.Errorf("%s: the progress line never counted a finished job (all %d finished):\n%q", tc.flag, jobs, tail(raw, 600))
			}
			var wantTerm, wantOut []string
			for i := 1; i <= jobs; i++ {
				for j := 1; j <= 3; j++ {
					wantOut = append(wantOut, fmt.Sprintf("out %d %d %s", i, j, strings.Repeat("o", 150)))
				}
				wantTerm = append(wantTerm, fmt.Sprintf("err %d %s", i, strings.Repeat("e", 150)))
			}
			if tc.stdoutPipe {
				got := strings.Split(strings.TrimSuffix(pipeOut.String(), "\n"), "\n")
				slices.Sort(got)
				slices.Sort(wantOut)
				if !slices.Equal(got, wantOut) || strings.Contains(pipeOut.String(), "\x1b") || strings.Contains(pipeOut.String(), "\r") {
					t.Errorf("stdout (a pipe) must get the jobs' lines only:\n%q", pipeOut.String())
				}
			} else {
				wantTerm = append(wantTerm, wantOut...)
			}
			lines, last := termScreen(raw)
			slices.Sort(lines)
			slices.Sort(wantTerm)
			if !slices.Equal(lines, wantTerm) {
				t.Errorf("%s: the lines on the terminal differ from the jobs' lines:\n got %q\nwant %q", tc.flag, lines, wantTerm)
			}
			if last != "" {
				t.Errorf("%s: the progress line was not erased at the end: %q", tc.flag, last)
			}
			// Whole lines: each job line arrives in one piece, never cut
			// by a progress rendering.
			for _, l := range wantTerm {
				if !bytes.Contains(raw, []byte(l+"\r\n")) {
					t.Errorf("%s: the line %.20q... did not arrive whole", tc.flag, l)
				}
			}
		})
	}
}
