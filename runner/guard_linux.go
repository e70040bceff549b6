package runner

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/procfs"
)

// The guardian ends a run's jobs when krun dies by any means, kill -9
// included, which no code of krun's own can catch.
//
// krun starts it (itself, re-executed, in a process group of its own so
// that Ctrl-C and a killed process group do not reach it) when the first
// job starts, and tells it, through a pipe, each job process group as it
// starts and ends. The guardian only reads that pipe. End of file means
// krun is gone; if krun ended normally it has already cleaned up, and the
// guardian finds nothing to do. Otherwise it kills every job group still
// registered, then every process that carries the run's marker in its
// environment: every job gets KRUN_RUN_<token>=1, which all its
// descendants inherit, so this finds even those that escaped their
// process group with setsid and were orphaned to init. The job shells
// themselves also get a parent-death signal (SIGKILL), so the kernel ends
// them the moment krun dies. Last, it removes the directories krun named
// (ssh's control sockets), which krun removes itself when it ends.

// GuardEnv is the environment variable that makes krun's binary run as a
// guardian (see GuardMain).
const GuardEnv = "KRUN_GUARDIAN"

// guardFD is the descriptor the guardian reads its pipe from.
const guardFD = 3

// guard is krun's end of the guardian.
type guard struct {
	mu  sync.Mutex
	w   *os.File
	pid int
}

// newRunMarker returns the environment entry that marks a run's jobs.
func newRunMarker() (token, entry string) {
	b := make([]byte, 12)
	rand.Read(b)
	token = hex.EncodeToString(b)
	return token, "KRUN_RUN_" + token + "=1"
}

// startGuard starts the guardian for the run whose jobs carry token; it
// removes dirs if krun dies.
func startGuard(token string, dirs []string) (*guard, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// argv[0] "krun": a binary that dispatches on its name (the test
	// binary does) runs krun's main, which runs GuardMain.
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start the guardian: %w", err)
	}
	env, _ := runEnv(append(os.Environ(), GuardEnv+"="+token))
	files := []uintptr{null.Fd(), null.Fd(), null.Fd(), r.Fd()} // descriptor 3 = guardFD
	c, err := spawn(self, []string{"krun"}, env, files, &syscall.SysProcAttr{Setpgid: true})
	null.Close()
	r.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("start the guardian: %w", err)
	}
	go c.wait() // reaped when it ends after krun closes the pipe
	g := &guard{w: w, pid: c.pid}
	for _, d := range dirs {
		// Absolute and clean, as the guardian takes it (a relative
		// --tmpdir or one ending in // would be ignored).
		if a, err := filepath.Abs(d); err == nil {
			d = a
		}
		g.w.Write([]byte("d" + strconv.Quote(d) + "\n"))
	}
	return g, nil
}

// watch registers a job's process group; forget removes it.
func (g *guard) watch(pgid int)  { g.send('+', pgid) }
func (g *guard) forget(pgid int) { g.send('-', pgid) }

func (g *guard) send(op byte, pgid int) {
	if g == nil {
		return
	}
	line := append([]byte{op}, strconv.Itoa(pgid)...)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.w.Write(append(line, '\n')) // a dead guardian guards nothing: ignore
}

// close tells the guardian that krun ends normally; clean, that nothing
// its jobs started is left (swept), so the guardian need not look for
// the run's marker in every process.
func (g *guard) close(clean bool) {
	if g == nil {
		return
	}
	if clean {
		g.mu.Lock()
		g.w.Write([]byte(".\n"))
		g.mu.Unlock()
	}
	g.w.Close()
}

// process returns the guardian's process ID once it started, or 0.
func (g *guard) process() int {
	if g == nil {
		return 0
	}
	return g.pid
}

// IsGuardian reports whether this process is a guardian krun started: its
// environment holds a run's token (newRunMarker's form) in GuardEnv and
// its descriptor guardFD is a pipe. A KRUN_GUARDIAN a user exported, or a
// file on descriptor 3, does not make krun a guardian that would remove
// the directories the file names.
func IsGuardian() bool {
	token := os.Getenv(GuardEnv)
	if len(token) != 24 {
		return false
	}
	if _, err := hex.DecodeString(token); err != nil {
		return false
	}
	var st unix.Stat_t
	return unix.Fstat(guardFD, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// GuardMain is the guardian's whole life (see the comment above): it reads
// the pipe until krun is gone, then ends what is left of the run whose
// token is in GuardEnv. It returns the exit status.
func GuardMain() int {
	token := os.Getenv(GuardEnv)
	if token == "" {
		return 2
	}
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE, syscall.SIGTSTP)
	// The guardian acts only at end of file: it reads krun's lines in
	// batches (batchedReader), waking a few times a second at most
	// rather than twice per job, and blocks in read(2) meanwhile.
	syscall.SetNonblock(guardFD, false)
	sc := bufio.NewScanner(&batchedReader{fd: guardFD})
	var log guardLog
	for sc.Scan() {
		log.line(sc.Text())
	}
	if log.cleanEnd() {
		return 0 // krun ended normally and swept what its jobs left
	}
	groups := log.groups
	for pgid := range groups {
		unix.Kill(-pgid, unix.SIGKILL)
	}
	marker := []byte("KRUN_RUN_" + token + "=1")
	// A process may be forking as it is killed: look again until nothing
	// marked is left, a few times.
	for round := 0; round < 20; round++ {
		if killMarked(marker) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, d := range log.dirs {
		os.RemoveAll(d)
	}
	return 0
}

// guardLog is what krun told its guardian: the job groups registered,
// the directories to remove if krun dies, and whether krun ended
// normally, its jobs' leftovers swept (a last line ".").
type guardLog struct {
	groups map[int]bool
	dirs   []string
	clean  bool
}

// line takes one line from krun: +PGID, -PGID, d"DIR" (a Go-quoted
// absolute path) or ".".
func (l *guardLog) line(line string) {
	if l.groups == nil {
		l.groups = map[int]bool{}
	}
	l.clean = line == "."
	if len(line) < 2 {
		return
	}
	if line[0] == 'd' {
		if d, err := strconv.Unquote(line[1:]); err == nil && filepath.IsAbs(d) && filepath.Clean(d) == d && d != "/" {
			l.dirs = append(l.dirs, d)
		}
		return
	}
	pgid, err := strconv.Atoi(line[1:])
	if err != nil || pgid <= 1 {
		return
	}
	if line[0] == '+' {
		l.groups[pgid] = true
	} else {
		delete(l.groups, pgid)
	}
}

// cleanEnd reports whether krun's last word was that it ended normally
// with nothing left: no group registered, leftovers swept.
func (l *guardLog) cleanEnd() bool { return l.clean && len(l.groups) == 0 }

// guardBatch is how long the guardian lets krun's lines gather between
// two reads of its pipe: the most it adds to ending a killed krun's jobs.
const guardBatch = 10 * time.Millisecond

// batchedReader reads a blocking descriptor, pausing guardBatch before
// every read but the first.
type batchedReader struct {
	fd   int
	read bool
}

func (r *batchedReader) Read(p []byte) (int, error) {
	if r.read {
		// In a system call, not a runtime timer: nothing else runs.
		ts := syscall.NsecToTimespec(guardBatch.Nanoseconds())
		syscall.Nanosleep(&ts, nil)
	}
	r.read = true
	for {
		n, err := syscall.Read(r.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// killMarked kills every process whose environment holds marker and
// returns how many it found.
func killMarked(marker []byte) int {
	self := os.Getpid()
	n := 0
	for _, pid := range procfs.Pids() {
		if pid != self && procfs.HasEnv(pid, marker) {
			unix.Kill(pid, unix.SIGKILL)
			n++
		}
	}
	return n
}

// jobSysProcAttr is how a job's shell starts: in its own process group,
// and killed by the kernel when krun dies.
func jobSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
