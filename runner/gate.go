package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Gate holds back the start of jobs while the machine is busy (GNU
// parallel's --load, --memfree and --limit), and ends the youngest running
// job, to run it again later, when memory runs short. The zero Gate lets
// every job start.
//
// The gate is checked on the run loop before each job starts, and every
// Poll while a job waits for it or while jobs run that it may have to
// end.
type Gate struct {
	// MaxLoad: no job starts while the 1-minute load average is above it;
	// 0 means no limit.
	MaxLoad float64
	// MemFree: no job starts while the available memory (MemAvailable)
	// is below it, in bytes; below half of it, the youngest job is ended
	// and runs again once memory is available. 0 means no limit.
	MemFree int64
	// Limit is a shell command run before each job starts (GNU
	// parallel's --limit): exit status 0 lets the job start, 1 does not, 2
	// also ends the youngest job (which runs again later); any other is
	// reported, and no job starts. "load N" and "mem SIZE" are
	// MaxLoad's and MemFree's checks.
	Limit string
	// ProcDir is where loadavg and meminfo are read; "" means /proc.
	ProcDir string
	// Poll is how often a closed gate is checked again; 0 means a second.
	Poll time.Duration
}

// Validate checks, before the run, that the gate can be checked: the
// files it reads exist and parse, and --limit's built-in checks are
// well formed.
func (g *Gate) Validate() error {
	if g.MaxLoad > 0 {
		if _, err := g.loadAverage(); err != nil {
			return err
		}
	}
	if g.MemFree > 0 {
		if _, err := g.memAvailable(); err != nil {
			return err
		}
	}
	if name, arg, ok := strings.Cut(strings.TrimSpace(g.Limit), " "); ok && (name == "load" || name == "mem") {
		sub := Gate{ProcDir: g.ProcDir}
		var err error
		if name == "load" {
			_, err = ParseLoad(arg, 1)
			sub.MaxLoad = 1
		} else {
			_, err = ParseSize(arg)
			sub.MemFree = 1
		}
		if err != nil {
			return fmt.Errorf("--limit %q: %w", g.Limit, err)
		}
		return sub.Validate()
	}
	return nil
}

// enabled reports whether the gate checks anything.
func (g *Gate) enabled() bool { return g.MaxLoad > 0 || g.MemFree > 0 || g.Limit != "" }

// evicts reports whether the gate may end running jobs.
func (g *Gate) evicts() bool { return g.MemFree > 0 || g.Limit != "" }

func (g *Gate) poll() time.Duration {
	if g.Poll > 0 {
		return g.Poll
	}
	return time.Second
}

// ParseLoad reads a --load value: a load average, or N% of ncpu (GNU
// parallel's forms; 0 is 0.01, as there).
func ParseLoad(s string, ncpu int) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || v < 0 || v != v || v > 1e9 {
		return 0, fmt.Errorf("invalid load %q: want a number, or N%% of the CPUs", s)
	}
	if pct {
		v = v * float64(ncpu) / 100
	}
	if v == 0 {
		v = 0.01
	}
	return v, nil
}

// gateState is the outcome of one check of the gate.
type gateState struct {
	open  bool   // a job may start
	evict bool   // the youngest running job must end
	why   string // what holds jobs back, or why one is ended
	kind  string // the flag that holds jobs back, to say so once
	// err: the gate cannot be checked (a file of ProcDir, --limit's
	// command exiting other than 0, 1 or 2); the run stops.
	err error
}

// check checks the gate now. shell runs --limit's command.
func (g *Gate) check(shell string, env []string) gateState {
	st := gateState{open: true}
	if g.MaxLoad > 0 {
		load, err := g.loadAverage()
		switch {
		case err != nil:
			return gateState{err: err}
		case load > g.MaxLoad:
			return gateState{why: fmt.Sprintf("the load average %.2f is above --load %g", load, g.MaxLoad), kind: "load"}
		}
	}
	if g.MemFree > 0 {
		if st = g.memory(g.MemFree, "--memfree"); !st.open {
			return st
		}
	}
	if g.Limit != "" {
		st = g.limit(shell, env)
	}
	return st
}

// memory checks the available memory against free.
func (g *Gate) memory(free int64, flag string) gateState {
	avail, err := g.memAvailable()
	switch {
	case err != nil:
		return gateState{err: err}
	case avail < free/2:
		return gateState{evict: true, why: fmt.Sprintf("available memory %s is below half of %s %s", sizeString(avail), flag, sizeString(free)), kind: flag}
	case avail < free:
		return gateState{why: fmt.Sprintf("available memory %s is below %s %s", sizeString(avail), flag, sizeString(free)), kind: flag}
	}
	return gateState{open: true}
}

// limit runs --limit's command, or its built-in checks.
func (g *Gate) limit(shell string, env []string) gateState {
	if name, arg, ok := strings.Cut(strings.TrimSpace(g.Limit), " "); ok && (name == "load" || name == "mem") {
		sub := Gate{ProcDir: g.ProcDir}
		var err error
		if name == "load" {
			if sub.MaxLoad, err = ParseLoad(arg, 1); err == nil {
				return sub.check(shell, env)
			}
		} else if sub.MemFree, err = ParseSize(arg); err == nil {
			return sub.memory(sub.MemFree, "--limit mem")
		}
		return gateState{err: fmt.Errorf("--limit %q: %w", g.Limit, err)}
	}
	cmd := exec.Command(shell, "-c", g.Limit)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return gateState{err: fmt.Errorf("--limit: %w", err)}
		}
		code = ee.ExitCode()
	}
	switch code {
	case 0:
		return gateState{open: true}
	case 1:
		return gateState{why: "--limit's command exited 1", kind: "limit"}
	case 2:
		return gateState{evict: true, why: "--limit's command exited 2", kind: "limit"}
	}
	msg := strings.TrimSpace(stderr.String())
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return gateState{err: fmt.Errorf("--limit: the command exited %d (want 0, 1 or 2): %s", code, msg)}
}

func (g *Gate) procFile(name string) string {
	dir := g.ProcDir
	if dir == "" {
		dir = "/proc"
	}
	return filepath.Join(dir, name)
}

// loadAverage reads the 1-minute load average.
func (g *Gate) loadAverage() (float64, error) {
	data, err := os.ReadFile(g.procFile("loadavg"))
	if err != nil {
		return 0, fmt.Errorf("--load: %w", err)
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return 0, fmt.Errorf("--load: %s is empty", g.procFile("loadavg"))
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0, fmt.Errorf("--load: %s: %w", g.procFile("loadavg"), err)
	}
	return v, nil
}

// memAvailable reads MemAvailable, in bytes.
func (g *Gate) memAvailable() (int64, error) {
	f, err := os.Open(g.procFile("meminfo"))
	if err != nil {
		return 0, fmt.Errorf("--memfree: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("--memfree: %s: MemAvailable: %w", g.procFile("meminfo"), err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("--memfree: no MemAvailable in %s", g.procFile("meminfo"))
}

// ParseMemFree reads a --memfree value.
func ParseMemFree(s string) (int64, error) { return ParseSize(s) }

// sizeString writes a byte count for messages.
func sizeString(n int64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 10<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
