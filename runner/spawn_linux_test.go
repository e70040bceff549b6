package runner

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// A failure to open /dev/null (no descriptor free at the first job's
// start) is not kept: once descriptors are free again, jobs start. Not
// parallel: it lowers the process's descriptor limit for a moment.
func TestDevNullFailureNotKept(t *testing.T) {
	devNullFD.mu.Lock()
	if devNullFD.fd >= 0 {
		syscall.Close(devNullFD.fd)
		devNullFD.fd = -1
	}
	devNullFD.mu.Unlock()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// The lowest free descriptor becomes the limit: every one below it
	// is taken, so the next open fails.
	free, err := syscall.Open(os.DevNull, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Close(free)
	low := lim
	low.Cur = uint64(free)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	_, errLow := devNull()
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(errLow, syscall.EMFILE) {
		t.Fatalf("devNull with no descriptor free: %v, want EMFILE", errLow)
	}
	if _, err := devNull(); err != nil {
		t.Fatalf("devNull with descriptors free again: %v", err)
	}
}
