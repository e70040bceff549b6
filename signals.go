package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// interrupts is how a run hears SIGINT, SIGTERM and SIGHUP. The first one
// cancels ctx, which ends the waits before the run (the reader of a FIFO
// report), and is passed to the run loop, which ends the jobs; their last
// output and joblog lines are still written, waiting on hard, which a
// second signal cancels before krun ends at once. If
// the run has not ended some time after the first one (a job's output
// still being written to a stdout nobody reads), krun gives up and exits
// too, saying so: no wait of krun's outlasts a signal.
type interrupts struct {
	ctx context.Context
	// hard is cancelled at the second signal: the waits to write what the
	// jobs left (their output, joblog lines, the JUnit report) outlast
	// the first signal, which only ends the jobs.
	hard       context.Context
	cancelHard context.CancelCauseFunc
	// run receives the signals for the run loop (runner.Config.Signals).
	run chan os.Signal

	os     chan os.Signal
	stderr io.Writer
	grace  time.Duration
	exit   func(code int)

	mu    sync.Mutex
	first os.Signal
	done  bool
	stopc chan struct{}
	// next are the cancel functions of the contexts fresh handed out,
	// which the next signal cancels.
	next []context.CancelCauseFunc
}

// watchInterrupts starts listening. grace is how long after the first
// signal the run may take to end (the termination sequence and its safety
// net); exit ends the process.
func watchInterrupts(parent context.Context, stderr io.Writer, grace time.Duration, exit func(int)) *interrupts {
	ctx, cancel := context.WithCancelCause(parent)
	hard, cancelHard := context.WithCancelCause(parent)
	in := &interrupts{ctx: ctx, hard: hard, cancelHard: cancelHard, run: make(chan os.Signal, 2), os: make(chan os.Signal, 2),
		stderr: stderr, grace: grace, exit: exit, stopc: make(chan struct{})}
	signal.Notify(in.os, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go in.loop(cancel)
	return in
}

func (in *interrupts) loop(cancel context.CancelCauseFunc) {
	var giveUp <-chan time.Time
	count := 0
	for {
		select {
		case <-in.stopc:
			return
		case sig := <-in.os:
			count++
			in.mu.Lock()
			if in.first == nil {
				in.first = sig
			}
			for _, c := range in.next {
				c(fmt.Errorf("interrupted by %v", sig))
			}
			in.next = nil
			in.mu.Unlock()
			cancel(fmt.Errorf("interrupted by %v", sig))
			select {
			case in.run <- sig:
			default:
			}
			if count == 1 {
				giveUp = time.After(in.grace)
				continue
			}
			// A second signal: the run loop kills every job group at
			// once and the writes stop waiting; give them a moment, then
			// go whatever is still blocked.
			in.cancelHard(fmt.Errorf("interrupted twice, by %v", sig))
			time.Sleep(200 * time.Millisecond)
			in.quit(sig, "a second signal")
			return
		case <-giveUp:
			in.quit(in.signal(), fmt.Sprintf("the run did not end within %v (a job's output still waits for a reader of standard output that does not read)", in.grace))
			return
		}
	}
}

// quit exits with 128+sig unless the run has ended meanwhile.
func (in *interrupts) quit(sig os.Signal, why string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done {
		return
	}
	fmt.Fprintln(in.stderr, noteLine("interrupted by %v: exiting after %s", sig, why))
	in.exit(signalCode(sig))
}

// fresh returns a context that the next signal cancels (and a second
// one, as hard): for a wait after the run, such as for the reader of a
// FIFO report, which one Ctrl-C should end even if a signal ended the run.
func (in *interrupts) fresh() context.Context {
	ctx, cancel := context.WithCancelCause(in.hard)
	in.mu.Lock()
	in.next = append(in.next, cancel)
	in.mu.Unlock()
	return ctx
}

// signal returns the first signal received, or nil.
func (in *interrupts) signal() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.first
}

// stop ends the watch: the run is over, krun exits by itself.
func (in *interrupts) stop() {
	in.mu.Lock()
	in.done = true
	in.mu.Unlock()
	signal.Stop(in.os)
	close(in.stopc)
}
