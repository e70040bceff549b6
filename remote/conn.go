package remote

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// probe is what the master connection runs on the host: it prints the
// CPU count and whether rsync is there, then holds the connection open
// until krun closes its standard input (or dies).
const probe = `n=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 1)
r=no
command -v rsync >/dev/null 2>&1 && r=rsync
echo "krun-probe $n $r"
exec cat >/dev/null`

// conn is the master ssh connection to one host: a child process of
// krun's, in a process group of its own, whose control socket every job's
// ssh goes through.
type conn struct {
	cmd    *exec.Cmd
	socket string // the control socket
	stdin  io.Closer
	// done is closed when the master has exited.
	done chan struct{}
	// stderr keeps the end of what the master said.
	stderr *lastLines
	// cpus and rsync are the probe's answers.
	cpus  int
	rsync bool
}

// dial starts the master connection to l, with ssh's command line
// sshCmd, its control socket at socket, and waits until it is ready: the
// probe answered. Cancelling ctx stops the wait and the connection.
func dial(ctx context.Context, sshCmd []string, l Login, socket string) (*conn, error) {
	args := append(sshArgs(sshCmd, l, socket, "yes"), shellScript(probe))
	cmd := exec.Command(sshCmd[0], args...)
	cmd.SysProcAttr = masterSysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &conn{cmd: cmd, socket: socket, stdin: stdin, done: make(chan struct{}), stderr: &lastLines{max: 4}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", sshCmd[0], err)
	}
	answer := make(chan string, 1)
	go func() {
		// The first line is the probe's; the rest (nothing, normally) is
		// read and dropped until the master exits.
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		answer <- line
		io.Copy(io.Discard, r)
		cmd.Wait()
		close(c.done)
	}()
	var line string
	select {
	case line = <-answer:
	case <-ctx.Done():
		c.kill()
		return nil, context.Cause(ctx)
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "krun-probe" {
		c.close()
		<-c.done
		return nil, c.failure("cannot connect")
	}
	c.cpus, _ = strconv.Atoi(f[1])
	c.cpus = max(c.cpus, 1)
	c.rsync = f[2] == "rsync"
	return c, nil
}

// sshArgs are the arguments of ssh (after sshCmd[0]) that reach l
// through the control socket; master is ssh's ControlMaster: "yes" for
// the master, "no" for a job. The caller's options come first: for ssh,
// the first value of an option wins.
func sshArgs(sshCmd []string, l Login, socket, master string) []string {
	return append(sshOptions(sshCmd, l, socket, master), "--", l.Dest)
}

// sshOptions are sshArgs without the destination: for rsync's -e.
func sshOptions(sshCmd []string, l Login, socket, master string) []string {
	args := append([]string(nil), sshCmd[1:]...)
	args = append(args, "-o", "ControlMaster="+master, "-o", "ControlPath="+socket, "-o", "ControlPersist=no",
		"-o", "BatchMode=yes", "-o", "ServerAliveInterval=15", "-T")
	if master == "yes" {
		args = append(args, "-o", "ConnectTimeout=20")
	}
	if l.Port != "" {
		args = append(args, "-p", l.Port)
	}
	return args
}

// alive reports whether the master connection is still up.
func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// close ends the master connection: end of file on the probe's cat ends
// its session, and the master exits once its jobs' sessions are over.
func (c *conn) close() {
	c.stdin.Close()
}

// kill ends the master connection now.
func (c *conn) kill() {
	c.stdin.Close()
	if c.cmd.Process != nil {
		c.cmd.Process.Kill()
	}
}

// failure is the error of a connection that failed, with the last line
// ssh said.
func (c *conn) failure(what string) error {
	if msg := strings.TrimSuffix(c.stderr.last(), "."); msg != "" {
		return fmt.Errorf("%s: %s", what, msg)
	}
	if c.cmd.ProcessState != nil {
		return fmt.Errorf("%s: ssh exited with status %d", what, c.cmd.ProcessState.ExitCode())
	}
	return errors.New(what)
}

// lastLines keeps the last few lines written to it; safe for concurrent
// use.
type lastLines struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  []byte
}

func (l *lastLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(l.part[:i])); line != "" {
			l.lines = append(l.lines, line)
			if len(l.lines) > l.max {
				l.lines = l.lines[1:]
			}
		}
		l.part = l.part[i+1:]
	}
	if len(l.part) > 4096 {
		l.part = l.part[:0]
	}
	return len(p), nil
}

// last returns the last complete or partial line written.
func (l *lastLines) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := strings.TrimSpace(string(l.part)); s != "" {
		return s
	}
	if len(l.lines) == 0 {
		return ""
	}
	return l.lines[len(l.lines)-1]
}
