package main

import (
	"io"
	"strings"
	"testing"
)

// BenchmarkStartupDryRun is krun's own work from main to the first job
// and back, in process: the command tree, flags, options, inputs, output
// and reports set up, for `krun --dry-run true ::: 1` (no process starts,
// so this is what a start costs beyond the Go runtime and exec).
func BenchmarkStartupDryRun(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if code := run([]string{"--dry-run", "true", ":::", "1"}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
