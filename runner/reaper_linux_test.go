package runner

import (
	"context"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/procfs"
	"github.com/krun-dev/krun/quoting"
)

// adoptedZombies counts the dead children of this process that it did
// not start itself but adopted as subreaper, and that no one reaped: in
// another session than its own (jobs' leftovers that ran setsid), or in
// a group they do not lead that is not its own (jobs' leftovers).
func adoptedZombies(t *testing.T) int {
	t.Helper()
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range procfs.Children(os.Getpid()) {
		if c.Ended() && (c.Sid != sid || c.Pid != c.Pgid && c.Pgid != unix.Getpgrp()) {
			n++
		}
	}
	return n
}

// subreaperForTest lets cfg reap orphans (Config.ReapOrphans), which
// makes this process their subreaper; the package's other tests do not
// expect it to be one: it stops being one when the test ends.
func subreaperForTest(t *testing.T, cfg *Config) {
	cfg.ReapOrphans = true
	t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
}

// zombieCount counts adoptedZombies when job at starts.
type zombieCount struct {
	t  *testing.T
	at int64
	n  int
}

func (z *zombieCount) Observe(e Event) {
	if e.Kind == EventStart && e.Job.Seq == z.at {
		z.n = adoptedZombies(z.t)
	}
}

// TestAdoptedOrphansDoNotPileUp: as subreaper, krun adopts what
// its jobs leave behind in sessions of their own (setsid, daemons) and
// must reap them as they die during the run, not only at its end: a
// long run whose every job leaves one such process (a daemon that exits
// later) would otherwise fill the pid space with zombies (pid_max is
// 32768 on many machines) until nothing can fork. Here 150 jobs each
// leave a process in a new session that exits soon after the job; when
// the last job starts, most of them must have been reaped.
func TestAdoptedOrphansDoNotPileUp(t *testing.T) {
	// Not parallel: it counts this process's children.
	before := adoptedZombies(t)
	const jobs = 150
	// Each job waits, through a fifo, until its leftover is in its new
	// session: krun kills what is still in the job's group when it ends.
	dir := t.TempDir()
	cfg := testConfig(t, `cd `+quoting.Quote(dir)+` && mkfifo f{#} && { setsid sh -c 'echo >"$0"; sleep 0.02' f{#} </dev/null >/dev/null 2>&1 & } && read x <f{#}; : {}`, 1)
	subreaperForTest(t, &cfg)
	obs := &zombieCount{t: t, at: jobs}
	cfg.Sink, cfg.Observer = &memSink{}, obs
	values := make([]string, jobs)
	res, err := Run(context.Background(), cfg, &listSource{values: values})
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != jobs {
		t.Fatalf("result %+v, want %d succeeded", res, jobs)
	}
	if piled := obs.n - before; piled > jobs/3 {
		t.Errorf("%d dead orphans of the run's %d jobs were waiting to be reaped when the last job started: they pile up until the run ends", piled, jobs-1)
	}
}

// TestKilledLeftoversDoNotPileUp: what a job leaves running in its
// process group is killed when the job ends, and, adopted by krun, must
// be reaped once dead. krun looked for them just once, right after the
// SIGKILL, and missed every one not dead yet: they stayed zombies until
// the run ended. Here 150 jobs each leave a sleep in their group.
func TestKilledLeftoversDoNotPileUp(t *testing.T) {
	// Not parallel: it counts this process's children.
	before := adoptedZombies(t)
	const jobs = 150
	cfg := testConfig(t, `sleep 30 </dev/null >/dev/null 2>&1 & : {}`, 1)
	subreaperForTest(t, &cfg)
	obs := &zombieCount{t: t, at: jobs}
	cfg.Sink, cfg.Observer = &memSink{}, obs
	res, err := Run(context.Background(), cfg, &listSource{values: make([]string, jobs)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != jobs {
		t.Fatalf("result %+v, want %d succeeded", res, jobs)
	}
	if piled := obs.n - before; piled > jobs/3 {
		t.Errorf("%d killed leftovers of the run's %d jobs were waiting to be reaped when the last job started: they pile up until the run ends", piled, jobs-1)
	}
}
