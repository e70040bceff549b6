package runner

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseJobs interprets a -j/--jobs value for a machine with ncpu CPUs:
// "N" jobs, "N%" of the CPUs, "+N" or "-N" relative to the CPUs, "0" for
// as many as the input allows. It returns 0 for no limit; computed values
// are at least 1.
func ParseJobs(s string, ncpu int) (int, error) {
	bad := func() (int, error) {
		return 0, fmt.Errorf("invalid jobs value %q: want N, N%%, +N, -N or 0", s)
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return bad()
	}
	switch {
	case strings.HasSuffix(t, "%"):
		n, err := strconv.ParseUint(t[:len(t)-1], 10, 31)
		if err != nil {
			return bad()
		}
		return max(ncpu*int(n)/100, 1), nil
	case t[0] == '+' || t[0] == '-':
		n, err := strconv.ParseUint(t[1:], 10, 31)
		if err != nil {
			return bad()
		}
		if t[0] == '+' {
			return ncpu + int(n), nil
		}
		return max(ncpu-int(n), 1), nil
	}
	n, err := strconv.ParseUint(t, 10, 31)
	if err != nil {
		return bad()
	}
	return int(n), nil
}
