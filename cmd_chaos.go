package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/chaos"
	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/runner"
)

// maxChaosRuns bounds --runs: each run copies the state and has a seed of
// its own, drawn without repeats.
const maxChaosRuns = 10000

// defaultChaosJitter is the start delay of krun chaos's runs: enough to
// change which of two jobs starting together goes first, small enough
// that jobs still overlap (a race needs them to).
const defaultChaosJitter = "10ms"

// newChaosCommand is "krun chaos": a race detector for a batch.
func newChaosCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		runs   int
		jitter string
		seed   string
		state  []string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "chaos [--runs N] [--state PATH]... [--jitter D] [--seed S] [--json] -- KRUN-RUN-ARGUMENTS",
		Short: "Run a batch many times under different timings and report what changed: a race detector",
		Long: `krun chaos runs one batch (the arguments of a krun run, after --) many
times and reports what differs between the runs: a race detector for shell
scripts.

It first runs the batch as a reference, one job at a time in input order
(and once more one job at a time in a shuffled order, to learn what
depends on the order alone), then --runs times with a new seed each:
shuffled order, random start delays (--jitter), and -j as given (when the
run arguments give none, each run draws -j from 2 to twice the CPUs).
Every run works in a fresh copy of the state (--state, default: the
current directory) in a private temporary directory, and its jobs run
there, so that relative paths land in the copy. Files written elsewhere
(absolute paths, a cd out of the copy) are not compared. The copies are
removed at the end, also on Ctrl-C.

Compared with the reference: each job's exit status, stdout and stderr
(per job, so completion order alone is no difference) and the final
content of every file in the copy. Each difference is named when the
evidence allows: appends interleaved or torn, a lost update (a
read-modify-write race), a job that failed in some runs; else a short
diff. Each comes with the seed of a run that shows it and the krun
command that replays that run.

Exit status: 0 when every run matched the reference, 1 when something
differed, 255 for a usage or setup error, 128+N when stopped by signal N.`,
		Example: `  krun chaos -- 'generate_report.sh {} >> final_report.log' ::: $(seq 10)
  krun chaos -- --append final_report.log generate_report.sh ::: $(seq 10)
  krun chaos --runs 20 --state out -- -j 8 "$PWD/build.sh" {} ::: a b c
  krun chaos --json -- ./bump.sh ::: $(seq 10)`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runChaos(ctx, chaosFlags{runs: runs, jitter: jitter, seed: seed, seedSet: cmd.Flags().Changed("seed"), state: state, json: asJSON}, args, stdin, stdout, stderr)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.SetInterspersed(false)
	fs.IntVar(&runs, "runs", 10, "run the batch `N` times under different timings, besides the reference")
	fs.StringArrayVar(&state, "state", nil, "copy `PATH` (a file or directory inside the current directory) for each run and compare it; repeatable (default: the current directory)")
	fs.StringVar(&jitter, "jitter", defaultChaosJitter, "delay each job's start by a random time from 0 up to `D` in each run")
	fs.StringVar(&seed, "seed", "", "choose the runs' seeds from `S`, to repeat a whole chaos session (default: at random)")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	return cmd
}

// chaosFlags are krun chaos's own flags.
type chaosFlags struct {
	runs    int
	jitter  string
	seed    string
	seedSet bool
	state   []string
	json    bool
}

// chaosManaged are the run flags krun chaos sets itself.
var chaosManaged = []struct{ flag, why string }{
	{"shuffle", "krun chaos shuffles every run itself"},
	{"seed", "give krun chaos --seed to repeat a session"},
	{"jitter", "give krun chaos --jitter, before --"},
	{"results", "krun chaos keeps each job's output itself"},
	{"dry-run", "a dry run leaves nothing to compare"},
	{"chaos-trace", "krun chaos traces the reference runs itself"},
}

// runChaos is "krun chaos": it checks everything it can before the first
// copy, runs the session and writes the report.
func runChaos(ctx context.Context, f chaosFlags, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if f.runs < 1 || f.runs > maxChaosRuns {
		return usageError(fmt.Errorf("chaos: --runs: %d: give 1 to %d", f.runs, maxChaosRuns))
	}
	jitter, err := runner.ParseDuration(f.jitter)
	if err != nil {
		return usageError(fmt.Errorf("chaos: --jitter: %w", err))
	}
	var seed uint64
	if f.seedSet {
		if seed, err = parseSeed(f.seed); err != nil {
			return usageError(fmt.Errorf("chaos: --seed: %w", err))
		}
	} else {
		seed = randomSeed()
	}
	if len(args) == 0 {
		return usageError(errors.New("chaos: give the batch to run after --, as for krun: krun chaos -- COMMAND ::: ARGS"))
	}
	o, flagsEnd, err := parseRunArgs(args)
	if err != nil {
		return usageError(err)
	}
	dir, err := os.Getwd()
	if err != nil {
		return usageError(fmt.Errorf("chaos: %w", err))
	}
	if len(f.state) == 0 {
		f.state = []string{"."}
	}
	state, err := chaos.ResolveState(dir, f.state)
	if err != nil {
		return usageError(fmt.Errorf("chaos: %w", err))
	}
	exe, err := os.Executable()
	if err != nil {
		return usageError(fmt.Errorf("chaos: find the krun binary: %w", err))
	}
	cfg := chaos.Config{Exe: exe, Args: args, FlagsEnd: flagsEnd, Runs: f.runs, Jitter: jitter, Seed: seed,
		Dir: dir, State: state, Exclude: o.reportFiles(), Env: os.Environ()}
	if o.changed("jobs") || o.changed("max-procs") {
		cfg.Jobs = true
	} else {
		cfg.JobsMin, cfg.JobsMax = 2, max(4, 2*runtime.NumCPU())
	}
	if hasStdinSource(o.input.Sources) {
		if f, ok := stdin.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			return usageError(errors.New("chaos: the batch reads standard input, which is a terminal: give the input on a pipe or in a file (krun chaos reads it once and gives it to every run)"))
		}
		if stdin == nil {
			stdin = eofReader{}
		}
		cfg.Stdin = stdin
	}
	if isTerminal(stderr) {
		cfg.Progress = func(name string, seed uint64, jobs int) {
			line := noteLine("chaos: %s", name)
			if seed != 0 {
				line += fmt.Sprintf(", seed %d", seed)
			}
			if jobs > 0 {
				line += fmt.Sprintf(", -j %d", jobs)
			}
			fmt.Fprintln(stderr, line)
		}
	}

	// Ctrl-C: the krun running a batch gets the signal (once: it runs in
	// a process group of its own), no new run starts, the copies go.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	forward := make(chan os.Signal, 4)
	var (
		mu    sync.Mutex
		first os.Signal
	)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case sig := <-sigs:
				mu.Lock()
				if first == nil {
					first = sig
				}
				mu.Unlock()
				cancel(fmt.Errorf("interrupted by %v", sig))
				select {
				case forward <- sig:
				default:
				}
			}
		}
	}()
	cfg.Signals = forward

	report, err := chaos.Run(ctx, cfg)
	mu.Lock()
	sig := first
	mu.Unlock()
	if sig != nil {
		return &exitError{code: signalCode(sig)}
	}
	if err != nil {
		var re *chaos.RunError
		if errors.As(err, &re) {
			return usageError(fmt.Errorf("chaos: %s: %s", re.Run, re.Msg))
		}
		return usageError(err)
	}
	if f.json {
		err = report.WriteJSON(stdout)
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return &exitError{code: exitBrokenPipe}
		}
		return usageError(fmt.Errorf("chaos: write the report: %w", err))
	}
	if !report.Clean() {
		return &exitError{code: exitFailed}
	}
	return nil
}

// eofReader is an empty standard input.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// parseRunArgs reads the run arguments given to krun chaos as krun would,
// and returns the options and where the flags end (before a "--" that
// ends them).
func parseRunArgs(args []string) (*config, int, error) {
	o, fs, err := parseFlags(args)
	if err != nil {
		return nil, 0, fmt.Errorf("chaos: the run arguments: %w", err)
	}
	end := len(args) - len(fs.Args())
	if fs.ArgsLenAtDash() == 0 {
		end-- // the "--" stays with the command
	}
	for _, m := range chaosManaged {
		if fs.Changed(m.flag) {
			return nil, 0, fmt.Errorf("chaos: the run arguments: --%s: %s", m.flag, m.why)
		}
	}
	c, err := newConfig(o, fs.Args(), os.Getenv)
	if err != nil {
		return nil, 0, fmt.Errorf("chaos: the run arguments: %w", err)
	}
	if _, _, err := c.jobLimit(); err != nil {
		return nil, 0, fmt.Errorf("chaos: the run arguments: %w", err)
	}
	return c, end, nil
}

// reportFiles are the files of the current directory that krun writes
// reports to (--joblog, --events, --junit, --timeline), relative: they
// hold times, so krun chaos does not compare them.
func (o *options) reportFiles() []string {
	var files []string
	for _, p := range []string{o.jobLog, o.events, o.junit, o.timeline} {
		if p == "" || p == "-" || filepath.IsAbs(p) {
			continue
		}
		files = append(files, filepath.Clean(p))
	}
	return files
}

// chaosTrace is the hidden --chaos-trace FILE of a run that krun chaos
// started: the tracer, and its file.
type chaosTrace struct {
	tracer *chaos.Tracer
	file   *os.File
}

// openChaosTrace opens --chaos-trace; the tracer records the files of
// the current directory before the first job.
func (o *options) openChaosTrace(ctx context.Context) (*chaosTrace, error) {
	f, err := outfile.Open(ctx, o.chaosTrace, outfile.Truncate, nil)
	if err != nil {
		return nil, fmt.Errorf("--chaos-trace: %w", err)
	}
	return &chaosTrace{tracer: chaos.NewTracer(f, ".", o.reportFiles()), file: f}, nil
}

// close ends the trace and returns its first failure.
func (t *chaosTrace) close() error {
	if t == nil {
		return nil
	}
	return errors.Join(t.tracer.Err(), t.file.Close())
}
