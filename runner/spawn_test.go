package runner

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// runEnv, with a job's own variables appended, gives what os/exec hands a
// child for the same environment: the last entry of a name wins, in its
// place, entries without "=" stay, and a NUL byte is an error.
func TestRunEnvAsOSExec(t *testing.T) {
	job := []string{"KRUN_SEQ=7", "KRUN_SLOT=2", "PARALLEL_SEQ=7", "PARALLEL_JOBSLOT=2"}
	for _, env := range [][]string{
		nil,
		{"A=1", "B=2"},
		{"A=1", "B=2", "A=3"},
		{"KRUN_SEQ=99", "HOME=/h", "PARALLEL_JOBSLOT=5", "KRUN_SLOTS=x"},
		{"=weird", "noequals", "", "X=", "X=last", "PATH=/bin"},
		{"A=1", "B=a\x00b", "C=3"},
		os.Environ(),
	} {
		got, err := runEnv(env)
		got = append(got, job...)
		cmd := &exec.Cmd{Env: append(slices.Clone(env), job...)}
		want := cmd.Environ()
		if !slices.Equal(got, want) {
			t.Errorf("runEnv(%q) + job's = %q, os/exec gives %q", env, got, want)
		}
		hasNUL := slices.ContainsFunc(env, func(kv string) bool { return strings.ContainsRune(kv, 0) })
		if (err != nil) != hasNUL {
			t.Errorf("runEnv(%q): error %v", env, err)
		}
	}
}

// A job's process is started and waited for through its pidfd: exit
// statuses and signals come back as the shell's, and the error of a
// program that cannot run reads as os/exec's.
func TestSpawnWait(t *testing.T) {
	null, err := devNull()
	if err != nil {
		t.Fatal(err)
	}
	files := []uintptr{uintptr(null), uintptr(null), uintptr(null)}
	for _, c := range []struct {
		script string
		want   Status
	}{
		{"exit 0", Status{Exit: 0}},
		{"exit 3", Status{Exit: 3}},
		{"kill -TERM $$", Status{Exit: 128 + 15, Signal: syscall.SIGTERM}},
	} {
		ch, err := spawn("/bin/sh", []string{"sh", "-c", c.script}, nil, files, jobSysProcAttr())
		if err != nil {
			t.Fatal(err)
		}
		if pidfdWorks() && ch.pidfd == nil {
			t.Errorf("%s: no pidfd although the kernel gives them", c.script)
		}
		ws, err := ch.wait()
		if got := statusOf(ws, err); got.Exit != c.want.Exit || got.Signal != c.want.Signal || got.Err != nil {
			t.Errorf("%s: status %+v, want %+v", c.script, got, c.want)
		}
	}
	_, err = spawn("/nonexistent/prog", []string{"prog"}, nil, files, jobSysProcAttr())
	if err == nil || err.Error() != "fork/exec /nonexistent/prog: no such file or directory" {
		t.Errorf("error %v, want os/exec's", err)
	}
}
