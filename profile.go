package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of this krun run to $KRUN_CPUPROFILE
// when it is set: a developer's knob for `go tool pprof krun FILE`, used to
// find what dominates krun's own cost (see the README's Performance
// section). It returns the function that ends the profile.
func startProfile(stderr io.Writer) func() {
	path := os.Getenv("KRUN_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(stderr, warningLine("KRUN_CPUPROFILE: %v", err))
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(stderr, warningLine("KRUN_CPUPROFILE: %v", err))
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
