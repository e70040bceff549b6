package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the krun command, so that the
// end-to-end scripts and the stress tests run the real main through a real
// exec: testscript puts "krun" on $PATH for the whole test process.
func TestMain(m *testing.M) {
	// Every krun exec'd by the tests is this -race binary: skip the race
	// detector's one-second pause at exit.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	if name := filepath.Base(os.Args[0]); name != "krun" && name != "krun-testgen" {
		// The suite runs in CI, where these would turn on CI log groups
		// in every krun the tests run; scripts set them where they test
		// them. (As a command, this binary keeps its environment.)
		os.Unsetenv("GITHUB_ACTIONS")
		os.Unsetenv("GITLAB_CI")
		os.Unsetenv("PARALLEL") // options for every krun run

	}
	testscript.Main(m, map[string]func(){
		"krun":         func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"krun-testgen": testgenMain,
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Each one
// drives the krun binary with real processes and files; see the
// testscript package for the script language.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds:                remoteScriptCmds(),
		Condition:           scriptCondition,
		Setup: func(env *testscript.Env) error {
			// A fixed shell, so that messages do not depend on the user's.
			env.Setenv("SHELL", "/bin/sh")
			env.Setenv("GORACE", os.Getenv("GORACE"))
			return nil
		},
	})
}
