package runner

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// GNU parallel's --plus modifiers: each {+x} is the part of the value
// that {x} removes, so that {} = {+/}/{/} = {.}.{+.} = {..}.{+..} =
// {...}.{+...} (for values that have those parts).
const (
	modNoExt2     modifier = iota + modBaseNoExt + 1 // {..}   without the last two extensions
	modNoExt3                                        // {...}  without the last three
	modBaseNoExt2                                    // {/..}  the base name without two
	modBaseNoExt3                                    // {/...} the base name without three
	modPlusDir                                       // {+/}   the directory, "" without a slash
	modPlusExt                                       // {+.}   the last extension
	modPlusExt2                                      // {+..}  the last two extensions
	modPlusExt3                                      // {+...} the last three
)

// plusModifiers are the modifiers --plus adds to [modifiers].
var plusModifiers = map[string]modifier{
	"..":   modNoExt2,
	"...":  modNoExt3,
	"/..":  modBaseNoExt2,
	"/...": modBaseNoExt3,
	"+/":   modPlusDir,
	"+.":   modPlusExt,
	"+..":  modPlusExt2,
	"+...": modPlusExt3,
}

// The extensions of --plus, as GNU parallel's Perl substitutions define
// them: an extension is a dot and text without a dot or a slash. They are
// compiled on first use, not at every start of krun.
var (
	ext2     = lazyRegexp(`\.[^/.]*\.[^/.]*$`)
	ext3     = lazyRegexp(`\.[^/.]*\.[^/.]*\.[^/.]*$`)
	plusExt2 = lazyRegexp(`^.*\.([^/.]*\.[^/.]*)$`)
	plusExt3 = lazyRegexp(`^.*\.([^/.]*\.[^/.]*\.[^/.]*)$`)
)

// lazyRegexp returns a function that compiles expr on its first call.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// applyPlus transforms s for a --plus modifier.
func (m modifier) applyPlus(s string) string {
	switch m {
	case modNoExt2:
		return trimMatch(ext2(), s)
	case modNoExt3:
		return trimMatch(ext3(), s)
	case modBaseNoExt2:
		return trimMatch(ext2(), baseName(s))
	case modBaseNoExt3:
		return trimMatch(ext3(), baseName(s))
	case modPlusDir: // s:/[^/]*$:: || s:.*$::
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			return s[:i]
		}
		return ""
	case modPlusExt: // s:.*\.:: || s:.*$::
		if i := strings.LastIndexByte(s, '.'); i >= 0 {
			return s[i+1:]
		}
		return ""
	case modPlusExt2:
		return submatch(plusExt2(), s)
	case modPlusExt3:
		return submatch(plusExt3(), s)
	}
	return s
}

// trimMatch removes the match of re (anchored at the end) from s.
func trimMatch(re *regexp.Regexp, s string) string {
	if loc := re.FindStringIndex(s); loc != nil {
		return s[:loc[0]]
	}
	return s
}

// submatch returns the first group of re's match in s, or "".
func submatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// padded writes n with leading zeros to the width of the digits of most
// (GNU parallel's {0#} and {0%}: 1+int(log10(most)) digits).
func padded(n int64, most int64) string {
	s := strconv.FormatInt(n, 10)
	width := len(strconv.FormatInt(most, 10))
	if most <= 0 || len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// usesTotal reports whether a template of the run needs the number of
// jobs before the first one starts ({##}, {0#}).
func usesTotal(cfg Config) bool {
	return cfg.Template != nil && cfg.Template.UsesTotal() ||
		cfg.TagTemplate != nil && cfg.TagTemplate.UsesTotal()
}

// countRecords reads every record of read first, as GNU parallel does for
// {##}, and returns a reader that gives them again, each with the count.
// The records are held in memory. After a read error no job runs: the
// count would be wrong; the error is given at once.
func countRecords(read func() record) func() record {
	var recs []record
	for {
		rec := read()
		if rec.err != nil && rec.err != io.EOF {
			recs = []record{rec}
			break
		}
		recs = append(recs, rec)
		if rec.err != nil {
			break
		}
	}
	total := int64(len(recs) - 1)
	i := 0
	return func() record {
		rec := recs[i]
		if i < len(recs)-1 {
			recs[i] = record{} // released as it goes
			i++
		}
		rec.total = total
		return rec
	}
}
