package runner

import (
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// A user's process limit (ulimit -u) counts threads too: once the jobs
// fill it, the Go runtime cannot start a thread when it needs one, and
// aborts with a trace ("pthread_create failed", "failed to create new OS
// thread"). Under such a limit krun starts the threads it will need while
// it can, and keeps them idle for the runtime to reuse.

// tightProcessLimit is the process limit below which krun reserves its
// threads at the start of a run, where jobs may well fill it. The
// kernel's default is far above it on any machine with 4 GiB of memory
// or more, and the reserve costs a run's start about 0.5 ms (measured:
// 1.09x the CPU of krun true ::: 1).
const tightProcessLimit = 1 << 13

// reservedThreads is how many idle threads krun keeps for later: one per
// processor, and some for goroutines blocked in system calls.
func reservedThreads() int { return runtime.GOMAXPROCS(0) + 6 }

// reserveThreadsUnderLimit reserves krun's threads when the user's process
// limit is tight and applies to krun (not to root).
func reserveThreadsUnderLimit() {
	var lim unix.Rlimit
	if os.Geteuid() == 0 || unix.Getrlimit(unix.RLIMIT_NPROC, &lim) != nil ||
		uint64(lim.Cur) >= tightProcessLimit {
		return
	}
	reserveThreads(reservedThreads())
}

// reserveThreads makes the runtime start n threads now: n goroutines are
// locked to a thread each at once, then let go. The runtime keeps idle
// threads and reuses them before starting new ones.
func reserveThreads(n int) {
	var locked sync.WaitGroup
	release := make(chan struct{})
	locked.Add(n)
	for range n {
		go func() {
			runtime.LockOSThread()
			locked.Done()
			<-release
			runtime.UnlockOSThread()
		}()
	}
	locked.Wait()
	close(release)
}
