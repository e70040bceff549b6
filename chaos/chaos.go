package chaos

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/krun-dev/krun/quoting"
)

// Config configures [Run].
type Config struct {
	// Exe is the krun binary that runs the batch.
	Exe string
	// Args are the user's run arguments: krun's flags, then the command
	// and its input sources. FlagsEnd is where the flags end: krun
	// chaos's own flags go there, after the user's, so that they win.
	Args     []string
	FlagsEnd int
	// Runs is the number of chaos runs, besides the references.
	Runs int
	// Jitter is the --jitter of every chaos run.
	Jitter time.Duration
	// Jobs, when not 0, is the -j of every chaos run (the user gave one
	// in Args); else each run's -j is drawn from JobsMin to JobsMax.
	Jobs             bool
	JobsMin, JobsMax int
	// Seed seeds the choice of every run's seed and -j.
	Seed uint64
	// Dir is the current directory; State the paths of the state in it,
	// copied for every run to a root where the jobs run.
	Dir   string
	State []StatePath
	// Exclude are paths (relative to Dir) not compared: krun's own
	// reports (--joblog and the like), which hold times.
	Exclude []string
	// Stdin is the batch's standard input, read once and given to every
	// run; nil when the batch does not read it.
	Stdin io.Reader
	// TmpDir is where the private directory of the runs is made; ""
	// means os.TempDir().
	TmpDir string
	// Env is the environment of the runs.
	Env []string
	// Signals are forwarded to the krun running a batch; the caller
	// also cancels ctx at the first one. May be nil.
	Signals <-chan os.Signal
	// Progress, when set, is told of each run as it starts.
	Progress func(name string, seed uint64, jobs int)
}

// Run runs the reference runs and cfg.Runs chaos runs of the batch, each
// in a fresh copy of the state, compares them and returns the report.
// Every copy is removed before Run returns, also when ctx is cancelled
// (then the error wraps its cause, once the running krun has ended).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	tmp, err := os.MkdirTemp(cfg.TmpDir, "krun-chaos-")
	if err != nil {
		return nil, fmt.Errorf("chaos: %w", err)
	}
	defer removeAll(tmp)
	c := &session{cfg: cfg, tmp: tmp, models: map[string]*fileModel{}, findings: map[string]*Finding{}}
	if c.tmpInfo, err = os.Stat(tmp); err != nil {
		return nil, fmt.Errorf("chaos: %w", err)
	}
	c.exclude = map[string]bool{}
	for _, p := range cfg.Exclude {
		c.exclude[filepath.Clean(p)] = true
	}
	if cfg.Stdin != nil {
		c.stdin = filepath.Join(tmp, "stdin")
		f, err := os.Create(c.stdin)
		if err != nil {
			return nil, fmt.Errorf("chaos: %w", err)
		}
		_, err = io.Copy(f, cfg.Stdin)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("chaos: save standard input: %w", err)
		}
	}
	return c.run(ctx)
}

// session is the state of one Run.
type session struct {
	cfg     Config
	tmp     string
	tmpInfo fs.FileInfo
	stdin   string
	exclude map[string]bool

	ref, reo *outcome // the references: input order, and shuffled
	models   map[string]*fileModel
	findings map[string]*Finding
}

// outcome is what one run left: its copy of the state, its results, and
// for the references the trace.
type outcome struct {
	name    string
	dir     string // the run's private directory
	root    string // its copy of the state, where the jobs ran
	seed    uint64
	replay  string
	jobs    map[int64]jobResult
	tree    tree
	trace   *Trace
	skipped int
}

// jobResult is one job's command, exit status and output, from --results.
type jobResult struct {
	dir            string
	cmd            string
	exit           int
	stdout, stderr [32]byte
}

func (c *session) run(ctx context.Context) (*Report, error) {
	rng := rand.New(rand.NewPCG(c.cfg.Seed, 0x6368616f73))
	used := map[uint64]bool{}
	draw := func() uint64 {
		for {
			s := 1 + rng.Uint64N(999_999)
			if !used[s] {
				used[s] = true
				return s
			}
		}
	}
	reoSeed := draw()
	type plan struct {
		seed uint64
		jobs int
	}
	plans := make([]plan, c.cfg.Runs)
	for i := range plans {
		plans[i].seed = draw()
		if !c.cfg.Jobs {
			plans[i].jobs = c.cfg.JobsMin + rng.IntN(c.cfg.JobsMax-c.cfg.JobsMin+1)
		}
	}
	var err error
	if c.ref, err = c.exec(ctx, "reference", 0, []string{"-j", "1"}, true); err != nil {
		return nil, err
	}
	if c.reo, err = c.exec(ctx, "reordered", reoSeed, []string{"-j", "1", "--shuffle", "--seed", strconv.FormatUint(reoSeed, 10)}, true); err != nil {
		return nil, err
	}
	r := &Report{Runs: c.cfg.Runs, Jobs: len(c.ref.jobs), ReorderedSeed: reoSeed, Skipped: c.ref.skipped}
	for _, j := range c.ref.jobs {
		if j.exit != 0 {
			r.FailedInReference++
		}
	}
	for _, s := range c.cfg.State {
		r.State = append(r.State, s.Rel)
	}
	r.NotCompared = append(r.NotCompared, c.cfg.Exclude...)
	for i, p := range plans {
		flags := []string{"--seed", strconv.FormatUint(p.seed, 10), "--shuffle"}
		if c.cfg.Jitter > 0 {
			flags = append(flags, "--jitter", c.cfg.Jitter.String())
		}
		if p.jobs > 0 {
			flags = append(flags, "-j", strconv.Itoa(p.jobs))
		}
		o, err := c.exec(ctx, fmt.Sprintf("run %d", i+1), p.seed, flags, false)
		if err != nil {
			return nil, err
		}
		r.Seeds = append(r.Seeds, p.seed)
		if err := c.compare(o); err != nil {
			return nil, err
		}
		if err := removeAll(o.dir); err != nil {
			return nil, fmt.Errorf("chaos: remove the copy of %s: %w", o.name, err)
		}
	}
	r.setFindings(c.findings)
	return r, nil
}

// exec runs the batch once in a fresh copy of the state, with flags added
// after the user's.
func (c *session) exec(ctx context.Context, name string, seed uint64, flags []string, trace bool) (*outcome, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	o := &outcome{name: name, dir: filepath.Join(c.tmp, strings.ReplaceAll(name, " ", "-")), seed: seed}
	o.root = filepath.Join(o.dir, "root")
	if err := os.MkdirAll(o.root, 0o700); err != nil {
		return nil, fmt.Errorf("chaos: %w", err)
	}
	var err error
	if o.skipped, err = copyState(ctx, c.cfg.Dir, o.root, c.cfg.State, c.tmpInfo); err != nil {
		return nil, fmt.Errorf("chaos: copy the state: %w", err)
	}
	results := filepath.Join(o.dir, "results")
	tracePath := filepath.Join(o.dir, "trace.jsonl")
	own := []string{"--results", results + "/{#}/"} // one directory per job
	if trace {
		own = append(own, "--chaos-trace", tracePath)
	}
	args := append([]string{"krun"}, c.cfg.Args[:c.cfg.FlagsEnd]...)
	args = append(append(append(args, own...), flags...), c.cfg.Args[c.cfg.FlagsEnd:]...)
	replay := append(append(append([]string{"krun"}, c.cfg.Args[:c.cfg.FlagsEnd]...), flags...), c.cfg.Args[c.cfg.FlagsEnd:]...)
	for i, w := range replay {
		replay[i] = quoting.Quote(w)
	}
	o.replay = strings.Join(replay, " ")
	if c.cfg.Progress != nil {
		jobs := 0
		for i := range len(flags) - 1 {
			if flags[i] == "-j" {
				jobs, _ = strconv.Atoi(flags[i+1])
			}
		}
		c.cfg.Progress(name, seed, jobs)
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err // stopped while copying
	}
	var stderr tailBuffer
	cmd := &exec.Cmd{Path: c.cfg.Exe, Args: args, Dir: o.root, Env: c.cfg.Env, Stderr: &stderr,
		// Its own process group: a Ctrl-C on the terminal reaches krun
		// chaos, which passes it on once.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if c.stdin != "" {
		f, err := os.Open(c.stdin)
		if err != nil {
			return nil, fmt.Errorf("chaos: %w", err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("chaos: run krun: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
wait:
	for {
		select {
		case werr = <-done:
			break wait
		case sig := <-c.cfg.Signals:
			cmd.Process.Signal(sig)
		}
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	code := cmd.ProcessState.ExitCode()
	if code == 255 || code < 0 {
		msg := lastError(stderr.String())
		if msg == "" {
			msg = fmt.Sprint(werr)
		}
		run := "the " + name + " run"
		if seed != 0 && !trace {
			run = fmt.Sprintf("%s (seed %d)", name, seed)
		} else if trace && seed != 0 {
			run = "the reordered reference run"
		}
		return nil, &RunError{Run: run, Replay: o.replay, Msg: msg}
	}
	if o.jobs, err = readResults(results); err != nil {
		return nil, fmt.Errorf("chaos: %s: %w", name, err)
	}
	if trace {
		if o.trace, err = ReadTrace(tracePath); err != nil {
			return nil, fmt.Errorf("chaos: %s: %w", name, err)
		}
	}
	if o.tree, err = indexTree(o.root, c.exclude); err != nil {
		return nil, fmt.Errorf("chaos: %s: read the state: %w", name, err)
	}
	return o, nil
}

// RunError is a run of the batch that krun itself refused or could not
// finish (exit status 255): a usage error in the run arguments, or a
// setup error. Run names the run ("the reference run", "run 3 (seed
// 123)"), Replay is its command line and Msg krun's error.
type RunError struct {
	Run, Replay, Msg string
}

func (e *RunError) Error() string { return e.Msg }

// lastError is the last "krun: error: " line of a run's stderr, without
// the prefix, or its last line.
func lastError(stderr string) string {
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(lines[i], "krun: error: "); ok {
			return msg
		}
	}
	return strings.TrimPrefix(lines[len(lines)-1], "krun: ")
}

// tailBuffer keeps the last 64 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - 64<<10; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// readResults reads --results DIR: DIR/<seq>/cmd, exitval, stdout and
// stderr.
func readResults(dir string) (map[int64]jobResult, error) {
	jobs := map[int64]jobResult{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return jobs, nil // no job ran
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		seq, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			continue
		}
		d := filepath.Join(dir, e.Name())
		j := jobResult{dir: d, exit: -1}
		if b, err := os.ReadFile(filepath.Join(d, "cmd")); err == nil {
			j.cmd = strings.TrimSuffix(string(b), "\n")
		}
		if b, err := os.ReadFile(filepath.Join(d, "exitval")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				j.exit = n
			}
		}
		if j.stdout, err = hashPath(filepath.Join(d, "stdout")); err != nil {
			return nil, err
		}
		if j.stderr, err = hashPath(filepath.Join(d, "stderr")); err != nil {
			return nil, err
		}
		jobs[seq] = j
	}
	return jobs, nil
}

// hashPath is the SHA-256 of a file's content; a missing file counts as
// empty.
func hashPath(path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sha256.Sum256(nil), nil
	}
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}

// readLimited reads a file of at most maxAnalysed bytes; nil, false when
// it is larger or unreadable.
func readLimited(path string) ([]byte, bool) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxAnalysed {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > maxAnalysed {
		return nil, false
	}
	if b == nil {
		b = []byte{}
	}
	return b, true
}

// compare compares one chaos run with the reference and records what
// differs.
func (c *session) compare(o *outcome) error {
	ref := c.ref
	same := func(seq int64) bool {
		a, okA := ref.jobs[seq]
		b, okB := o.jobs[seq]
		return okA && okB && a.exit == b.exit
	}
	all := true
	for seq := range ref.jobs {
		all = all && same(seq)
	}
	jobs := runJobs{same: same, all: all, label: c.label}
	for seq, a := range ref.jobs {
		b, ok := o.jobs[seq]
		if !ok {
			c.note(o, KindJobMissing, "", seq, nil)
			continue
		}
		switch {
		case a.exit == b.exit:
		case a.exit == 0:
			c.note(o, KindJobFailed, "", seq, []string{fmt.Sprintf("exit status %d (reference: 0)", b.exit)})
		case b.exit == 0:
			c.note(o, KindJobSucceeded, "", seq, []string{fmt.Sprintf("exit status 0 (reference: %d)", a.exit)})
		default:
			c.note(o, KindJobStatus, "", seq, []string{fmt.Sprintf("exit status %d (reference: %d)", b.exit, a.exit)})
		}
		for _, s := range []struct {
			kind       Kind
			name       string
			sumA, sumB [32]byte
		}{{KindJobStdout, "stdout", a.stdout, b.stdout}, {KindJobStderr, "stderr", a.stderr, b.stderr}} {
			if s.sumA == s.sumB {
				continue
			}
			refData, ok1 := readLimited(filepath.Join(a.dir, s.name))
			runData, ok2 := readLimited(filepath.Join(b.dir, s.name))
			var detail []string
			if ok1 && ok2 {
				detail = shortDiff(refData, runData)
			}
			c.note(o, s.kind, "", seq, detail)
		}
	}
	for seq := range o.jobs {
		if _, ok := ref.jobs[seq]; !ok {
			c.note(o, KindJobExtra, "", seq, nil)
		}
	}
	for path, a := range ref.tree {
		b, ok := o.tree[path]
		switch {
		case !ok:
			if !c.parentGone(o, path) {
				c.note(o, KindDiffers, path, 0, []string{fmt.Sprintf("missing in this run; the reference has %s", describe(a))})
			}
		case a == b:
		case a.kind == kindFile && b.kind == kindFile:
			c.diagnoseFile(o, path, jobs)
		case a.kind != b.kind:
			c.note(o, KindDiffers, path, 0, []string{fmt.Sprintf("%s in this run; the reference has %s", describe(b), describe(a))})
		default:
			c.note(o, KindDiffers, path, 0, []string{fmt.Sprintf("%s, not the reference's", describe(b))})
		}
	}
	for path, b := range o.tree {
		if _, ok := ref.tree[path]; !ok && !c.parentNew(o, path) {
			c.note(o, KindDiffers, path, 0, []string{fmt.Sprintf("%s in this run, not in the reference", describe(b))})
		}
	}
	return nil
}

// parentGone reports whether a directory above path is missing from the
// run too: only the highest missing path is worth a line.
func (c *session) parentGone(o *outcome, path string) bool {
	d := filepath.Dir(path)
	if d == "." {
		return false
	}
	_, ok := o.tree[d]
	return !ok
}

// parentNew reports whether a directory above path is new in the run.
func (c *session) parentNew(o *outcome, path string) bool {
	d := filepath.Dir(path)
	if d == "." {
		return false
	}
	_, ok := c.ref.tree[d]
	return !ok
}

// describe names a tree entry: "a file of 12 bytes".
func describe(e entry) string {
	if e.kind == kindFile {
		return fmt.Sprintf("a file of %d bytes", e.size)
	}
	return e.kind.String()
}

// diagnoseFile records why a file that differs from the reference does.
func (c *session) diagnoseFile(o *outcome, path string, jobs runJobs) {
	refData, ok1 := readLimited(filepath.Join(c.ref.root, path))
	data, ok2 := readLimited(filepath.Join(o.root, path))
	if !ok1 || !ok2 {
		c.note(o, KindDiffers, path, 0, []string{fmt.Sprintf("%s; the reference has %s (too large to show)", describe(o.tree[path]), describe(c.ref.tree[path]))})
		return
	}
	m, ok := c.models[path]
	if !ok {
		var reoData []byte
		if e, ok := c.reo.tree[path]; ok && e.kind == kindFile {
			reoData, _ = readLimited(filepath.Join(c.reo.root, path))
		}
		m = learnFile(path, c.ref.trace, c.reo.trace, refData, reoData)
		c.models[path] = m
	}
	v := m.diagnose(data, refData, jobs)
	if v.kind != KindOK {
		c.note(o, v.kind, path, 0, v.detail)
	}
}

// label names a job of the reference: job 3 (`gen.sh 3`).
func (c *session) label(seq int64) string {
	cmd := c.ref.jobs[seq].cmd
	if cmd == "" {
		return fmt.Sprintf("job %d", seq)
	}
	cmd = strings.ReplaceAll(cmd, "\n", " ")
	if r := []rune(cmd); len(r) > 60 {
		cmd = string(r[:57]) + "..."
	}
	return fmt.Sprintf("job %d (`%s`)", seq, cmd)
}

// note records one difference seen in run o.
func (c *session) note(o *outcome, kind Kind, file string, seq int64, detail []string) {
	key := string(kind) + "\x00" + file + "\x00" + strconv.FormatInt(seq, 10)
	f, ok := c.findings[key]
	if !ok {
		f = &Finding{Kind: kind, File: file, Job: seq, Of: c.cfg.Runs, Seed: o.seed, Replay: o.replay, Details: detail}
		if seq != 0 {
			f.label = c.label(seq)
			if j, ok := c.ref.jobs[seq]; ok {
				f.Command = j.cmd
			} else if j, ok := o.jobs[seq]; ok {
				f.Command = j.cmd
				f.label = fmt.Sprintf("job %d (`%s`)", seq, j.cmd)
			}
		}
		c.findings[key] = f
	}
	f.Runs++
}
