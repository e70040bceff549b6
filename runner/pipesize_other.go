//go:build !linux

package runner

import "os"

// growPipe does nothing where pipes cannot be resized.
func growPipe(int) {}

// pending cannot tell where FIONREAD is not used: assume nothing waits.
func pending(*os.File) int { return 0 }
