package timeline

import "testing"

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{px(0), "0"}, {px(-0.01), "0"}, {px(12.345), "12.3"}, {px(12.35), "12.4"}, {px(100), "100"},
		{duration(42e6), "0.042 s"}, {duration(9999e6), "9.999 s"}, {duration(12_500e6), "12.5 s"},
		{duration(725e9), "12m05s"}, {duration(3*3600e9 + 125e9), "3h02m"},
		{tickLabel(0, 1e9), "0"}, {tickLabel(250e6, 50e6), "0.25s"}, {tickLabel(5e6, 1e6), "0.005s"},
		{tickLabel(45e9, 15e9), "45s"}, {tickLabel(90e9, 30e9), "1m30s"}, {tickLabel(7200e9, 3600e9), "2h"},
		{tickLabel(86400e9+3600e9, 3600e9), "1d1h"},
		{num(0), "0"}, {num(999), "999"}, {num(1000), "1,000"}, {num(100000), "100,000"}, {num(-1234567), "-1,234,567"},
		{plural(1, "slot"), "1 slot"}, {plural(2, "slot"), "2 slots"}, {plural(3, "retried try"), "3 retried tries"},
		{plural(2, "timed out"), "2 timed out"}, {plural(1000, "job"), "1,000 jobs"},
		{percent(0.6135), "61.4%"}, {clock(t0), "2026-03-01 12:00:00 UTC"},
		{oneLine("a\nb\x1b[1m\u2028c"), "a b [1m c"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestTicks: 6 to 11 ticks at round steps, from 0 to the end, whatever
// the span.
func TestTicks(t *testing.T) {
	for _, span := range []int64{1e6, 7e6, 999e6, 3e9, 61e9, 40 * 60e9, 25 * 3600e9, 40 * 86400e9} {
		c := &chart{span: span, plotX: 100, plotW: 1000}
		ts := ticks(c)
		if len(ts) < 2 || len(ts) > 11 {
			t.Errorf("span %d ns: %d ticks", span, len(ts))
		}
		if ts[0].label != "0" || ts[0].x != 100 || ts[len(ts)-1].x > 1100 {
			t.Errorf("span %d ns: ticks %+v", span, ts)
		}
	}
}
