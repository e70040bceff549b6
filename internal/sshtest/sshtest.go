// Package sshtest starts real OpenSSH servers for krun's tests: each one
// an sshd of its own on a free port of 127.0.0.1, run as the current user
// with a temporary host key, authorized_keys and configuration, and an
// ssh configuration that names each server as a host, so that
// "ssh -F CONFIG NAME" reaches it without a question or a password.
//
// Nothing here is a mock: the servers are /usr/sbin/sshd, the clients ssh.
// It is for tests only.
package sshtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SSHD is the OpenSSH server the tests start.
const SSHD = "/usr/sbin/sshd"

// Missing reports why servers cannot be started here ("" when they can):
// sshd, ssh or ssh-keygen is not installed.
func Missing() string {
	if _, err := os.Stat(SSHD); err != nil {
		return SSHD + " is not installed (Debian: openssh-server)"
	}
	for _, p := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			return p + " is not installed (Debian: openssh-client)"
		}
	}
	return ""
}

// InCI reports whether the tests run in CI, where a missing sshd fails
// them instead of skipping them.
func InCI() bool { return os.Getenv("CI") != "" }

// Hosts is a set of running servers and the ssh configuration naming
// them.
type Hosts struct {
	// Dir holds the keys and configurations.
	Dir string
	// Config is the ssh configuration file: ssh -F Config NAME.
	Config  string
	servers map[string]*server
}

type server struct {
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts one sshd per name, each answering as host name, with its
// files in dir (which must exist).
func Start(dir string, names ...string) (*Hosts, error) {
	if why := Missing(); why != "" {
		return nil, errors.New(why)
	}
	if os.Geteuid() == 0 {
		// sshd run by root needs its privilege separation directory,
		// which only its service's start-up makes.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return nil, err
		}
	}
	h := &Hosts{Dir: dir, Config: filepath.Join(dir, "ssh_config"), servers: map[string]*server{}}
	for _, key := range []string{"host_key", "id"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "krun-test", "-f", filepath.Join(dir, key)).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(dir, "id.pub"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	var cfg strings.Builder
	for _, name := range names {
		s, err := h.start(name)
		if err != nil {
			h.Stop()
			return nil, err
		}
		h.servers[name] = s
		fmt.Fprintf(&cfg, "Host %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
			"  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  GlobalKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n",
			name, s.port, u.Username, filepath.Join(dir, "id"))
	}
	if err := os.WriteFile(h.Config, []byte(cfg.String()), 0o600); err != nil {
		h.Stop()
		return nil, err
	}
	return h, nil
}

// start starts the server of name on a free port, trying again on
// another port when the one chosen was taken meanwhile.
func (h *Hosts) start(name string) (*server, error) {
	var last error
	for try := 0; try < 5; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(h.Dir, "sshd_config_"+name)
		text := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile none\n"+
			"StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n"+
			"MaxStartups 100\nLogLevel ERROR\n",
			port, filepath.Join(h.Dir, "host_key"), filepath.Join(h.Dir, "authorized_keys"))
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		log, err := os.Create(filepath.Join(h.Dir, "sshd_"+name+".log"))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(SSHD, "-f", conf, "-D", "-e")
		cmd.Stdout, cmd.Stderr = log, log
		// A process group of its own: Stop kills the server and the
		// connections it forked. The server dies with the test process
		// too, when that is killed before Stop (a fuzzing worker is).
		cmd.SysProcAttr = serverAttr()
		if err := cmd.Start(); err != nil {
			log.Close()
			return nil, err
		}
		log.Close()
		s := &server{port: port, cmd: cmd, done: make(chan struct{})}
		go func() {
			cmd.Wait()
			close(s.done)
		}()
		if err := s.ready(); err != nil {
			s.kill()
			out, _ := os.ReadFile(filepath.Join(h.Dir, "sshd_"+name+".log"))
			last = fmt.Errorf("sshd for %s: %v: %s", name, err, out)
			continue
		}
		return s, nil
	}
	return nil, last
}

// ready waits until the server accepts connections.
func (s *server) ready() error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("sshd exited")
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("sshd does not listen after 20s")
}

// kill kills the server and every connection it serves: sshd forks a
// process per connection, which leaves the server's session (setsid), so
// they are found as the server's descendants. The sessions' shells are
// left to see their connection close, as on a host that goes down.
func (s *server) kill() {
	pid := s.cmd.Process.Pid
	for _, p := range descendants(pid) {
		if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/comm"); strings.TrimSpace(string(comm)) == "sshd" {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	<-s.done
}

// descendants returns the processes below pid (Linux's /proc).
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		st := string(b)
		f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	todo := []int{pid}
	for len(todo) > 0 {
		p := todo[0]
		todo = todo[1:]
		for _, c := range children[p] {
			out = append(out, c)
			todo = append(todo, c)
		}
	}
	return out
}

// Kill kills the server of name and the connections it serves, as a
// host that goes down.
func (h *Hosts) Kill(name string) error {
	s, ok := h.servers[name]
	if !ok {
		return fmt.Errorf("no server %s", name)
	}
	s.kill()
	return nil
}

// Port is the port of the server of name.
func (h *Hosts) Port(name string) int { return h.servers[name].port }

// SSH is the ssh command line that reaches the servers by name.
func (h *Hosts) SSH() string { return "ssh -F " + h.Config }

// Stop kills every server.
func (h *Hosts) Stop() {
	for _, s := range h.servers {
		s.kill()
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
