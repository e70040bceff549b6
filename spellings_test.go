package main

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

// TestJoinColorValues: "--color VALUE" among krun's flags becomes
// "--color=VALUE"; a --color after the command, or followed by anything
// but a colour mode, is left alone.
func TestJoinColorValues(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("krun", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	(&options{}).register(fs)
	for _, tc := range []struct{ in, want []string }{
		{[]string{"--color", "never", "echo"}, []string{"--color=never", "echo"}},
		{[]string{"--colour", "always", "echo"}, []string{"--color=always", "echo"}},
		{[]string{"--color", "--halt", "now,fail=1", "echo"}, []string{"--color", "--halt", "now,fail=1", "echo"}},
		{[]string{"-kj", "4", "--color", "auto", "x"}, []string{"-kj", "4", "--color=auto", "x"}},
		{[]string{"-kj4", "--color", "auto", "x"}, []string{"-kj4", "--color=auto", "x"}},
		{[]string{"--tagstring", "--color", "--color", "never"}, []string{"--tagstring", "--color", "--color=never"}},
		{[]string{"ls", "--color", "never"}, []string{"ls", "--color", "never"}},
		{[]string{"--", "--color", "never"}, []string{"--", "--color", "never"}},
		{[]string{"--color"}, []string{"--color"}},
	} {
		if got := joinColorValues(fs, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("joinColorValues(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
