package main

import (
	"slices"

	"github.com/spf13/pflag"
)

// gnuSpellings maps the other spellings GNU parallel accepts for krun's
// options to krun's name, so that each option has one definition and
// appears once in --help and in completions.
var gnuSpellings = map[string]string{
	"jl":            "joblog",
	"lb":            "line-buffer",
	"linebuffer":    "line-buffer",
	"dryrun":        "dry-run",
	"halt-on-error": "halt",
	"haltonerror":   "halt",
	"col-sep":       "colsep",
	"result":        "results",
	"xapply":        "link",
	"colour":        "color",
	"tag-string":    "tagstring",
	"keeporder":     "keep-order",
	"argfile":       "arg-file",
	"maxargs":       "max-args",
	"maxprocs":      "max-procs",
	"tempdir":       "tmpdir",
	"ll":            "latest-line",
	"latestline":    "latest-line",
	// GNU parallel's citation notice switches: accepted, and nothing to do.
	"willcite":  noticeFlag,
	"no-notice": noticeFlag,
	"nonotice":  noticeFlag,
	"citation":  noticeFlag,
	"bibtex":    noticeFlag,
	"gnu":       noticeFlag,
}

// noticeFlag is the hidden flag that stands for GNU parallel's notice
// switches (--will-cite, --no-notice, --citation, --gnu).
const noticeFlag = "will-cite"

// colorValues are the values of --color, which may also stand alone
// (GNU parallel's switch, meaning always).
var colorValues = []string{"auto", "always", "never"}

// normalizeSpelling is the flag set's name normalisation: GNU spellings
// become krun's names.
func normalizeSpelling(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if primary, ok := gnuSpellings[name]; ok {
		return pflag.NormalizedName(primary)
	}
	return pflag.NormalizedName(name)
}

// flagWords returns how many of args, from the first, are flags of fs and
// their values: the words before the command. A "--" ends them (and is
// counted). An unknown flag counts as one word; the parser reports it.
func flagWords(fs *pflag.FlagSet, args []string) int {
	i := 0
	for i < len(args) {
		a := args[i]
		switch {
		case a == "--":
			return i + 1
		case len(a) < 2 || a[0] != '-':
			return i
		case a[1] == '-':
			i++
			name := a[2:]
			if slices.Contains([]byte(name), '=') {
				continue
			}
			if f := fs.Lookup(name); f != nil && takesValue(f) {
				i++
			}
		default:
			i++
			for j := 1; j < len(a); j++ {
				f := fs.ShorthandLookup(a[j : j+1])
				if f == nil {
					break
				}
				if takesValue(f) {
					if j == len(a)-1 {
						i++ // the value is the next word
					}
					break
				}
			}
		}
	}
	return min(i, len(args))
}

// takesValue reports whether a flag needs a value when it stands alone.
func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

// joinColorValues rewrites "--color VALUE", among krun's flags at the
// start of args, as "--color=VALUE" when VALUE is a colour mode: --color
// alone is GNU parallel's switch (always), so the parser takes no
// separate value for it.
func joinColorValues(fs *pflag.FlagSet, args []string) []string {
	n := flagWords(fs, args)
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i < n && (a == "--color" || a == "--colour") && i+1 < len(args) && slices.Contains(colorValues, args[i+1]) {
			out = append(out, "--color="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}
