package lockfile

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAppenderDiskFull appends to /dev/full, where every write fails with
// ENOSPC, as on a full disk.
func TestAppenderDiskFull(t *testing.T) {
	t.Parallel()
	a, err := OpenAppender("/dev/full", filepath.Join(t.TempDir(), "full.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	if _, err := a.AppendBytes(ctx, []byte("line\n")); !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "/dev/full") {
		t.Errorf("AppendBytes to /dev/full: %v, want ENOSPC naming the file", err)
	}
	if _, err := a.Append(ctx, strings.NewReader("block\n")); !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "/dev/full") {
		t.Errorf("Append to /dev/full: %v, want ENOSPC naming the file", err)
	}
}
