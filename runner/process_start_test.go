package runner

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/krun-dev/krun/quoting"
)

// Tests of what a job's process gets and what may happen to it: its slot
// variable, no signal to a recycled process group, the terminal under
// --nice. Each one failed before its fix (a review of the ForkExec and
// pidfd process start, merged with --pipe, -S and xargs -o).

// TestSlotVarReplacesInheritedValue: --process-slot-var sets the
// variable even when krun's environment has it already, as GNU xargs
// does and as os/exec's last-wins deduplication did before jobs started
// through ForkExec. A shell hides a duplicate entry (dash and bash take
// the last), a program run directly does not: getenv takes the first.
func TestSlotVarReplacesInheritedValue(t *testing.T) {
	t.Parallel()
	for _, direct := range []bool{false, true} {
		cfg := testConfig(t, `printenv {}`, 1)
		cfg.DirectExec = direct
		cfg.Env = append(os.Environ(), "REVIEW_SLOT=inherited")
		cfg.SlotVar = "REVIEW_SLOT"
		sink := &memSink{}
		cfg.Sink = sink
		res, err := Run(context.Background(), cfg, &listSource{values: []string{"REVIEW_SLOT", "REVIEW_SLOT"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Succeeded != 2 {
			t.Fatalf("direct %v: result %+v, want 2 succeeded", direct, res)
		}
		for seq := int64(1); seq <= 2; seq++ {
			if got := sink.out[seq].String(); got != "0\n" {
				t.Errorf("direct %v: job %d: printenv REVIEW_SLOT: %q, want the slot, %q", direct, seq, got, "0\n")
			}
		}
	}
}

// TestNoKillOfRecycledGroup: krun must not signal a job's process
// group once the number may belong to someone else. krun reaped the
// job's shell first and killed its group (-pid) later: after pipeGrace
// when a process the job started with setsid still held its output. In
// that window the shell's pid, its group's number, is free: here it is
// given, through ns_last_pid, to a new process group leader, as pid
// wrap-around (pid_max is 32768 on many machines) does by chance, and
// krun's SIGKILL to the job's group must not reach it.
func TestNoKillOfRecycledGroup(t *testing.T) {
	// Not parallel: the test steers the machine's next pid.
	const lastPid = "/proc/sys/kernel/ns_last_pid"
	last, err := os.ReadFile(lastPid)
	if err == nil {
		err = os.WriteFile(lastPid, last, 0) // can it be set?
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI runs as root, and this test needs to set the next pid: %v", err)
		}
		t.Skipf("needs to set the next pid (root): %v", err)
	}
	dir := t.TempDir()
	q := quoting.Quote(dir)
	cfg := testConfig(t, `: {}; echo $$ > `+q+`/pid.tmp && mv `+q+`/pid.tmp `+q+`/pid; setsid sleep 60 & echo $! > `+q+`/bg`, 1)
	cfg.Sink = &memSink{}
	type result struct {
		res Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := Run(context.Background(), cfg, &listSource{values: []string{"a"}})
		done <- result{res, err}
	}()
	defer func() {
		if b, err := os.ReadFile(filepath.Join(dir, "bg")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	var pid int
	for deadline := time.Now().Add(30 * time.Second); pid == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the job did not write its pid")
		}
		if b, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	// Wait until the shell is reaped: its pid is free.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job's shell was not reaped")
		}
	}
	// The victim: a process group leader with the shell's old pid.
	victim := 0
	for try := 0; try < 100 && victim == 0; try++ {
		if err := os.WriteFile(lastPid, []byte(strconv.Itoa(pid-1)), 0); err != nil {
			t.Fatal(err)
		}
		v, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "60"}, &syscall.ProcAttr{Sys: &syscall.SysProcAttr{Setpgid: true}})
		if err != nil {
			t.Fatal(err)
		}
		if v == pid {
			victim = v
			break
		}
		syscall.Kill(v, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(v, &ws, 0, nil)
	}
	if victim == 0 {
		t.Fatalf("could not start a process with pid %d", pid)
	}
	defer syscall.Kill(victim, syscall.SIGKILL) // on failure
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	syscall.Kill(victim, syscall.SIGTERM)
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(victim, &ws, 0, nil); err != nil {
		t.Fatalf("waiting for the process that took the job's pid: %v", err)
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("the process that took the job's old pid %d (a group leader) ended by %v, want the test's SIGTERM: krun signalled a recycled process group", pid, ws.Signal())
	}
}

// TestNiceKeepsTheTerminal: with --nice, a job of xargs -o still
// reads the terminal (Config.TTY), not /dev/null: nice(1) is put in
// front of the job's program, the rest of how it starts stays. A file
// stands for the terminal here.
func TestNiceKeepsTheTerminal(t *testing.T) {
	t.Parallel()
	tty := filepath.Join(t.TempDir(), "tty")
	if err := os.WriteFile(tty, []byte("typed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, nice := range []bool{false, true} {
		f, err := os.Open(tty)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg := testConfig(t, `cat; : {}`, 1)
		cfg.TTY = f
		if nice {
			if cfg.Nice, err = NewNice(1, 0, false); err != nil {
				t.Fatal(err)
			}
		}
		sink := &memSink{}
		cfg.Sink = sink
		if _, err := Run(context.Background(), cfg, &listSource{values: []string{"a"}}); err != nil {
			t.Fatal(err)
		}
		if got := sink.out[1].String(); got != "typed\n" {
			t.Errorf("nice %v: the job read %q from its standard input, want the terminal's %q", nice, got, "typed\n")
		}
	}
}
