package timeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// jobLogColumns is the number of columns of a joblog line, GNU parallel's:
// Seq Host Starttime JobRuntime Send Receive Exitval Signal Command.
const jobLogColumns = 9

// jobLogNames are the joblog's column names, for errors.
var jobLogNames = [jobLogColumns]string{"Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command"}

// isJobLogHeader reports whether line is the header line of a joblog.
// Concatenated joblogs (the shards of a run) have one in the middle too.
func isJobLogHeader(line string) bool {
	return strings.HasPrefix(line, "Seq\tHost\t")
}

// looksLikeJobLog reports whether the first line of a file is that of a
// joblog: its header, or a line with the joblog's columns.
func looksLikeJobLog(line string) bool {
	if isJobLogHeader(line) {
		return true
	}
	f := strings.SplitN(line, "\t", jobLogColumns)
	if len(f) < jobLogColumns {
		return false
	}
	_, err := strconv.ParseInt(strings.TrimSpace(f[0]), 10, 64)
	return err == nil
}

// parseJobLogLine parses one job line of a joblog, krun's or GNU
// parallel's (which pads JobRuntime with spaces). Exitval -1 is a job the
// runner killed (a timeout, a halt or a signal), which a joblog does not
// tell apart. The error says what is wrong, in one line, without the file
// and line number.
func parseJobLogLine(line string) (Bar, error) {
	f := strings.SplitN(strings.TrimSuffix(line, "\r"), "\t", jobLogColumns)
	if len(f) < jobLogColumns {
		return Bar{}, fmt.Errorf("%d tab-separated columns, want %d: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command", len(f), jobLogColumns)
	}
	seq, err := strconv.ParseInt(strings.TrimSpace(f[0]), 10, 64)
	if err != nil || seq < 1 {
		return Bar{}, fmt.Errorf("Seq %q is not a job number (1, 2, ...)", clip(f[0], 30))
	}
	var ns [2]int64
	for i, col := range []int{2, 3} {
		v, ok := parseSeconds(strings.TrimSpace(f[col]), []float64{maxStart, maxDuration}[i])
		if !ok {
			return Bar{}, fmt.Errorf("%s %q is not a number of seconds", jobLogNames[col], clip(f[col], 30))
		}
		ns[i] = v
	}
	var ints [2]int
	for i, col := range []int{6, 7} {
		v, err := strconv.Atoi(strings.TrimSpace(f[col]))
		if err != nil {
			return Bar{}, fmt.Errorf("%s %q is not a whole number", jobLogNames[col], clip(f[col], 30))
		}
		ints[i] = v
	}
	b := Bar{Exit: ints[0], Signal: ints[1]}
	b.Seq, b.Attempt, b.Host = seq, 1, normHost(f[1])
	b.Start, b.End = ns[0], ns[0]+ns[1]
	b.Command = clip(strings.ReplaceAll(f[8], "\x00", "\n"), maxText)
	switch {
	case b.Exit == -1:
		b.Outcome = Killed
	case b.Exit != 0 || b.Signal != 0:
		b.Outcome = Failed
	default:
		b.Outcome = OK
	}
	return b, nil
}

// parseSeconds parses a number of seconds from 0 to below limit, as a
// joblog writes it ("1772366400.123"), into nanoseconds: exactly for a
// plain decimal, through a float for other forms ("1e3").
func parseSeconds(s string, limit float64) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if digits(whole) && len(whole) <= 11 && (frac == "" || digits(frac) && len(frac) <= 9) {
		w, _ := strconv.ParseInt(whole, 10, 64)
		ns := w * 1e9
		if frac != "" {
			f, _ := strconv.ParseInt(frac, 10, 64)
			for range 9 - len(frac) {
				f *= 10
			}
			ns += f
		}
		return ns, float64(w) < limit
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v >= limit {
		return 0, false
	}
	return nanos(v), true
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
