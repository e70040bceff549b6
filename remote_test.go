package main

// End-to-end tests of remote hosts (-S, issue 18) with real OpenSSH
// servers: each test starts its own sshd processes on free ports of
// 127.0.0.1 (internal/sshtest) and drives the real krun against them. The
// hosts are this machine, so what a job leaves behind "on the host" is
// checked in /proc.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/krun-dev/krun/internal/sshtest"
	"github.com/krun-dev/krun/output"
)

// startHosts starts one sshd per name for the test; it fails the test
// when sshd is missing in CI, and skips it elsewhere.
func startHosts(t *testing.T, names ...string) *sshtest.Hosts {
	t.Helper()
	if why := sshtest.Missing(); why != "" {
		if sshtest.InCI() {
			t.Fatalf("remote tests need OpenSSH: %s", why)
		}
		t.Skip(why)
	}
	h, err := sshtest.Start(t.TempDir(), names...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	return h
}

// readLines returns the lines of dir/name.
func readLines(t *testing.T, dir, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestRemoteSpreadSlots: jobs spread over three hosts, never more at once
// on a host than its slots; each job's output is tagged with the host it
// ran on ({host}), and the joblog's Host column names it too.
func TestRemoteSpreadSlots(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1", "h2", "h3")
	dir := t.TempDir()
	slots := map[string]int{"h1": 1, "h2": 2, "h3": 3}
	// Each job counts the jobs live on its host as it starts: at most the
	// real number, never more.
	job := `mkdir -p ` + dir + `/live/$KRUN_HOST && touch ` + dir + `/live/$KRUN_HOST/{} && ` +
		`ls ` + dir + `/live/$KRUN_HOST | wc -l > ` + dir + `/count.$KRUN_HOST.{} && echo "$KRUN_HOST" > ` + dir + `/host.{} && ` +
		`sleep 0.2; rm ` + dir + `/live/$KRUN_HOST/{}; echo job {} on $KRUN_HOST`
	args := []string{"--ssh", h.SSH(), "-S", "1/h1", "-S", "2/h2,3/h3", "--tagstring", "{host}", "--joblog", filepath.Join(dir, "log"), job, ":::"}
	const n = 30
	for i := 1; i <= n; i++ {
		args = append(args, strconv.Itoa(i))
	}
	k := ctlKrun(t, dir, nil, args...)
	if code := k.wait(); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, k.stderrText())
	}
	ran := map[string]int{}
	counts, _ := filepath.Glob(filepath.Join(dir, "count.*"))
	if len(counts) != n {
		t.Fatalf("%d jobs counted, want %d", len(counts), n)
	}
	for _, f := range counts {
		host := strings.Split(filepath.Base(f), ".")[1]
		ran[host]++
		if c := ctlInt(t, dir, filepath.Base(f)); c > slots[host] {
			t.Errorf("%d jobs at once on %s, which has %d slots", c, host, slots[host])
		}
	}
	for host := range slots {
		if ran[host] == 0 {
			t.Errorf("no job ran on %s: %v", host, ran)
		}
	}
	// Output: tagged with the host the job says it ran on.
	tagged := regexp.MustCompile(`^(h[123])\tjob (\d+) on (h[123])$`)
	lines := strings.Split(strings.TrimSuffix(k.stdout.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines of output, want %d:\n%s", len(lines), n, k.stdout.String())
	}
	for _, l := range lines {
		m := tagged.FindStringSubmatch(l)
		if m == nil || m[1] != m[3] {
			t.Errorf("output line %q: want the {host} tag, then the job's own line naming the same host", l)
		}
	}
	// Joblog: the Host column is the host of the job.
	log := readLines(t, dir, "log")
	if log[0] != strings.TrimSuffix(output.JobLogHeader, "\n") || len(log) != n+1 {
		t.Fatalf("joblog:\n%s", strings.Join(log, "\n"))
	}
	for _, l := range log[1:] {
		f := strings.Split(l, "\t")
		want := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, "host."+f[0])))))
		if f[1] != want || f[6] != "0" {
			t.Errorf("joblog line %q: Host %q, want %q (exit 0)", l, f[1], want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// remoteTree is the job template of the kill tests: each job records its
// shell (the leader of its process group on the host) and a grandchild,
// then waits for them.
func remoteTree(dir string) string {
	return `echo $$ > ` + dir + `/pg.{}; sh -c 'sleep 1000 & echo $! > ` + dir + `/pid.gc.{}; wait' & ` +
		`echo $! > ` + dir + `/pid.sub.{}; while [ ! -s ` + dir + `/pid.gc.{} ]; do sleep 0.01; done; touch ` + dir + `/ready.{}; wait`
}

// TestRemoteTimeoutEndsTree: --timeout ends the job's whole process tree
// on the host, and the job fails.
func TestRemoteTimeoutEndsTree(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	k := ctlKrun(t, dir, nil, "--ssh", h.SSH(), "-S", "h1", "--timeout", "10", "--joblog", filepath.Join(dir, "log"), remoteTree(dir), ":::", "a", "b")
	code := k.wait()
	tree := ctlTree(t, dir, "pid.*")
	if len(tree.pgids) != 2 || !ctlAllExist(dir, "ready.a", "ready.b")() {
		t.Fatalf("the jobs did not all start their processes; stderr:\n%s", k.stderrText())
	}
	tree.assertGone(t, "--timeout")
	if code != 2 {
		t.Errorf("exit status %d, want 2 (both jobs timed out); stderr:\n%s", code, k.stderrText())
	}
	if s := k.stderrText(); strings.Count(s, "timed out after 10s") != 2 {
		t.Errorf("stderr does not say twice that a job timed out:\n%s", s)
	}
	for _, l := range readLines(t, dir, "log")[1:] {
		if f := strings.Split(l, "\t"); f[1] != "h1" || f[6] != "-1" {
			t.Errorf("joblog line %q: want Host h1, Exitval -1", l)
		}
	}
}

// TestRemoteInterruptEndsTree: Ctrl-C (SIGINT to krun) ends the jobs'
// process trees on the host; krun exits with 130.
func TestRemoteInterruptEndsTree(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1", "h2")
	dir := t.TempDir()
	k := ctlKrun(t, dir, nil, "--ssh", h.SSH(), "-S", "1/h1,1/h2", remoteTree(dir), ":::", "a", "b", "c")
	k.waitFor("both jobs running", ctlAllExist(dir, "ready.a", "ready.b"))
	k.cmd.Process.Signal(syscall.SIGINT)
	code := k.wait()
	tree := ctlTree(t, dir, "pid.*")
	tree.assertGone(t, "SIGINT")
	if code != 130 {
		t.Errorf("exit status %d, want 130; stderr:\n%s", code, k.stderrText())
	}
	if ctlExists(dir, "pg.c") {
		t.Errorf("job c started after the interrupt")
	}
}

// TestRemoteHostDies: a host that goes down mid-run (its sshd and every
// connection killed) is taken out of rotation with one message; its jobs
// run again on the other hosts and the run succeeds.
func TestRemoteHostDies(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1", "h2", "h3")
	dir := t.TempDir()
	// Job 1 goes to h1 (the first with a free slot); on h2, a job waits
	// for the go file, which the test makes after killing h2.
	job := `echo "$KRUN_HOST" >> ` + dir + `/ran.{}; ` +
		`if [ "$KRUN_HOST" = h2 ]; then touch ` + dir + `/onh2.{}; while [ ! -e ` + dir + `/go ]; do sleep 0.02; done; fi; echo done {}`
	args := []string{"--ssh", h.SSH(), "-S", "1/h1,1/h2,1/h3", "--joblog", filepath.Join(dir, "log"), job, ":::"}
	const n = 12
	for i := 1; i <= n; i++ {
		args = append(args, strconv.Itoa(i))
	}
	k := ctlKrun(t, dir, nil, args...)
	k.waitFor("a job on h2", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "onh2.*"))
		return len(m) > 0
	})
	if err := h.Kill("h2"); err != nil {
		t.Fatal(err)
	}
	ctlWrite(t, dir, "go", "")
	if code := k.wait(); code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, k.stderrText())
	}
	out := k.stdout.String()
	for i := 1; i <= n; i++ {
		if c := strings.Count(out, "done "+strconv.Itoa(i)+"\n"); c != 1 {
			t.Errorf("job %d wrote its line %d times, want once:\n%s", i, c, out)
		}
	}
	t.Logf("stderr:\n%s", k.stderrText())
	if s := k.stderrText(); strings.Count(s, "out of rotation") != 1 || !strings.Contains(s, "host h2:") {
		t.Errorf("stderr should say once that h2 left the rotation:\n%s", s)
	}
	for _, l := range readLines(t, dir, "log")[1:] {
		if f := strings.Split(l, "\t"); f[1] == "h2" || f[6] != "0" {
			t.Errorf("joblog line %q: every job ends well, on h1 or h3", l)
		}
	}
}

// TestRemoteTransfers: --transferfile sends each job's file, --return
// brings its result back, --cleanup leaves nothing on the host, --basefile
// arrives once per host before the first job, --workdir ... gives each job
// a private directory that is gone afterwards; with rsync, and with ssh
// and cat when krun finds no rsync.
func TestRemoteTransfers(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1", "h2")
	for _, via := range []string{"rsync", "cat"} {
		t.Run(via, func(t *testing.T) {
			dir := t.TempDir()
			remoteDir := filepath.Join(t.TempDir(), "work dir") // the hosts' --workdir
			names := []string{"plain.txt", "sub dir/it's $(x).txt", "-dash.txt"}
			for i, n := range names {
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(n)), 0o755); err != nil {
					t.Fatal(err)
				}
				ctlWrite(t, dir, n, strings.Repeat("x", i+1)+"\n")
			}
			ctlWrite(t, dir, "base.txt", "base\n")
			// Each job checks the base file and its own file are there,
			// writes its result next to its file, and records where it ran.
			job := `test -f base.txt && test -f {} && wc -c < {} > {}.out && pwd > ` + dir + `/pwd.$KRUN_SEQ`
			args := []string{"--ssh", "/usr/bin/ssh -F " + h.Config, "-S", "1/h1,1/h2", "--workdir", remoteDir,
				"--basefile", "base.txt", "--trc", "{}.out", job, ":::"}
			krun, err := exec.LookPath("krun")
			if err != nil {
				t.Fatal(err)
			}
			path := os.Getenv("PATH")
			if via == "cat" {
				// No rsync here (nor anything else on $PATH): krun must
				// carry the files itself.
				path = t.TempDir()
			}
			k := startProc(t, procOptions{dir: dir, env: []string{"PATH=" + path}}, krun, append(args, names...)...)
			if code := k.wait(); code != 0 {
				t.Fatalf("exit status %d; stderr:\n%s", code, k.stderrText())
			}
			for i, n := range names {
				got, err := os.ReadFile(filepath.Join(dir, n+".out"))
				if err != nil || strings.TrimSpace(string(got)) != strconv.Itoa(i+2) {
					t.Errorf("%s.out: %q, %v; want the byte count %d", n, got, err, i+2)
				}
			}
			// The hosts' working directory: only the base file's
			// directory is left, empty (--cleanup).
			left, _ := filepath.Glob(filepath.Join(remoteDir, "*"))
			var files []string
			filepath.Walk(remoteDir, func(p string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					files = append(files, p)
				}
				return nil
			})
			if len(files) != 0 {
				t.Errorf("files left on the host after --cleanup: %q (entries %q)", files, left)
			}
			if got := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, "pwd.1"))))); got != remoteDir {
				t.Errorf("the job ran in %q, want --workdir %q", got, remoteDir)
			}
		})
	}
}

// TestRemotePrivateWorkdir: --workdir ... runs each job in a directory of
// its own, removed after the job.
func TestRemotePrivateWorkdir(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	job := `pwd > ` + dir + `/pwd.{} && touch leftover`
	k := ctlKrun(t, dir, nil, "--ssh", h.SSH(), "-S", "h1", "--workdir", "...", job, ":::", "a", "b")
	if code := k.wait(); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, k.stderrText())
	}
	a := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, "pwd.a")))))
	b := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, "pwd.b")))))
	if a == b || !strings.Contains(a, "/.krun/tmp/") {
		t.Errorf("the jobs ran in %q and %q: want a private directory each, under ~/.krun/tmp", a, b)
	}
	for _, d := range []string{a, b} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s is still there after the job", d)
		}
	}
}

// TestRemoteNoHostLeft: when the only host goes down, its jobs have
// nowhere to go: krun says so and exits 255.
func TestRemoteNoHostLeft(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	job := `touch ` + dir + `/on.{}; while [ ! -e ` + dir + `/go ]; do sleep 0.02; done`
	k := ctlKrun(t, dir, nil, "--ssh", h.SSH(), "-S", "1/h1", job, ":::", "a", "b")
	k.waitFor("job a on h1", ctlAllExist(dir, "on.a"))
	if err := h.Kill("h1"); err != nil {
		t.Fatal(err)
	}
	ctlWrite(t, dir, "go", "")
	if code := k.wait(); code != 255 {
		t.Errorf("exit status %d, want 255", code)
	}
	s := k.stderrText()
	if !strings.Contains(s, "krun: host h1: ") || !strings.Contains(s, "krun: error: no host is left to run jobs on\n") {
		t.Errorf("stderr should say h1 left and no host is left:\n%s", s)
	}
	if ctlExists(dir, "on.b") {
		t.Errorf("job b ran: on which host?")
	}
}

// TestRemoteKill9: when krun itself is killed with kill -9, the jobs'
// trees on the host end too: the job's ssh dies with krun (its guardian),
// the wrapper on the host sees its control pipe close, and ends the tree.
func TestRemoteKill9(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	// The control sockets' directory, which a killed krun cannot remove
	// (its guardian does), goes to a temporary directory of the test's.
	tmp := t.TempDir()
	k := startProc(t, procOptions{dir: dir, env: []string{"TMPDIR=" + tmp}}, "krun", "--ssh", h.SSH(), "-S", "2/h1", remoteTree(dir), ":::", "a", "b")
	k.waitFor("both jobs running", ctlAllExist(dir, "ready.a", "ready.b"))
	k.cmd.Process.Signal(syscall.SIGKILL)
	k.wait()
	tree := ctlTree(t, dir, "pid.*")
	// The host ends the tree on its own time: TERM at once, KILL 2
	// seconds later. Wait for it, with a generous bound.
	deadline := time.Now().Add(testCeiling)
	for len(tree.left()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	tree.assertGone(t, "kill -9 of krun")
	if m := controlDirsLeft(tmp, deadline); len(m) > 0 {
		t.Errorf("ssh's control directory outlived krun's kill -9: %q", m)
	}
}

// controlDirsLeft waits until tmp holds no directory of ssh's control
// sockets (krun-ssh-*), or deadline passes, and returns those left.
func controlDirsLeft(tmp string, deadline time.Time) []string {
	for {
		m, _ := filepath.Glob(filepath.Join(tmp, "krun-ssh-*"))
		if len(m) == 0 || time.Now().After(deadline) {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRemoteHaltNow: --halt now,fail=1 ends the other jobs' trees on the
// host when one job fails.
func TestRemoteHaltNow(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	// Job "fail" fails once job "a" has its processes up.
	job := `if [ {} = fail ]; then while [ ! -e ` + dir + `/ready.a ]; do sleep 0.02; done; exit 1; fi; ` + remoteTree(dir)
	k := ctlKrun(t, dir, nil, "--ssh", h.SSH(), "-S", "2/h1", "--halt", "now,fail=1", job, ":::", "a", "fail")
	code := k.wait()
	tree := ctlTree(t, dir, "pid.*")
	if len(tree.pgids) != 1 {
		t.Fatalf("job a did not record its process group; stderr:\n%s", k.stderrText())
	}
	tree.assertGone(t, "--halt now")
	if code != 1 {
		t.Errorf("exit status %d, want 1 (the failed job's); stderr:\n%s", code, k.stderrText())
	}
}

// TestRemoteManySlots: a host with more slots than sshd's default
// MaxSessions (10) runs them all at once, without ssh complaining: krun
// opens another connection for every 8 jobs.
func TestRemoteManySlots(t *testing.T) {
	t.Parallel()
	h := startHosts(t, "h1")
	dir := t.TempDir()
	const n = 20
	// Each job waits until all n have started: only n sessions at once
	// let the run end.
	job := `touch ` + dir + `/started.{}; i=0; while [ $(ls ` + dir + ` | grep -c '^started') -lt ` + strconv.Itoa(n) + ` ]; do ` +
		`i=$((i+1)); [ $i -gt 3000 ] && exit 9; sleep 0.02; done; echo {}`
	args := []string{"--ssh", h.SSH(), "-S", strconv.Itoa(n) + "/h1", job, ":::"}
	for i := 1; i <= n; i++ {
		args = append(args, strconv.Itoa(i))
	}
	k := ctlKrun(t, dir, nil, args...)
	if code := k.wait(); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, k.stderrText())
	}
	if s := k.stderrText(); strings.Contains(s, "mux_client") || strings.Contains(s, "refused") {
		t.Errorf("ssh complained:\n%s", s)
	}
	if got := strings.Count(k.stdout.String(), "\n"); got != n {
		t.Errorf("%d lines of output, want %d", got, n)
	}
}
