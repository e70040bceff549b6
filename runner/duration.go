package runner

import (
	"fmt"
	"strconv"
	"time"
)

// ParseDuration parses a Go duration ("30s", "1m30s") or plain seconds
// ("30", "1.5").
func ParseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1e9 {
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: want 30s, 1m, 1.5 (seconds)", s)
	}
	return d, nil
}

// Timeout is a --timeout value: a fixed duration, or a percentage of the
// median runtime of the jobs finished so far.
type Timeout struct {
	Fixed   time.Duration
	Percent float64
}

// ParseTimeout parses "30s", "30", or "200%".
func ParseTimeout(s string) (Timeout, error) {
	if n := len(s); n > 1 && s[n-1] == '%' {
		p, err := strconv.ParseFloat(s[:n-1], 64)
		if err != nil || p <= 0 {
			return Timeout{}, fmt.Errorf("invalid timeout %q: a percentage must be above 0", s)
		}
		return Timeout{Percent: p}, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return Timeout{}, fmt.Errorf("invalid timeout %q: want 30s, 1m, 30 (seconds) or N%% of the median runtime", s)
	}
	if d <= 0 {
		return Timeout{}, fmt.Errorf("invalid timeout %q: must be above 0", s)
	}
	return Timeout{Fixed: d}, nil
}
