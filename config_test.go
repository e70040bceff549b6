package main

import (
	"strings"
	"testing"
	"time"

	"github.com/krun-dev/krun/output"
)

// parseConfig parses args as the root command does and builds the
// configuration, with env as the environment.
func parseConfig(args []string, env map[string]string) (*config, error) {
	o, fs, err := parseFlags(args)
	if err != nil {
		return nil, err
	}
	return newConfig(o, fs.Args(), func(k string) string { return env[k] })
}

// TestConfigRejects: every invalid combination is refused by the pure
// configuration step, before the wiring looks at any file, with a message
// that names the flag.
func TestConfigRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"--joblog", "", "echo"}, "--joblog: the value is empty"},
		{[]string{"-n", "0", "echo"}, "--max-args: 0 arguments"},
		{[]string{"-n", "-2", "echo"}, "--max-args: -2 is negative"},
		{[]string{"--resume", "echo"}, "need --joblog"},
		{[]string{"--resume", "--resume-failed", "--joblog", "j", "echo"}, "use one"},
		{[]string{"--lock-file", "l", "echo"}, "--lock-file locks the file of --append"},
		{[]string{"-X", "-m", "echo"}, "-X and -m"},
		{[]string{"--color=pink", "echo"}, "--color: invalid value"},
		{[]string{"--group", "-u", "echo"}, "different output modes"},
		{[]string{"-0", "-d", ",", "echo"}, "--null and --delimiter"},
		{[]string{"--colsep", "(", "echo"}, "--colsep:"},
		{[]string{"--trim", "x", "echo"}, "--trim:"},
		{[]string{"--timeout", "soon", "echo"}, "--timeout:"},
		{[]string{"--termseq", "TERM,x", "echo"}, "--termseq:"},
		{[]string{"--retries", "-1", "echo"}, "--retries: -1 is negative"},
		{[]string{"--halt", "sometimes", "echo"}, "--halt:"},
		{[]string{"--delay", "x", "echo"}, "--delay:"},
		{[]string{"--breaker", "fail=200%", "echo"}, "--breaker:"},
		{[]string{"--seed", "-1", "echo"}, "--seed:"},
		{[]string{"--buffer-size", "lots", "echo"}, "--buffer-size:"},
		{[]string{"--ci", "jenkins", "echo"}, "--ci:"},
		{[]string{"--shard", "3/2", "echo"}, "--shard:"},
		{[]string{"--shard", "", "echo"}, "--shard:"},
		{[]string{"--replace", "a\x00b", "echo"}, "NUL"},
	} {
		_, err := parseConfig(tc.args, nil)
		if err == nil {
			t.Errorf("krun %q: accepted, want an error with %q", tc.args, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("krun %q: error %q, want one line with %q", tc.args, err, tc.want)
		}
	}
}

// TestConfigSettings: what the flags set, parsed into the run's settings.
func TestConfigSettings(t *testing.T) {
	t.Parallel()
	c, err := parseConfig([]string{"-k", "--line-buffer", "--tag", "--timeout", "90s", "--retries", "3",
		"--joblog", "+log", "--shard", "2/3", "--results", "out.csv", "--seed", "7", "-d", `\t`,
		"echo", "{}", ":::", "a", "b", "::::+", "f"}, map[string]string{"GITHUB_ACTIONS": "true"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"template words", strings.Join(c.words, " ") == "echo {}"},
		{"sources", len(c.input.Sources) == 2 && len(c.input.Sources[0].Values) == 2 && c.input.Sources[1].Path == "f" && c.input.Sources[1].Linked},
		{"delimiter", c.input.Delimiter == "\t" && c.input.SplitValues},
		{"mode and order", c.output.Mode == output.LineBuffered && c.output.KeepOrder && c.output.Tag},
		{"CI from the environment", c.output.CI == output.CIGitHub},
		{"timeout", c.control.Timeout.Fixed == 90*time.Second},
		{"retries", c.control.Retries == 3},
		{"seed", c.control.Seed == 7 && c.seedNotice(c.control) == ""},
		{"joblog +FILE appends", c.jobLog == "log" && c.jobLogAppend},
		{"shard", c.shard != nil && c.shard.Skips(1) && !c.shard.Skips(2)},
		{"results layout", c.resultsLayout == output.ResultsCSV},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: not as the flags say (%+v)", ch.name, c)
		}
	}
}

// TestConfigDefaults: with no flags, the defaults of GNU parallel and
// the README.
func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := parseConfig([]string{"echo"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.output.Mode != output.Grouped || c.output.KeepOrder || c.output.CI != output.CINone {
		t.Errorf("output %+v, want grouped, completion order, no CI", c.output)
	}
	if c.output.BufferSize != 8<<20 {
		t.Errorf("buffer size %d, want 8M", c.output.BufferSize)
	}
	if len(c.control.TermSeq) == 0 || c.control.Halt.When != 0 {
		t.Errorf("control %+v, want the default termination sequence and no halt", c.control)
	}
	if c.control.Seed == 0 {
		t.Error("no seed chosen")
	}
	if c.shard != nil || c.tagTmpl != nil {
		t.Error("shard or tag template set without the flags")
	}
}
