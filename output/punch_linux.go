package output

import (
	"os"

	"golang.org/x/sys/unix"
)

// punchHole frees the disk blocks of a range of f that is no longer needed.
// Failure only means the space is freed later, when f is closed.
func punchHole(f *os.File, off, n int64) {
	_ = unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
}
