package output

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize parses a byte count such as "65536", "64K", "8M", "1G" or
// "2GiB". The suffixes K, M, G and T are powers of 1024; B and iB after
// them are accepted.
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
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)>>shift {
		return 0, fmt.Errorf("invalid size %q: want a positive number of bytes, optionally with K, M, G or T", s)
	}
	return v << shift, nil
}
