package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/lockfile"
)

func newSemCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		id      string
		jobs    int
		timeout time.Duration
		closeFD bool
	)
	cmd := &cobra.Command{
		Use:   "sem [--id NAME] [-j N] [--timeout D] -- COMMAND [ARG...]",
		Short: "Run a command when one of N slots is free, across processes",
		Long: `krun sem is a counting semaphore shared by every krun sem with the same
--id: at most N of them (-j) run their COMMAND at once, the others wait, as
long as it takes or for --timeout. Unlike GNU sem, krun sem runs COMMAND in
the foreground and returns its exit status; put it in the background with &
and use wait.

The slots are lock files NAME.1 ... NAME.N in a private per-user directory:
$XDG_RUNTIME_DIR/krun, else $TMPDIR/krun-UID (0700; krun refuses it, or a
slot file, if it is a symbolic link or belongs to someone else). COMMAND
inherits the slot's locked file as descriptor 3, so the slot stays taken
until COMMAND (and whatever inherited it) ends, even if krun is killed;
with --close it ends with krun. COMMAND runs without a shell, with
KRUN_SEM_SLOT set to its slot number.

Exit status: COMMAND's, 128+N if a signal N killed it; 1 if no slot was
free before the timeout; 126 or 127 if COMMAND cannot be run or is not
found; 255 for a usage error or an unusable runtime directory.`,
		Example: `  for f in *.wav; do krun sem --id enc -j 4 -- flac "$f" & done; wait
  krun sem --id gpu --timeout 10m -- ./train.sh`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			argv := commandArgs(args)
			if len(argv) == 0 {
				return usageError(errors.New("sem: missing COMMAND"))
			}
			if jobs < 1 {
				return usageError(fmt.Errorf("sem: -j/--jobs must be at least 1, got %d", jobs))
			}
			if timeout < 0 {
				return usageError(fmt.Errorf("sem: --timeout must not be negative, got %v", timeout))
			}
			dir, err := lockfile.RuntimeDir()
			if err != nil {
				return usageError(err)
			}
			sem, err := lockfile.OpenSemaphore(dir, id, jobs)
			if err != nil {
				return usageError(err)
			}
			ctx, cancel := waitContext(cmd.Context(), timeout)
			defer cancel()
			held, slot, err := sem.Hold(ctx)
			if err != nil {
				return waitFailed(err, timeout, fmt.Sprintf("a slot of semaphore %q (-j %d, slot files in %s)", id, jobs, dir))
			}
			// As for krun lock, COMMAND inherits the slot (unless --close).
			defer held.Close()
			return runCommand(argv, []string{"KRUN_SEM_SLOT=" + strconv.Itoa(slot)}, inherited(held, closeFD), stdin, stdout, stderr)
		},
	}
	cmd.Flags().SortFlags = false
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVar(&id, "id", "default", "name of the semaphore: krun sem commands with the same `NAME` share its slots")
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 1, "let `N` commands of the semaphore run at once")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after waiting `D` for a slot, e.g. 500ms, 30s, 5m (default: wait as long as it takes)")
	cmd.Flags().BoolVarP(&closeFD, "close", "o", false, "do not let COMMAND inherit the slot: it ends with krun")
	return cmd
}
