package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/lockfile"
	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/output"
)

// spillThreshold is how much of its standard input krun append keeps in
// memory; the rest goes to an unlinked temporary file.
const spillThreshold = 8 << 20

func newAppendCommand(stdin io.Reader, stderr io.Writer) *cobra.Command {
	var (
		lockPath string
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "append [--lock-file PATH] [--timeout D] FILE",
		Short: "Append standard input to a file as one block, under a lock",
		Long: `krun append reads its standard input to the end, then appends all of it to
FILE as one contiguous block, while holding an exclusive flock(2) lock on
FILE, or on --lock-file PATH to cooperate with scripts that flock a separate
lock file. Any number of krun append processes, and flock(1) users of the
same lock, can append to FILE at once: no block is cut or lost.

Input beyond 8 MiB is kept in an unlinked file in $TMPDIR until it is
appended. FILE is created if it is missing, but not if reading the input
fails. If writing fails (a full disk), the partial block is removed again.
Ctrl-C or SIGTERM ends a wait for the lock, but a block being written is
finished first: it is never left torn.

Exit status: 0 when the block is appended; 1 if the lock was not free
before the timeout, or reading or writing failed; 255 for a usage error.`,
		Example: `  generate_report.sh 7 | krun append final_report.log &
  make 2>&1 | krun append --lock-file /var/lock/build.lock build.log`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(fmt.Errorf("append: want one FILE argument, got %d", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout < 0 {
				return usageError(fmt.Errorf("append: --timeout must not be negative, got %v", timeout))
			}
			return appendInput(cmd.Context(), stdin, stderr, args[0], lockPath, timeout)
		},
	}
	cmd.Flags().SortFlags = false
	cmd.Flags().StringVar(&lockPath, "lock-file", "", "lock `PATH` instead of FILE, e.g. the lock file a script takes with flock(1)")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after waiting `D` for the lock, e.g. 500ms, 30s, 5m (default: wait as long as it takes)")
	return cmd
}

// appendInput reads stdin to the end, then appends it to path as one block
// under the lock on lockPath (path if empty).
func appendInput(ctx context.Context, stdin io.Reader, stderr io.Writer, path, lockPath string, timeout time.Duration) error {
	if f, ok := stdin.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		fmt.Fprintln(stderr, noteLine("reading the block from the terminal; end it with Ctrl-D"))
	}
	block, err := output.ReadBlock(stdin, "standard input", "", spillThreshold)
	if err != nil {
		return failure(err)
	}
	defer block.Close()

	ctx, cancel := waitContext(ctx, timeout)
	defer cancel()
	ctx, stopSignals := catchSignals(ctx)
	// By the rule of package outfile: a FIFO is written as a stream, and
	// its open waits for a reader only until a signal or the timeout.
	f, err := outfile.Open(ctx, path, outfile.Append, waitNotice(lineWriter{stderr}, "append", path))
	if err != nil {
		if sig := stopSignals(); sig != nil {
			return dieOf(sig)
		}
		return failure(fmt.Errorf("append to %s: %w", path, err))
	}
	a := lockfile.NewAppender(f, lockPath)
	a.Notify = func(msg string) { fmt.Fprintln(stderr, noteLine("append: %s", msg)) }
	_, err = a.Append(ctx, block.Reader())
	if sig := stopSignals(); sig != nil {
		// The block is either whole or not started: now die of the signal.
		a.Close()
		return dieOf(sig)
	}
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		if lockPath == "" {
			lockPath = path
		}
		return waitFailed(err, timeout, "the lock on "+lockPath)
	case err != nil:
		return failure(err)
	}
	return nil
}

// catchSignals catches SIGINT, SIGTERM and SIGHUP until stop is called:
// the first one cancels the returned context, which ends a wait for the
// lock, but not a block being written, which is finished rather than
// left torn. stop returns the signal caught, if any.
func catchSignals(ctx context.Context) (_ context.Context, stop func() os.Signal) {
	ctx, cancel := context.WithCancel(ctx)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	caught := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		defer close(caught)
		select {
		case sig := <-sigs:
			cancel()
			caught <- sig
		case <-done:
		}
	}()
	return ctx, func() os.Signal {
		signal.Stop(sigs)
		close(done)
		cancel()
		sig := <-caught // nil if none was caught
		if sig == nil {
			select {
			case sig = <-sigs: // came as done was closed
			default:
			}
		}
		return sig
	}
}

// dieOf ends krun by sig, which the caller caught, so that a shell sees
// that krun was interrupted; if krun survives its own signal, the status
// is 128+sig.
func dieOf(sig os.Signal) error {
	s := sig.(syscall.Signal)
	signal.Reset(s)
	syscall.Kill(os.Getpid(), s)
	// The signal goes to any thread of krun: give it the moment it takes.
	time.Sleep(time.Second)
	return &exitError{code: signalCode(s)}
}
