package runner

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a size in bytes as GNU parallel writes them: a number,
// which may have a fraction, and an optional K, M, G or T (powers of
// 1024, either case), with B or iB after it accepted: "512K", "1.5M",
// "2GiB". The size must be positive and below 2^62.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "i")
	shift := 0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		case 't', 'T':
			shift = 40
		}
		if shift > 0 {
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	n := v * float64(int64(1)<<shift)
	if err != nil || !(n >= 1) || n >= 1<<62 {
		return 0, fmt.Errorf("invalid size %q: want a positive number of bytes, optionally with K, M, G or T", s)
	}
	return int64(n), nil
}
