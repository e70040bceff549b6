package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/lint"
)

// TestLintKnowsKrunOptions holds krun lint's idea of krun's command line
// to the real one: an option that takes a value must be in
// lint.KrunOptionSpec (or the linter takes the value for the command), and
// one that takes none must not be (or the linter takes the command for the
// value and misses what it runs).
func TestLintKnowsKrunOptions(t *testing.T) {
	root := newRootCommand(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	var wantShort, wantLong []string
	root.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "bool" || f.NoOptDefVal != "" {
			return // no value, or an optional one given as --flag=VALUE
		}
		wantLong = append(wantLong, "--"+f.Name)
		if f.Shorthand != "" {
			wantShort = append(wantShort, f.Shorthand)
		}
	})
	// GNU parallel's and xargs's other spellings of the same options.
	for _, spellings := range []map[string]string{gnuSpellings, xargsLongSpellings} {
		for alias, name := range spellings {
			if slices.Contains(wantLong, "--"+name) {
				wantLong = append(wantLong, "--"+alias)
			}
		}
	}
	short, long, _ := strings.Cut(lint.KrunOptionSpec, " ")
	gotShort := strings.Split(short, "")
	gotLong := strings.Fields(long)
	for _, l := range [][]string{wantShort, wantLong, gotShort, gotLong} {
		slices.Sort(l)
	}
	if !slices.Equal(gotShort, wantShort) {
		t.Errorf("short options that take a value: lint has %q, krun has %q", gotShort, wantShort)
	}
	if !slices.Equal(gotLong, wantLong) {
		t.Errorf("long options that take a value:\nlint has %q\nkrun has %q", gotLong, wantLong)
	}
}
