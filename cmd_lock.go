package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/lockfile"
)

func newLockCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		timeout time.Duration
		shared  bool
		closeFD bool
	)
	cmd := &cobra.Command{
		Use:   "lock [--timeout D] [--shared] LOCKFILE -- COMMAND [ARG...]",
		Short: "Run a command holding a lock on a file, like flock(1)",
		Long: `krun lock runs COMMAND, without a shell, while holding an flock(2) lock on
LOCKFILE, which is created if it is missing. It waits for the lock as long
as it takes, or for --timeout. Other krun processes and flock(1) users of
the same file are excluded; the kernel drops the lock if krun dies.

COMMAND gets krun's standard input, output and error, and inherits the
locked file as descriptor 3, as with flock(1): the lock lasts as long as
the last process holding it, so even a kill -9 of krun leaves COMMAND
holding it. With --close (flock -o) COMMAND does not inherit it and the
lock lasts as long as krun, which waits for COMMAND. SIGTERM and SIGHUP
sent to krun are passed on to COMMAND.

Exit status: COMMAND's, 128+N if a signal N killed it; 1 if the lock was
not free before the timeout; 126 or 127 if COMMAND cannot be run or is not
found; 255 for a usage error or an unusable LOCKFILE.`,
		Example: `  krun lock /var/lock/deploy.lock -- ./deploy.sh prod
  krun lock --timeout 30s db.lock -- pg_dump -f backup.sql mydb
  krun lock --shared cache.lock -- ./read-cache.sh`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(errors.New("lock: missing LOCKFILE and COMMAND"))
			}
			lockPath, argv := args[0], commandArgs(args[1:])
			if len(argv) == 0 {
				return usageError(fmt.Errorf("lock: missing COMMAND after %s", lockPath))
			}
			if timeout < 0 {
				return usageError(fmt.Errorf("lock: --timeout must not be negative, got %v", timeout))
			}
			ctx, cancel := waitContext(cmd.Context(), timeout)
			defer cancel()
			held, err := lockfile.Hold(ctx, lockPath, shared)
			if err != nil {
				return waitFailed(err, timeout, "the lock on "+lockPath)
			}
			// Closing it when COMMAND ended frees the lock unless a
			// process COMMAND left behind inherited it too.
			defer held.Close()
			return runCommand(argv, nil, inherited(held, closeFD), stdin, stdout, stderr)
		},
	}
	cmd.Flags().SortFlags = false
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after waiting `D` for the lock, e.g. 500ms, 30s, 5m (default: wait as long as it takes)")
	cmd.Flags().BoolVar(&shared, "shared", false, "take a shared lock, which other shared holders may hold too, instead of an exclusive one")
	cmd.Flags().BoolVarP(&closeFD, "close", "o", false, "do not let COMMAND inherit the lock (flock -o): it ends with krun")
	return cmd
}

// commandArgs returns the COMMAND words of args: a leading "--" that
// flag parsing left in place is dropped.
func commandArgs(args []string) []string {
	if len(args) > 0 && args[0] == "--" {
		return args[1:]
	}
	return args
}

// waitContext returns the context that bounds a wait for a lock: timeout
// long, or unbounded if timeout is 0.
func waitContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	if timeout > 0 {
		return context.WithTimeout(ctx, timeout)
	}
	return context.WithCancel(ctx)
}

// waitFailed turns a failure to take a lock into krun's error: exit 1
// when the timeout expired, else a setup error.
func waitFailed(err error, timeout time.Duration, what string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &exitError{code: exitFailed, err: fmt.Errorf("timed out after %v waiting for %s", timeout, what)}
	}
	return &exitError{code: exitUsage, err: err}
}

// runCommand runs argv, without a shell, with krun's standard streams and
// environment plus env, and returns its exit status as an *exitError (nil
// for 0). While it runs, SIGTERM and SIGHUP sent to krun are passed on to
// it; SIGINT and SIGQUIT reach it from the terminal, so krun ignores them
// and waits, as a shell does for a foreground job.
func runCommand(argv, env []string, extra []*os.File, stdin io.Reader, stdout, stderr io.Writer) error {
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdin, c.Stdout, c.Stderr = stdin, stdout, stderr
	c.ExtraFiles = extra
	if env != nil {
		c.Env = append(os.Environ(), env...)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := c.Start(); err != nil {
		code := exitNotRunnable
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			code = exitNotFound
		}
		return &exitError{code: code, err: fmt.Errorf("run %s: %w", argv[0], err)}
	}
	done := make(chan struct{})
	var relay sync.WaitGroup
	relay.Go(func() {
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGTERM || sig == syscall.SIGHUP {
					c.Process.Signal(sig)
				}
			case <-done:
				return
			}
		}
	})
	err := c.Wait()
	close(done)
	relay.Wait()
	return commandStatus(c.ProcessState, err)
}

// inherited is the locked file for COMMAND to inherit, unless --close.
func inherited(held *os.File, closeFD bool) []*os.File {
	if closeFD {
		return nil
	}
	return []*os.File{held}
}

// commandStatus turns the end of a command into krun's exit status: the
// command's own, or 128+N if signal N killed it.
func commandStatus(ps *os.ProcessState, err error) error {
	if ps == nil {
		return &exitError{code: exitNotRunnable, err: err}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &exitError{code: signalCode(ws.Signal())}
	}
	if code := ps.ExitCode(); code != 0 {
		return &exitError{code: code}
	}
	if err != nil {
		// The command succeeded but copying its input or output failed.
		return failure(err)
	}
	return nil
}
