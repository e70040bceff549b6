package lockfile

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv marks a run of the test binary as a helper process, in the
// way of cmd/go/internal/lockedfile's tests: the test re-executes itself
// so that locks are taken by a real second process.
const helperEnv = "LOCKFILE_TEST_HELPER"

// umask is the process's umask, read before any test runs.
var umask int

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		if err := helperMain(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	umask = syscall.Umask(0)
	syscall.Umask(umask)
	os.Exit(m.Run())
}

// helperMain runs one helper command:
//
//	hold PATH shared|exclusive      lock, print "locked", wait for EOF on stdin
//	try PATH shared|exclusive D     lock with timeout D, print "locked" or "timeout"
//	sem DIR NAME N                  acquire a slot, print it, wait for EOF on stdin
//	append PATH ID COUNT            append COUNT test blocks
func helperMain(args []string) error {
	ctx := context.Background()
	switch args[0] {
	case "hold":
		unlock, err := Lock(ctx, args[1], args[2] == "shared")
		if err != nil {
			return err
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin)
		return unlock()
	case "try":
		d, err := time.ParseDuration(args[3])
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		unlock, err := Lock(ctx, args[1], args[2] == "shared")
		if err != nil {
			if ctx.Err() != nil {
				fmt.Println("timeout")
				return nil
			}
			return err
		}
		fmt.Println("locked")
		return unlock()
	case "sem":
		n, err := strconv.Atoi(args[3])
		if err != nil {
			return err
		}
		s, err := OpenSemaphore(args[1], args[2], n)
		if err != nil {
			return err
		}
		release, slot, err := s.Acquire(ctx)
		if err != nil {
			return err
		}
		fmt.Println(slot)
		io.Copy(io.Discard, os.Stdin)
		return release()
	case "append":
		count, err := strconv.Atoi(args[3])
		if err != nil {
			return err
		}
		a, err := OpenAppender(args[1], "")
		if err != nil {
			return err
		}
		for i := range count {
			if _, err := a.Append(ctx, chunked(testBlock(args[2], i))); err != nil {
				return err
			}
		}
		return a.Close()
	}
	return fmt.Errorf("unknown helper command %q", args[0])
}

// helper is a running helper process.
type helper struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startHelper starts the test binary as a helper process running args.
func startHelper(t *testing.T, args ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{t: t, cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		h.stdin.Close()
		if h.cmd.ProcessState == nil {
			h.cmd.Process.Kill()
			h.cmd.Wait()
		}
	})
	return h
}

// line reads the next line the helper prints, without its newline.
func (h *helper) line() string {
	h.t.Helper()
	s, err := h.out.ReadString('\n')
	if err != nil {
		h.t.Fatalf("helper %v: read output: %v (got %q)", h.cmd.Args[1:], err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

// finish closes the helper's stdin, which ends a hold, and waits for it to
// exit successfully.
func (h *helper) finish() {
	h.t.Helper()
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		h.t.Fatalf("helper %v: %v", h.cmd.Args[1:], err)
	}
}

// kill kills the helper with SIGKILL and waits for it.
func (h *helper) kill() {
	h.t.Helper()
	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		h.t.Fatal(err)
	}
	h.cmd.Wait()
}
