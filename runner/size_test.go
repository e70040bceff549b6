package runner

import "testing"

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
	}{{"65536", 65536}, {"64K", 64 << 10}, {"1.5M", 3 << 19}, {"2GiB", 2 << 30}, {"1TB", 1 << 40}, {" 8M ", 8 << 20}} {
		if got, err := ParseSize(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "0", "0.1", "-1", "K", "1X", "NaN", "Inf", "99999999999T"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}
