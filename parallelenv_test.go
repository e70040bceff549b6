package main

import (
	"slices"
	"strings"
	"testing"
)

// TestParallelEnvOptions: $PARALLEL is split as a shell splits words, with
// nothing expanded, and holds options only.
func TestParallelEnvOptions(t *testing.T) {
	t.Parallel()
	good := map[string][]string{
		"":                                nil,
		"  ":                              nil,
		" -v":                             {"-v"},
		"-k -j 4":                         {"-k", "-j", "4"},
		`--tagstring 'a b' -j2`:           {"--tagstring", "a b", "-j2"},
		`--tagstring "a \"b\" \$c"`:       {"--tagstring", `a "b" $c`},
		`--tagstring a\ b`:                {"--tagstring", "a b"},
		`--tagstring '$HOME' --will-cite`: {"--tagstring", "$HOME", "--will-cite"},
		"--tagstring *":                   {"--tagstring", "*"},
		"--color --tag":                   {"--color", "--tag"},
		"--color never --tag":             {"--color=never", "--tag"},
		"-j\t2\n-k":                       {"-j", "2", "-k"},
	}
	for value, want := range good {
		got, err := parallelEnvOptions(value)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("PARALLEL=%q: %q, %v; want %q", value, got, err, want)
		}
	}
	bad := map[string]string{
		"-j $N":               "column 4",
		"--tagstring $(id)":   "column 13",
		"--tagstring `id`":    "column 13",
		`--tagstring "$HOME"`: "column 14",
		"--tagstring $'x'":    "$'...'",
		"-j 2; touch x":       "",
		"-j 2 | cat":          "",
		"-j 2 echo":           `"echo" is not an option`,
		"-k ::: a":            `":::" is not an option`,
		"-k --":               `"--" would end`,
		"--bogus":             "unknown flag",
		"-j":                  "flag needs an argument",
		`-k "`:                "closing quote",
		"--help":              "--help",
	}
	for value, want := range bad {
		_, err := parallelEnvOptions(value)
		if err == nil || !strings.HasPrefix(err.Error(), "$PARALLEL: ") || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("PARALLEL=%q: error %v, want one line naming $PARALLEL and %q", value, err, want)
		}
	}
}
