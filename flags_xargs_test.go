package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestXargsSpellings: xargs' spellings pflag cannot read become krun's
// flags, only among krun's flags, and a separate word that xargs and GNU
// parallel would read differently is refused.
func TestXargsSpellings(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("krun", pflag.ContinueOnError)
	(&options{}).register(fs)
	for _, tc := range []struct{ in, want string }{
		{"-t echo", "-v echo"},
		{"-kt -j2 echo", "-kv -j2 echo"},
		{"-tj 2 echo", "-vj 2 echo"},
		{"-i -- echo {}", "--replace={} -- echo {}"},
		{"-i ::: a", "--replace={} ::: a"},
		{"-iXX echo XX", "--replace=XX echo XX"},
		{"-kiXX echo", "-k --replace=XX echo"},
		{"--replace -k echo", "--replace={} -k echo"},
		{"--replace=X echo", "--replace=X echo"},
		{"-I X echo", "-I X echo"},
		{"-l echo", "--max-lines=1 echo"},
		{"-l2 echo", "--max-lines=2 echo"},
		{"--max-lines echo", "--max-lines=1 echo"},
		{"--maxlines -k echo", "--max-lines=1 -k echo"},
		{"-e -k echo", "--eof= -k echo"},
		{"-eEND echo", "--eof=END echo"},
		{"-E END echo", "-E END echo"},
		{"-L 2 echo", "-L 2 echo"},
		{"--joblog -i echo", "--joblog -i echo"},
		{"-a -t echo", "-a -t echo"},
		{"--color never -t echo", "--color never -v echo"},
		{"echo -t -i -l", "echo -t -i -l"},
		{"-- -t", "-- -t"},
	} {
		got, err := xargsSpellings(fs, strings.Fields(tc.in))
		if err != nil || !slices.Equal(got, strings.Fields(tc.want)) {
			t.Errorf("%s: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"-i echo", "-ki echo", "--replace echo", "-e echo", "--eof echo", "-l 2", "--max-lines 2", "-i -", "-j2 -i x"} {
		if got, err := xargsSpellings(fs, strings.Fields(in)); err == nil {
			t.Errorf("%s: %q, want an error", in, got)
		}
	}
}
