package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLoadAndSizes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want float64
		ok   bool
	}{{"2", 2, true}, {"1.5", 1.5, true}, {"100%", 4, true}, {"50%", 2, true}, {"0", 0.01, true}, {"-1", 0, false}, {"x", 0, false}, {"NaN", 0, false}, {"", 0, false}} {
		got, err := ParseLoad(tt.in, 4)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseLoad(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{{"100", 100, true}, {"1k", 1024, true}, {"2M", 2 << 20, true}, {"1.5G", 3 << 29, true}, {"1T", 1 << 40, true}, {"0", 0, false}, {"-1M", 0, false}, {"x", 0, false}} {
		got, err := ParseMemFree(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMemFree(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestGateCheck checks the gate's decisions on loadavg and meminfo files
// and real --limit commands.
func TestGateCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("loadavg", "3.50 1.00 0.50 2/300 4242\n")
	write("meminfo", "MemTotal:       16000000 kB\nMemFree:          100000 kB\nMemAvailable:    1000 kB\n")
	tests := []struct {
		name               string
		gate               Gate
		open, evict, isErr bool
		why                string
	}{
		{"load-above", Gate{MaxLoad: 3}, false, false, false, "the load average 3.50 is above --load 3"},
		{"load-below", Gate{MaxLoad: 4}, true, false, false, ""},
		{"load-equal-starts", Gate{MaxLoad: 3.5}, true, false, false, ""},
		{"mem-below", Gate{MemFree: 1500 << 10}, false, false, false, "available memory 1000 KiB is below --memfree 1500 KiB"},
		{"mem-below-half", Gate{MemFree: 3000 << 10}, false, true, false, "available memory 1000 KiB is below half of --memfree 3000 KiB"},
		{"mem-enough", Gate{MemFree: 1000 << 10}, true, false, false, ""},
		{"limit-0", Gate{Limit: "exit 0"}, true, false, false, ""},
		{"limit-1", Gate{Limit: "exit 1"}, false, false, false, "--limit's command exited 1"},
		{"limit-2", Gate{Limit: "exit 2"}, false, true, false, "--limit's command exited 2"},
		{"limit-other", Gate{Limit: "echo oops >&2; exit 3"}, false, false, true, "--limit: the command exited 3 (want 0, 1 or 2): oops"},
		{"limit-load", Gate{Limit: "load 3"}, false, false, false, "the load average 3.50 is above --load 3"},
		{"limit-mem", Gate{Limit: "mem 3M"}, false, true, false, "available memory 1000 KiB is below half of --limit mem 3072 KiB"},
		{"limit-mem-ok", Gate{Limit: "mem 1k"}, true, false, false, ""},
		{"all-open", Gate{MaxLoad: 10, MemFree: 1 << 10, Limit: "true"}, true, false, false, ""},
	}
	for _, tt := range tests {
		tt.gate.ProcDir = dir
		st := tt.gate.check("/bin/sh", os.Environ())
		why := st.why
		if st.err != nil {
			why = st.err.Error()
		}
		if st.open != tt.open || st.evict != tt.evict || (st.err != nil) != tt.isErr || why != tt.why {
			t.Errorf("%s: %+v, want open %v evict %v error %v why %q", tt.name, st, tt.open, tt.evict, tt.isErr, tt.why)
		}
	}
	// Unreadable or malformed files are errors, found by Validate.
	for _, g := range []Gate{{MaxLoad: 1, ProcDir: filepath.Join(dir, "none")}, {MemFree: 1, ProcDir: filepath.Join(dir, "none")}, {Limit: "mem x", ProcDir: dir}} {
		if err := g.Validate(); err == nil {
			t.Errorf("Validate(%+v) succeeded", g)
		}
		if st := g.check("/bin/sh", nil); st.open || st.err == nil && !strings.Contains(st.why, "mem") {
			t.Errorf("check(%+v) = %+v, want an error", g, st)
		}
	}
	write("meminfo", "MemTotal: 1 kB\n")
	if err := (&Gate{MemFree: 1, ProcDir: dir}).Validate(); err == nil || !strings.Contains(err.Error(), "no MemAvailable") {
		t.Errorf("Validate without MemAvailable: %v", err)
	}
}
