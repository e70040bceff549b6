package timeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Every number in the output is formatted here, the same way on every
// machine, so that the same run gives the same bytes.

// px formats a coordinate to a tenth of a pixel.
func px(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// duration formats a duration in ns for people: "0.042 s", "12.5 s",
// "12m05s", "3h02m".
func duration(ns int64) string {
	s := float64(ns) / 1e9
	switch {
	case ns < 10e9:
		return fmt.Sprintf("%.3f s", s)
	case ns < 60e9:
		return fmt.Sprintf("%.1f s", s)
	case ns < 3600e9:
		sec := ns / 1e9
		return fmt.Sprintf("%dm%02ds", sec/60, sec%60)
	}
	sec := ns / 1e9
	return fmt.Sprintf("%dh%02dm", sec/3600, sec%3600/60)
}

// offset formats a time as the time since the run's start: "+1.250 s".
func offset(ns int64) string { return "+" + duration(ns) }

// clock formats a Unix time in ns as UTC, to the second.
func clock(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05 UTC")
}

// percent formats a share from 0 to 1.
func percent(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }

// tickLabel formats the time t (ns from the start) of a tick of the axis,
// whose ticks are step apart: "0", "0.25s", "45s", "1m30s", "2h", "1d".
func tickLabel(t, step int64) string {
	if t == 0 {
		return "0"
	}
	if step < 1e9 {
		decimals := 0
		for s := step; s < 1e9; s *= 10 {
			decimals++
		}
		return strconv.FormatFloat(float64(t)/1e9, 'f', decimals, 64) + "s"
	}
	sec := t / 1e9
	d, h, m, s := sec/86400, sec%86400/3600, sec%3600/60, sec%60
	var out string
	for _, p := range []struct {
		v    int64
		unit string
	}{{d, "d"}, {h, "h"}, {m, "m"}, {s, "s"}} {
		if p.v != 0 {
			out += strconv.FormatInt(p.v, 10) + p.unit
		}
	}
	return out
}

// plural says "1 slot", "2 slots", "3 retried tries": n and the noun,
// whose last word takes an s (a y after a consonant becomes ies) when n is
// not 1. A noun that is an adjective ("timed out") is left as it is.
func plural(n int, noun string) string {
	if n != 1 {
		switch {
		case noun == "timed out", strings.HasPrefix(noun, "ended "), strings.HasPrefix(noun, "killed "):
		case strings.HasSuffix(noun, "y"):
			noun = noun[:len(noun)-1] + "ies"
		default:
			noun += "s"
		}
	}
	return num(n) + " " + noun
}

// num formats a count with thousands separators: "100,000".
func num(n int) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}
