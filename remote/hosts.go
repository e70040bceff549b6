package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/krun-dev/krun/runner"
)

// maxFailures is how many connection failures in a row take a host out
// of rotation.
const maxFailures = 3

// maxConnJobs is how many jobs share one connection. sshd opens at most
// MaxSessions sessions per connection, 10 by default, and the connection's
// own probe holds one: a host with more slots gets more connections.
const maxConnJobs = 8

// TempWorkdir is the --workdir value that gives each job a private
// directory on its host, removed after the job.
const TempWorkdir = "..."

// Options configures a [Set].
type Options struct {
	// Logins are the hosts, in order; ":" is the local machine.
	Logins []Login
	// SSH is the ssh command and its options (--ssh), as words; nil means
	// "ssh".
	SSH []string
	// LocalCPUs is the slot count of ":" without N/.
	LocalCPUs int
	// SlotsFor, when set, is the slot count of a host without N/ from its
	// CPU count (-j); nil means the CPU count.
	SlotsFor func(cpus int) int
	// Shell is the name of the shell that runs the jobs' commands on the
	// hosts, looked up in their PATH ("sh" when empty).
	Shell string
	// Workdir is the directory jobs run in on the hosts, relative to the
	// login directory unless absolute: "" is the login directory,
	// [TempWorkdir] a new one for each job, removed after it.
	Workdir string
	// Env are the names of the variables (--env) exported to the jobs on
	// the hosts, with the values they have in each job's environment.
	Env []string
	// Transfer, Return are the files (--transferfile, --return) sent to
	// the host before each job and brought back after it: templates of
	// text, expanded with the job's arguments. Relative names are
	// relative to krun's directory here and to Workdir there.
	Transfer, Return []*runner.Template
	// Cleanup removes on the host, after each job, the files sent and
	// brought back, and at the end the base files.
	Cleanup bool
	// Basefiles are sent to each host once, before its first job.
	Basefiles []string
	// Message writes one line of krun's to standard error; calls come one
	// at a time.
	Message func(string)
	// TmpDir holds the private directory of the control sockets; "" is
	// the system's.
	TmpDir string
}

// Set is the hosts of a run. It implements runner.Hosts. Open makes one;
// Close must be called at the end.
type Set struct {
	opt   Options
	ssh   []string // opt.SSH, its program resolved
	dir   string   // the private directory of the control sockets
	rsync bool     // rsync is installed here
	mu    sync.Mutex
	hosts []*host
}

// host is one host of a Set.
type host struct {
	set    *Set
	login  Login
	name   string
	socket string // the control sockets' name, before "-N"
	// slots, used, failures and out are guarded by set.mu.
	slots    int
	used     int
	failures int // connection failures in a row
	out      bool
	// connMu serialises connecting, and the first job's base files, and
	// guards what follows.
	connMu    sync.Mutex
	conns     []*hostConn // nil or dead: free to connect again
	failed    *conn       // the last connection counted as failed
	basesSent bool
}

// hostConn is one connection to a host and how many jobs use it.
type hostConn struct {
	c    *conn
	jobs int
}

// Open connects to every host, at once, and asks those without a slot
// count for their CPU count. A host that cannot be reached is left out,
// with a message; Open fails when no host is left.
func Open(ctx context.Context, opt Options) (*Set, error) {
	if len(opt.SSH) == 0 {
		opt.SSH = []string{"ssh"}
	}
	if opt.Shell == "" {
		opt.Shell = "sh"
	}
	if opt.Message == nil {
		opt.Message = func(string) {}
	}
	// Messages come from the jobs' goroutines: one at a time.
	var msgMu sync.Mutex
	message := opt.Message
	opt.Message = func(line string) {
		msgMu.Lock()
		defer msgMu.Unlock()
		message(line)
	}
	s := &Set{opt: opt, ssh: append([]string(nil), opt.SSH...)}
	needSSH := false
	for _, l := range opt.Logins {
		needSSH = needSSH || !l.Local()
	}
	if needSSH {
		path, err := exec.LookPath(s.ssh[0])
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		s.ssh[0] = path
		if s.dir, err = controlDir(opt.TmpDir); err != nil {
			return nil, err
		}
		_, err = exec.LookPath("rsync")
		s.rsync = err == nil
	}
	for i, l := range opt.Logins {
		h := &host{set: s, login: l, name: l.String(), slots: l.Slots}
		if l.Local() && h.slots == 0 {
			h.slots = max(opt.LocalCPUs, 1)
		}
		h.socket = filepath.Join(s.dir, strconv.Itoa(i))
		s.hosts = append(s.hosts, h)
	}
	var wg sync.WaitGroup
	for _, h := range s.hosts {
		if h.login.Local() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(ctx, s.ssh, h.login, h.socket+"-0")
			if err != nil {
				h.out = true
				if ctx.Err() == nil {
					opt.Message(fmt.Sprintf("krun: host %s: %v; leaving it out", h.name, err))
				}
				return
			}
			h.conns = []*hostConn{{c: c}}
			if h.slots == 0 {
				h.slots = c.cpus
				if opt.SlotsFor != nil {
					h.slots = max(opt.SlotsFor(c.cpus), 1)
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		s.Close(ctx)
		return nil, err
	}
	if !s.Free() || s.none() {
		s.Close(ctx)
		return nil, errors.New("no host could be reached")
	}
	return s, nil
}

// controlDir makes the private directory of the control sockets. A Unix
// socket's path is limited to about 100 bytes: when tmp's is too long,
// the directory goes to /tmp.
func controlDir(tmp string) (string, error) {
	if tmp == "" {
		tmp = os.TempDir()
	}
	if len(tmp) > 60 {
		tmp = "/tmp"
	}
	dir, err := os.MkdirTemp(tmp, "krun-ssh-")
	if err != nil {
		return "", fmt.Errorf("directory for ssh's control sockets: %w", err)
	}
	return dir, nil
}

// Slots returns the total slot count of the hosts in rotation.
func (s *Set) Slots() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hosts {
		if !h.out {
			n += h.slots
		}
	}
	return n
}

// none reports whether every host has left the rotation.
func (s *Set) none() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hosts {
		if !h.out {
			return false
		}
	}
	return true
}

// Free reports whether Place would not wait: a host in rotation has a
// free slot, or none is left (Place then fails).
func (s *Set) Free() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := false
	for _, h := range s.hosts {
		if !h.out {
			left = true
			if h.used < h.slots {
				return true
			}
		}
	}
	return !left
}

// Place takes a slot on a host in rotation: the one with the fewest
// connection failures in a row, then the most free slots in proportion,
// then the first in order.
func (s *Set) Place(job *runner.Job) (runner.Placement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *host
	for _, h := range s.hosts {
		if h.out || h.used >= h.slots {
			continue
		}
		// Fewer failures in a row first, then fewer used in proportion:
		// h.used/h.slots < best.used/best.slots.
		if best == nil || h.failures < best.failures ||
			h.failures == best.failures && h.used*best.slots < best.used*h.slots {
			best = h
		}
	}
	if best == nil {
		return nil, runner.ErrNoHosts
	}
	best.used++
	return &placement{host: best}, nil
}

// ScratchDir is the private directory of the control sockets, or "" when
// no host is reached over ssh.
func (s *Set) ScratchDir() string { return s.dir }

// Processes returns the process IDs of the hosts' connections.
func (s *Set) Processes() []int {
	var pids []int
	for _, h := range s.hosts {
		h.connMu.Lock()
		for _, hc := range h.conns {
			if hc != nil && hc.c.alive() {
				pids = append(pids, hc.c.cmd.Process.Pid)
			}
		}
		h.connMu.Unlock()
	}
	return pids
}

// fail counts a failure of the connection c (nil: connecting failed) to
// h, once per connection; the third in a row takes the host out of
// rotation, with one message.
func (h *host) fail(c *conn, err error) {
	h.connMu.Lock()
	if c != nil {
		c.kill() // whatever it is doing, it is no longer used
	}
	counted := c != nil && h.failed == c
	if c != nil {
		h.failed = c
	}
	h.connMu.Unlock()
	if counted {
		return
	}
	s := h.set
	s.mu.Lock()
	h.failures++
	leave := h.failures >= maxFailures && !h.out
	if leave {
		h.out = true
	}
	s.mu.Unlock()
	if leave {
		s.opt.Message(fmt.Sprintf("krun: host %s: %v; taking it out of rotation after %d failures", h.name, err, h.failures))
	}
}

// succeed records that a job ran to its end on h.
func (h *host) succeed() {
	h.set.mu.Lock()
	h.failures = 0
	h.set.mu.Unlock()
}

// connect takes a place for a job on one of the host's connections: the
// live one with the fewest jobs, below maxConnJobs, else a new one.
// release gives the place back.
func (h *host) connect(ctx context.Context) (*hostConn, error) {
	h.connMu.Lock()
	defer h.connMu.Unlock()
	var best *hostConn
	free := -1 // an index to connect again at
	for i, hc := range h.conns {
		switch {
		case hc == nil:
			free = i
		case !hc.c.alive():
			if hc.jobs == 0 {
				free = i
			}
		case hc.jobs < maxConnJobs && (best == nil || hc.jobs < best.jobs):
			best = hc
		}
	}
	if best != nil {
		best.jobs++
		return best, nil
	}
	if free < 0 {
		free = len(h.conns)
		h.conns = append(h.conns, nil)
	}
	c, err := dial(ctx, h.set.ssh, h.login, h.socket+"-"+strconv.Itoa(free))
	if err != nil {
		return nil, err
	}
	h.conns[free] = &hostConn{c: c, jobs: 1}
	return h.conns[free], nil
}

// release gives back a job's place on hc.
func (h *host) release(hc *hostConn) {
	h.connMu.Lock()
	hc.jobs--
	h.connMu.Unlock()
}

// Close ends the connections, after removing the base files from the
// hosts with Cleanup (until ctx is done), and removes the control
// sockets' directory. It waits up to a few seconds for each connection to
// end.
func (s *Set) Close(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, h := range s.hosts {
		h.connMu.Lock()
		conns := h.conns
		h.conns = nil
		h.connMu.Unlock()
		cleaned := !s.opt.Cleanup || !h.basesSent
		for _, hc := range conns {
			if hc == nil {
				continue
			}
			c := hc.c
			if !cleaned && c.alive() {
				cleaned = true
				if err := h.removeBasefiles(ctx, c); err != nil {
					s.opt.Message(fmt.Sprintf("krun: host %s: --cleanup of the base files: %v", h.name, err))
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.close()
				select {
				case <-c.done:
				case <-time.After(3 * time.Second):
					c.kill()
					<-c.done
				}
			}()
		}
	}
	wg.Wait()
	if s.dir != "" {
		return os.RemoveAll(s.dir)
	}
	return nil
}

// placement is a job's slot on a host.
type placement struct {
	host *host
	hc   *hostConn // the job's place on a connection, nil before Prepare
	conn *conn     // its connection, the one the try went through
	dir  string    // the try's working directory there
	// sent and returned are the job's files that travelled.
	sent, returned []string
}

func (p *placement) Host() string { return p.host.name }

func (p *placement) Local() bool { return p.host.login.Local() }

func (p *placement) Release() {
	if p.hc != nil {
		p.host.release(p.hc)
		p.hc = nil
	}
	s := p.host.set
	s.mu.Lock()
	p.host.used--
	s.mu.Unlock()
}

// Prepare connects to the host when needed, sends the base files before
// its first job and the job's files, and returns the ssh command that
// runs the job there.
func (p *placement) Prepare(ctx context.Context, job *runner.Job, env []string) (runner.RemoteCommand, error) {
	h, s := p.host, p.host.set
	if p.hc != nil {
		// A try again: its place may be on a connection that broke.
		h.release(p.hc)
		p.hc = nil
	}
	hc, err := h.connect(ctx)
	if err != nil {
		if ctx.Err() == nil {
			h.fail(nil, err)
		}
		return runner.RemoteCommand{}, &runner.HostError{Host: h.name, Err: err}
	}
	p.hc, p.conn = hc, hc.c
	p.dir = s.opt.Workdir
	if p.dir == TempWorkdir {
		host, _ := os.Hostname()
		p.dir = fmt.Sprintf(".krun/tmp/%s-%d-%d", host, os.Getpid(), job.Seq)
	}
	if err := p.send(ctx, job); err != nil {
		return runner.RemoteCommand{}, p.hostError(err)
	}
	vars := p.jobVars(env)
	argv := append([]string{s.ssh[0]}, sshArgs(s.ssh, h.login, p.conn.socket, "no")...)
	argv = append(argv, remoteCommand(p.dir, s.opt.Shell, job.Command, vars))
	return runner.RemoteCommand{Path: s.ssh[0], Argv: argv, Env: env, Signal: sendSignal}, nil
}

// jobVars are the variables exported to the job on the host: krun's and
// GNU parallel's job variables from env, the host's name, and --env's.
func (p *placement) jobVars(env []string) []string {
	want := map[string]bool{"KRUN_SEQ": true, "KRUN_SLOT": true, "PARALLEL_SEQ": true, "PARALLEL_JOBSLOT": true}
	for _, name := range p.host.set.opt.Env {
		want[name] = true
	}
	vars := []string{"KRUN_HOST=" + p.host.name, "PARALLEL_SSHHOST=" + p.host.login.Dest}
	seen := map[string]int{}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !want[name] {
			continue
		}
		if i, ok := seen[name]; ok {
			vars[i] = kv // the last value wins, as in exec
			continue
		}
		seen[name] = len(vars)
		vars = append(vars, kv)
	}
	return vars
}

// hostError turns err into a *runner.HostError when the connection broke.
func (p *placement) hostError(err error) error {
	if p.conn.alive() {
		return err
	}
	p.host.fail(p.conn, errors.New("the connection broke"))
	return &runner.HostError{Host: p.host.name, Err: err}
}

// Finish tells a host failure from a job failure, brings back the job's
// files and cleans up.
func (p *placement) Finish(ctx context.Context, job *runner.Job, st runner.Status) error {
	h := p.host
	if st.Exit == 255 && !st.Killed {
		// ssh's status when it fails; a job's own 255 comes with a live
		// connection. A connection that broke may take a moment to end.
		select {
		case <-p.conn.done:
		case <-time.After(time.Second):
		}
		if !p.conn.alive() {
			err := p.conn.failure("the connection broke")
			h.fail(p.conn, err)
			return &runner.HostError{Host: h.name, Err: err}
		}
	}
	h.succeed()
	var errs []error
	if !st.Killed && st.Err == nil {
		if err := p.fetch(ctx, job); err != nil {
			errs = append(errs, p.hostError(err))
		}
	}
	if err := p.cleanup(ctx, job); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
