package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/krun-dev/krun/internal/sshtest"
)

// scriptHosts are the servers of the running scripts, by $WORK.
var scriptHosts sync.Map

// remoteScriptCmds are the testscript commands of the remote scripts
// (testdata/script/remote_*.txtar):
//
//	sshd NAME...   start an sshd per NAME; $SSH_CONFIG names them as
//	               hosts and $KRUN_SSH is "ssh -F $SSH_CONFIG"
//	sshd-kill NAME kill that server and its connections
//
// Scripts start with "[!sshd] skip": without OpenSSH they are skipped,
// except in CI, where they fail.
func remoteScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"sshd": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) == 0 {
				ts.Fatalf("usage: sshd NAME...")
			}
			if why := sshtest.Missing(); why != "" {
				ts.Fatalf("remote scripts need OpenSSH: %s", why)
			}
			dir := filepath.Join(ts.Getenv("WORK"), ".sshd")
			ts.Check(os.MkdirAll(dir, 0o700))
			h, err := sshtest.Start(dir, args...)
			ts.Check(err)
			ts.Defer(h.Stop)
			ts.Setenv("SSH_CONFIG", h.Config)
			ts.Setenv("KRUN_SSH", h.SSH())
			scriptHosts.Store(ts.Getenv("WORK"), h)
			ts.Defer(func() { scriptHosts.Delete(ts.Getenv("WORK")) })
		},
		"sshd-kill": func(ts *testscript.TestScript, neg bool, args []string) {
			v, ok := scriptHosts.Load(ts.Getenv("WORK"))
			h, _ := v.(*sshtest.Hosts)
			if neg || len(args) != 1 || !ok {
				ts.Fatalf("usage: sshd-kill NAME, after sshd")
			}
			ts.Check(h.Kill(args[0]))
		},
	}
}

// scriptCondition evaluates the scripts' own conditions: [sshd] holds
// when OpenSSH's server and client are installed, and always in CI, where
// the scripts must run.
func scriptCondition(cond string) (bool, error) {
	if cond != "sshd" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	return sshtest.Missing() == "" || sshtest.InCI(), nil
}
