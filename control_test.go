package main

// End-to-end tests of job control (SPEC §3, issue 5): --timeout,
// --termseq, signals, --halt, --breaker, --delay, --retry-delay and
// running out of file descriptors. Each test drives the real krun (this
// test binary, on $PATH) with real processes and signals. Tests wait on
// files the jobs write, never on sleeps; time is only asserted as a lower
// bound measured by the jobs themselves (date +%s.%N), or as a generous
// ceiling.

import (
	"github.com/krun-dev/krun/procfs"

	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ctlKrun starts krun with args in dir; onLine, when not nil, is called
// with each line krun writes to stderr, as it comes.
func ctlKrun(t *testing.T, dir string, onLine func(string), args ...string) *proc {
	t.Helper()
	return startProc(t, procOptions{dir: dir, onLine: onLine}, "krun", args...)
}

// ctlExists reports whether dir/name exists.
func ctlExists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// ctlAllExist returns a condition: every name exists in dir.
func ctlAllExist(dir string, names ...string) func() bool {
	return func() bool {
		for _, n := range names {
			if !ctlExists(dir, n) {
				return false
			}
		}
		return true
	}
}

func ctlWrite(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ctlInt reads the number in dir/name.
func ctlInt(t *testing.T, dir, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %q is not a number", name, b)
	}
	return n
}

// ctlStamp reads a time a job wrote with date +%s.%N, in seconds.
func ctlStamp(t *testing.T, dir, name string) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		t.Fatalf("%s: %q is not a time", name, b)
	}
	return f
}

// ctlPids reads the pids recorded in the files of dir matching pattern.
func ctlPids(t *testing.T, dir, pattern string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			pids[filepath.Base(f)] = pid
		}
	}
	return pids
}

// ctlLive returns the process pid if it is alive: it exists, is not a
// zombie (krun cannot reap its grandchildren: they go to init, which
// reaps them when it gets to it) and has no SIGKILL pending (it is dying).
func ctlLive(pid int) (procfs.Process, bool) {
	p, ok := procfs.Stat(pid)
	if !ok || p.Ended() {
		return p, false
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return p, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "SigPnd" && k != "ShdPnd") {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err == nil && mask&(1<<(uint(syscall.SIGKILL)-1)) != 0 {
			return p, false
		}
	}
	return p, true
}

// ctlJobTree is the processes of some jobs, as the jobs recorded them:
// pg.* hold the jobs' shells (each the leader of its job's process group),
// the files matching the other patterns their descendants.
type ctlJobTree struct {
	pgids map[int]bool
	pids  map[string]int
}

func ctlTree(t *testing.T, dir string, patterns ...string) ctlJobTree {
	t.Helper()
	tree := ctlJobTree{pgids: map[int]bool{}, pids: ctlPids(t, dir, "pg.*")}
	for _, pid := range tree.pids {
		tree.pgids[pid] = true
	}
	for _, pat := range patterns {
		for f, pid := range ctlPids(t, dir, pat) {
			tree.pids[f] = pid
		}
	}
	return tree
}

// left returns the recorded processes still alive in one of the jobs'
// process groups. A pid that now belongs to another group has been reused.
func (tr ctlJobTree) left() []string {
	var out []string
	for f, pid := range tr.pids {
		if p, ok := ctlLive(pid); ok && tr.pgids[p.Pgid] {
			out = append(out, fmt.Sprintf("%s: pid %d (%s, state %c, group %d)", f, pid, p.Comm, p.State, p.Pgid))
		}
	}
	slices.Sort(out)
	return out
}

// assertGone fails if a process of the jobs is still alive, and kills it.
func (tr ctlJobTree) assertGone(t *testing.T, what string) {
	t.Helper()
	if len(tr.pgids) == 0 {
		t.Fatalf("%s: no job recorded its process group", what)
	}
	if left := tr.left(); len(left) > 0 {
		t.Errorf("%s: processes of the jobs are still alive after krun exited:\n%s", what, strings.Join(left, "\n"))
	}
	tr.kill()
}

// kill kills what is left of the jobs, so that a failing test leaves
// nothing behind.
func (tr ctlJobTree) kill() {
	for _, pid := range tr.pids {
		if p, ok := ctlLive(pid); ok && tr.pgids[p.Pgid] {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// TestControlTimeoutEndsJobTree: a job past --timeout is ended with its
// whole process tree, krun returns, and the job counts as failed (exit
// status 1). Also when a grandchild sits in the background holding the
// job's stdout, and when one escaped the job's process group (setsid):
// krun returns after a grace, the job counts as failed, and none of its
// descendants is left alive.
func TestControlTimeoutEndsJobTree(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		template string
		// escapee is the file where a process that left the job's process
		// group recorded its pid.
		escapee string
		// ready are the files that exist once every process is up.
		ready []string
	}{{
		name:     "shell waits for a background child",
		template: `echo $$ > pg.{}; sh -c 'sleep 100 & echo $! > pid.gc; echo $$ > pid.inner; touch ready; echo started; wait'`,
		ready:    []string{"ready"},
	}, {
		name: "grandchild holds stdout in the background",
		template: `echo $$ > pg.{}; (sleep 100 & echo $! > pid.gc; touch ready; wait; echo late) & echo $! > pid.sub; ` +
			`while [ ! -e ready ]; do sleep 0.01; done; echo started`,
		ready: []string{"ready"},
	}, {
		name: "grandchild left the process group holding stdout",
		template: `echo $$ > pg.{}; setsid sh -c 'echo $$ > esc.tmp; mv esc.tmp pid.esc; exec sleep 100' & ` +
			`while [ ! -e pid.esc ]; do sleep 0.01; done; echo started`,
		escapee: "pid.esc",
		ready:   []string{"pid.esc"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.escapee != "" {
				if _, err := exec.LookPath("setsid"); err != nil {
					t.Skip("needs setsid")
				}
			}
			dir := t.TempDir()
			k := ctlKrun(t, dir, nil, "--timeout", "1", c.template, ":::", "a")
			code := k.wait()
			tree := ctlTree(t, dir, "pid.*")
			if c.escapee != "" {
				// The escapee is in a group of its own: check it by pid.
				if pid, ok := tree.pids[c.escapee]; ok {
					if p, live := ctlLive(pid); live && p.Sid == pid && p.Comm == "sleep" {
						t.Errorf("the job's grandchild that left its process group (pid %d, %s) is still alive after krun exited", pid, p.Comm)
						syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			}
			tree.assertGone(t, c.name)
			if code != 1 {
				t.Errorf("exit status %d, want 1 (the job counts as failed); stderr:\n%s", code, k.stderrText())
			}
			if got := k.stdout.String(); got != "started\n" {
				t.Errorf("stdout %q, want %q", got, "started\n")
			}
			for _, f := range c.ready {
				if !ctlExists(dir, f) {
					t.Errorf("the job never got to create %s: the test proves nothing", f)
				}
			}
			if s := k.stderrText(); strings.Contains(s, "panic") {
				t.Errorf("stderr: %s", s)
			}
		})
	}
}

// TestControlTimeoutPercentOfMedian: --timeout 200% limits a job to twice
// the median runtime of the jobs finished so far: the fast jobs run to
// the end, the slow one is ended no earlier than twice the fast ones'
// runtime, and counts as the one failure.
func TestControlTimeoutPercentOfMedian(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctlWrite(t, dir, "job.sh", `
if [ "$1" = slow ]; then
	trap 'date +%s.%N > term.slow; exit 143' TERM
	while :; do sleep 0.05; done
fi
sleep 0.3
echo done $1
date +%s.%N > end.$1
`)
	k := ctlKrun(t, dir, nil, "-j1", "-k", "--timeout", "200%", "exec sh job.sh {}", ":::", "1", "2", "3", "slow")
	code := k.wait()
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, k.stderrText())
	}
	if got, want := k.stdout.String(), "done 1\ndone 2\ndone 3\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if !ctlExists(dir, "term.slow") {
		t.Fatal("the slow job was not sent SIGTERM")
	}
	// The slow job started after job 3 ended; its limit is at least twice
	// 0.3 s.
	if ran := ctlStamp(t, dir, "term.slow") - ctlStamp(t, dir, "end.3"); ran < 0.6 {
		t.Errorf("the slow job was ended %.3fs after it could start, before 200%% of the median (>= 0.6s)", ran)
	}
}

// TestControlTermseqGNUForm: GNU parallel's --termseq form, waits in
// milliseconds: a job that traps SIGTERM gets it, survives it, and is
// killed with SIGKILL 200 ms later.
func TestControlTermseqGNUForm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := ctlKrun(t, dir, nil, "--timeout", "0.5", "--termseq", "TERM,200,KILL,25",
		`echo $$ > pg.{}; trap 'echo got TERM; touch term' TERM; sleep 100 & echo $! > pid.gc; touch ready; while :; do sleep 0.05; done`, ":::", "a")
	code := k.wait()
	tree := ctlTree(t, dir, "pid.*")
	tree.assertGone(t, "trapping TERM")
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, k.stderrText())
	}
	if !ctlExists(dir, "term") || !strings.Contains(k.stdout.String(), "got TERM") {
		t.Errorf("the job did not get SIGTERM first; stdout %q", k.stdout.String())
	}
	// 0.5 s to the timeout, then 200 ms (not 200 s, not 200 ns) to KILL.
	if took := k.ended.Sub(k.started); took < 700*time.Millisecond {
		t.Errorf("krun exited %v after it started: the job was killed before TERM + 200ms", took)
	}
}

// TestControlSignalEndsEveryJob: SIGINT, SIGTERM or SIGHUP to krun running
// 4 jobs that each started 2 background grandchildren: krun exits 128+N,
// no process of any job is left alive, and the output of the job that had
// finished is complete.
func TestControlSignalEndsEveryJob(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctlWrite(t, dir, "job.sh", `
if [ "$1" = fast ]; then seq 1 30000; touch fastdone; exit 0; fi
read -r _ _ _ _ pg _ < /proc/$$/stat; echo $pg > pg.$1; echo $$ > pid.$1
sleep 100 & echo $! > gc1.$1
sleep 100 & echo $! > gc2.$1
touch ready.$1
wait
`)
			// The fast job writes more than a pipe holds.
			k := ctlKrun(t, dir, nil, "-j5", "exec sh job.sh {}", ":::", "fast", "1", "2", "3", "4")
			k.waitFor("all jobs ready", ctlAllExist(dir, "fastdone", "ready.1", "ready.2", "ready.3", "ready.4"))
			tree := ctlTree(t, dir, "gc*", "pid.*")
			if n := len(tree.pids); n != 16 {
				t.Fatalf("%d processes recorded, want 16", n)
			}
			if left := tree.left(); len(left) != 16 {
				t.Fatalf("before the signal, only these are alive:\n%s", strings.Join(left, "\n"))
			}
			k.cmd.Process.Signal(sig)
			code := k.wait()
			tree.assertGone(t, "after "+sig.String())
			if want := 128 + int(sig); code != want {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, want, k.stderrText())
			}
			var want strings.Builder
			for i := 1; i <= 30000; i++ {
				fmt.Fprintf(&want, "%d\n", i)
			}
			if got := k.stdout.String(); got != want.String() {
				t.Errorf("the finished job's output is not complete: %d bytes, want %d", len(got), want.Len())
			}
		})
	}
}

// TestControlSecondSIGINTKillsAtOnce: a job that ignores SIGINT and
// SIGTERM keeps krun in the --termseq grace (60 s here); a second SIGINT
// kills it at once, and the output of the job that finished is complete.
func TestControlSecondSIGINTKillsAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The traps are set in the job's own shell, the leader of its group.
	k := ctlKrun(t, dir, nil, "-j2", "--termseq", "INT,60s,KILL",
		`if [ {} = fast ]; then echo fast-out; touch fastdone; exit 0; fi; `+
			`trap 'touch gotint' INT; trap '' TERM; echo $$ > pg.{}; touch ready; while :; do sleep 0.05; done`,
		":::", "fast", "stubborn")
	k.waitFor("both jobs started", ctlAllExist(dir, "fastdone", "ready"))
	tree := ctlTree(t, dir)
	k.cmd.Process.Signal(syscall.SIGINT)
	k.waitFor("the job got the forwarded SIGINT", ctlAllExist(dir, "gotint"))
	// Still running: the job ignores it, and the grace is 60 s.
	if left := tree.left(); len(left) == 0 {
		t.Fatal("the job ended on the first SIGINT although it ignores it")
	}
	select {
	case <-k.exited:
		t.Fatalf("krun exited on the first SIGINT, before the grace; stderr:\n%s", k.stderrText())
	default:
	}
	second := time.Now()
	k.cmd.Process.Signal(syscall.SIGINT)
	code := k.wait()
	if took := k.ended.Sub(second); took > 30*time.Second {
		t.Errorf("krun took %v to exit after the second SIGINT: it waited for the 60s grace", took)
	}
	tree.assertGone(t, "after the second SIGINT")
	if code != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", code, k.stderrText())
	}
	if got := k.stdout.String(); got != "fast-out\n" {
		t.Errorf("stdout %q, want the finished job's output %q", got, "fast-out\n")
	}
}

// ctlHaltJob is the job of the --halt tests. Its argument is
// KIND:NAME[:CODE[:WAITS]]: it records ran.NAME, waits until the jobs
// named in WAITS (comma-separated) have started, then by KIND: w waits
// until krun has reported the halt (the test then creates "halted"), k
// runs until it is killed, s and f end at once; x kills itself with
// SIGKILL. A job that ends normally records finished.NAME and exits CODE;
// one that gets SIGTERM records term.NAME.
const ctlHaltJob = `
set -f
IFS=:
set -- $1
kind=$1 name=$2 code=${3:-0} waits=$4
trap 'touch term.$name; exit 143' TERM
touch ran.$name
IFS=,
for w in $waits; do
	while [ ! -e ran.$w ]; do sleep 0.01; done
done
case $kind in
w) while [ ! -e halted ]; do sleep 0.01; done ;;
k) while :; do sleep 0.01; done ;;
x) kill -KILL $$ ;;
esac
touch finished.$name
exit $code
`

// TestControlHalt: every --halt form, with jobs synchronised on files so
// that which jobs run when the rule trips is certain: which jobs ran,
// which finished, which were ended by krun, and the exit status.
func TestControlHalt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		halt  string
		jobs  string
		items []string
		// Job names.
		ran, finished, killed []string
		exit                  int
		tripped               bool
	}{{
		name: "never", halt: "never", jobs: "2",
		items: []string{"f:1:3", "s:2", "f:3:5", "s:4"},
		ran:   []string{"1", "2", "3", "4"}, finished: []string{"1", "2", "3", "4"},
		exit: 2,
	}, {
		name: "0 is never", halt: "0", jobs: "2",
		items: []string{"f:1:3", "s:2", "f:3:5", "s:4"},
		ran:   []string{"1", "2", "3", "4"}, finished: []string{"1", "2", "3", "4"},
		exit: 2,
	}, {
		// The running job finishes; nothing new starts; the exit status
		// is the failing job's.
		name: "soon,fail=1", halt: "soon,fail=1", jobs: "2",
		items: []string{"w:1", "f:2:7", "s:3", "s:4"},
		ran:   []string{"1", "2"}, finished: []string{"1", "2"},
		exit: 7, tripped: true,
	}, {
		name: "1 is soon,fail=1", halt: "1", jobs: "2",
		items: []string{"w:1", "f:2:7", "s:3", "s:4"},
		ran:   []string{"1", "2"}, finished: []string{"1", "2"},
		exit: 7, tripped: true,
	}, {
		// The running jobs are ended; the exit status is the failing job's.
		name: "now,fail=1", halt: "now,fail=1", jobs: "3",
		items: []string{"k:1", "k:2", "f:3:9:1,2", "s:4"},
		ran:   []string{"1", "2", "3"}, finished: []string{"3"}, killed: []string{"1", "2"},
		exit: 9, tripped: true,
	}, {
		name: "2 is now,fail=1", halt: "2", jobs: "3",
		items: []string{"k:1", "k:2", "f:3:9:1,2", "s:4"},
		ran:   []string{"1", "2", "3"}, finished: []string{"3"}, killed: []string{"1", "2"},
		exit: 9, tripped: true,
	}, {
		// A failing job killed by a signal: 128+signal.
		name: "now,fail=1 job killed by SIGKILL", halt: "now,fail=1", jobs: "2",
		items: []string{"k:1", "x:2:0:1", "s:3"},
		ran:   []string{"1", "2"}, killed: []string{"1"},
		exit: 137, tripped: true,
	}, {
		// fail=N for N>1: the number of failed jobs.
		name: "soon,fail=2", halt: "soon,fail=2", jobs: "2",
		items: []string{"w:1", "f:2:3", "f:3:4", "s:4", "s:5"},
		ran:   []string{"1", "2", "3"}, finished: []string{"1", "2", "3"},
		exit: 2, tripped: true,
	}, {
		// success=1 trips on the first success; no job had failed then.
		name: "now,success=1", halt: "now,success=1", jobs: "3",
		items: []string{"k:1", "k:2", "s:3:0:1,2", "s:4"},
		ran:   []string{"1", "2", "3"}, finished: []string{"3"}, killed: []string{"1", "2"},
		exit: 0, tripped: true,
	}, {
		// done=2 counts successes and failures alike; the exit status is
		// the number of failed jobs.
		name: "soon,done=2", halt: "soon,done=2", jobs: "2",
		items: []string{"w:1", "s:2", "f:3:6", "s:4", "s:5"},
		ran:   []string{"1", "2", "3"}, finished: []string{"1", "2", "3"},
		exit: 1, tripped: true,
	}, {
		// 2 of the 3 finished jobs failed (67% >= 50%) when job 4 ends:
		// the exit status is the percentage rounded up.
		name: "now,fail=50%", halt: "now,fail=50%", jobs: "2",
		items: []string{"k:1", "s:2:0:1", "f:3:5", "f:4:6", "s:5"},
		ran:   []string{"1", "2", "3", "4"}, finished: []string{"2", "3", "4"}, killed: []string{"1"},
		exit: 67, tripped: true,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctlWrite(t, dir, "job.sh", ctlHaltJob)
			onLine := func(line string) {
				if strings.HasPrefix(line, "krun: halt:") {
					os.WriteFile(filepath.Join(dir, "halted"), nil, 0o644)
				}
			}
			args := append([]string{"-j", c.jobs, "--halt", c.halt, "exec sh job.sh {}", ":::"}, c.items...)
			k := ctlKrun(t, dir, onLine, args...)
			code := k.wait()
			stderr := k.stderrText()
			if code != c.exit {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, c.exit, stderr)
			}
			check := func(prefix string, want []string) {
				t.Helper()
				var got []string
				for _, item := range c.items {
					name := strings.Split(item, ":")[1]
					if ctlExists(dir, prefix+"."+name) {
						got = append(got, name)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("jobs with %s.*: %v, want %v; stderr:\n%s", prefix, got, want, stderr)
				}
			}
			check("ran", c.ran)
			check("finished", c.finished)
			check("term", c.killed)
			if n := strings.Count(stderr, "krun: halt:"); c.tripped && n != 1 || !c.tripped && n != 0 {
				t.Errorf("%d halt messages on stderr:\n%s", n, stderr)
			}
		})
	}
}

// ctlWithoutSummary drops krun's summary line of failed jobs ("krun: 2 of
// 5 jobs failed (seq 1, 4)") from stderr: it is not an error message.
func ctlWithoutSummary(stderr string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(stderr, "\n") {
		if ctlSummary.MatchString(line) {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

var ctlSummary = regexp.MustCompile(`^krun: \d+ of \d+ jobs failed \(seq `)

// breakerLines returns krun's breaker messages on stderr, in order.
func breakerLines(stderr string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "krun: breaker") {
			out = append(out, line)
		}
	}
	return out
}

// TestControlBreaker: --breaker fail=50%,window=4,cooldown=1s over jobs
// run one at a time, the first half failing: the breaker opens after the
// fourth failure, stays open for the cooldown, lets one probe through
// (which fails: open again), then another (which succeeds: closed); each
// transition is reported on stderr in that order, and each pause lasts at
// least the cooldown.
func TestControlBreaker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctlWrite(t, dir, "job.sh", `
date +%s.%N > start.$1
code=0
if [ "$1" -le 5 ]; then code=1; fi
date +%s.%N > end.$1
exit $code
`)
	k := ctlKrun(t, dir, nil, "-j1", "--breaker", "fail=50%,window=4,cooldown=1s", "exec sh job.sh {}", ":::",
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
	code := k.wait()
	stderr := k.stderrText()
	if code != 5 {
		t.Errorf("exit status %d, want 5; stderr:\n%s", code, stderr)
	}
	want := []string{
		"krun: breaker open: 4/4 of the last 4 jobs failed; pausing 1s",
		"krun: breaker half-open: letting one job through",
		"krun: breaker open: the probe job 5 failed; pausing 1s",
		"krun: breaker half-open: letting one job through",
		"krun: breaker closed: the probe job 6 succeeded",
	}
	if got := breakerLines(stderr); !slices.Equal(got, want) {
		t.Errorf("breaker messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := 1; i <= 10; i++ {
		if !ctlExists(dir, "end."+strconv.Itoa(i)) {
			t.Errorf("job %d did not run", i)
		}
	}
	// The breaker opened after job 4 ended, and again after job 5.
	if pause := ctlStamp(t, dir, "start.5") - ctlStamp(t, dir, "end.4"); pause < 1 {
		t.Errorf("the probe job 5 started %.3fs after the breaker opened, before the 1s cooldown", pause)
	}
	if pause := ctlStamp(t, dir, "start.6") - ctlStamp(t, dir, "end.5"); pause < 1 {
		t.Errorf("the probe job 6 started %.3fs after the breaker reopened, before the 1s cooldown", pause)
	}
}

// TestControlBreakerOneProbe: with free slots, the half-open breaker lets
// exactly one job through; the others start only once it has succeeded.
func TestControlBreakerOneProbe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Job 3, the probe, takes a while: time for a wrongly admitted second
	// job to start beside it.
	ctlWrite(t, dir, "job.sh", `
date +%s.%N > start.$1
code=0
if [ "$1" -le 2 ]; then code=1; fi
if [ "$1" = 3 ]; then sleep 0.3; fi
date +%s.%N > end.$1
exit $code
`)
	k := ctlKrun(t, dir, nil, "-j2", "--breaker", "fail=100%,window=1,cooldown=0.5s", "exec sh job.sh {}", ":::", "1", "2", "3", "4", "5")
	code := k.wait()
	stderr := k.stderrText()
	if code != 2 {
		t.Errorf("exit status %d, want 2; stderr:\n%s", code, stderr)
	}
	want := []string{
		"krun: breaker open: 1/1 of the last 1 jobs failed; pausing 500ms",
		"krun: breaker half-open: letting one job through",
		"krun: breaker closed: the probe job 3 succeeded",
	}
	if got := breakerLines(stderr); !slices.Equal(got, want) {
		t.Errorf("breaker messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	opened := min(ctlStamp(t, dir, "end.1"), ctlStamp(t, dir, "end.2"))
	if pause := ctlStamp(t, dir, "start.3") - opened; pause < 0.5 {
		t.Errorf("the probe started %.3fs after the breaker opened, before the 0.5s cooldown", pause)
	}
	probeEnd := ctlStamp(t, dir, "end.3")
	for _, j := range []string{"4", "5"} {
		if s := ctlStamp(t, dir, "start."+j); s < probeEnd {
			t.Errorf("job %s started %.3fs before the probe ended: half-open let more than one job through", j, probeEnd-s)
		}
	}
}

// TestControlDelay: --delay 0.2 spaces the job starts at least 0.2 s
// apart, even with free slots. The jobs time their own start, a few
// milliseconds after krun starts them, hence the small tolerance.
func TestControlDelay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// krun's own start events time the starts: a job's first command may
	// run late on a loaded machine, which says nothing about krun.
	k := ctlKrun(t, dir, nil, "-j5", "--delay", "0.2", "--events", "events.jsonl", "true {}", ":::", "1", "2", "3", "4", "5")
	if code := k.wait(); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, k.stderrText())
	}
	data, err := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var starts []time.Time
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			Event string `json:"event"`
			Time  string `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		if e.Event != "start" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, e.Time)
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, ts)
	}
	if len(starts) != 5 {
		t.Fatalf("%d start events, want 5", len(starts))
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	// Generous: the event is taken on the job's goroutine, which a busy
	// machine may schedule a little late.
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 100*time.Millisecond {
			t.Errorf("starts %d and %d are %v apart, want 0.2s", i, i+1, gap)
		}
	}
	if span := starts[4].Sub(starts[0]); span < 700*time.Millisecond {
		t.Errorf("5 starts span %v, want at least 4 x 0.2s", span)
	}
}

// TestControlRetryDelay: --retries 3 --retry-delay 0.4 waits between
// tries, doubling each time: with at most ±50% jitter, at least 0.2 s
// before the second try and at least 0.4 s before the third.
func TestControlRetryDelay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := ctlKrun(t, dir, nil, "--retries", "3", "--retry-delay", "0.4",
		`n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n > count; date +%s.%N > start.$n; echo try $n {}; date +%s.%N > end.$n; exit 1`, ":::", "a")
	code := k.wait()
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, k.stderrText())
	}
	if n := ctlInt(t, dir, "count"); n != 3 {
		t.Fatalf("the job ran %d times, want 3", n)
	}
	if got := k.stdout.String(); got != "try 3 a\n" {
		t.Errorf("stdout %q, want only the last try's output", got)
	}
	if gap := ctlStamp(t, dir, "start.2") - ctlStamp(t, dir, "end.1"); gap < 0.2 {
		t.Errorf("the second try started %.3fs after the first ended, want at least 0.2s", gap)
	}
	if gap := ctlStamp(t, dir, "start.3") - ctlStamp(t, dir, "end.2"); gap < 0.4 {
		t.Errorf("the third try started %.3fs after the second ended, want at least 0.4s", gap)
	}
}

// TestControlTooManyOpenFiles: with ulimit -n 64 and -j 200, krun admits
// only as many jobs at once as its descriptors allow, says so once, and
// all 300 jobs complete: never a hang, a panic, a job failed for want of
// descriptors, or lost output. With ulimit -n 12 nothing can run: a clear
// error and a non-zero exit status.
func TestControlTooManyOpenFiles(t *testing.T) {
	t.Parallel()
	t.Run("ulimit -n 64", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		k := startProc(t, procOptions{dir: dir}, "sh", "-c", `ulimit -n 64 && exec krun -j 200 'echo job {}; sleep 0.05' ::: $(seq 300)`)
		code := k.wait()
		got := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSuffix(k.stdout.String(), "\n"), "\n") {
			if got[l] {
				t.Errorf("line %q twice", l)
			}
			got[l] = true
		}
		if code != 0 || len(got) != 300 {
			t.Errorf("exit status %d with %d distinct lines of 300", code, len(got))
		}
		warning := regexp.MustCompile(`\Akrun: warning: only enough file descriptors \(ulimit -n 64\) for [0-9]+ jobs at once: running at most that many\n\z`)
		if !warning.MatchString(k.stderrText()) {
			t.Errorf("stderr %q, want the one warning about descriptors", k.stderrText())
		}
	})
	t.Run("ulimit -n 12", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		k := startProc(t, procOptions{dir: dir}, "sh", "-c", `ulimit -n 12 && exec krun -j 200 'echo job {}' ::: $(seq 300)`)
		code := k.wait()
		stderr := ctlWithoutSummary(k.stderrText())
		if code == 0 {
			t.Errorf("exit status 0 with 12 descriptors; stdout %d bytes", k.stdout.Len())
		}
		if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
			t.Fatalf("krun panicked:\n%s", stderr)
		}
		errLines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if len(errLines) != 1 || !strings.HasPrefix(errLines[0], "krun: error: ") || !strings.Contains(errLines[0], "open files") {
			t.Errorf("want one clear error about open files; stderr:\n%s", stderr)
		}
	})
}
