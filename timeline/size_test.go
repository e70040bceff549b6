package timeline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var dump = flag.String("dump", "", "write the charts of the large runs to `DIR`, to look at them")

// hostileCommand is a command as long as a timeline keeps, made of the
// characters that cost the most once escaped.
func hostileCommand(i int) string {
	return strings.Repeat(`"<&>'`, 30) + string(rune('a'+i%26))
}

// TestLargeRunSize: 100,000 jobs make a file under 10 MB, in either
// format, with at most MaxBars bars, and every job is still counted: the
// merged bars' counts add up to the tries. The commands are the worst
// case for the size: every character escaped.
func TestLargeRunSize(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of 100,000 jobs")
	}
	t.Parallel()
	for _, tc := range []struct {
		name  string
		slots int
		cmd   func(int) string
	}{
		{"16 slots", 16, nil},
		{"16 slots, hostile commands", 16, hostileCommand},
		{"600 slots", 600, hostileCommand}, // more slots than rows
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs := synthRun(synthOptions{jobs: 100_000, slots: tc.slots, seed: 3, command: tc.cmd})
			began := time.Now()
			run := synthBars(jobs)
			c := layout(run, Options{})
			for _, f := range []Format{HTML, SVG} {
				var out bytes.Buffer
				if err := Render(&out, run, f, Options{}); err != nil {
					t.Fatal(err)
				}
				// Logged, not asserted: the machine may be busy.
				t.Logf("format %d: %d bytes, drawn in %v", f, out.Len(), time.Since(began))
				if out.Len() >= 10<<20 {
					t.Errorf("format %d: %d bytes, want under 10 MB", f, out.Len())
				}
				if len(c.items) > DefaultMaxBars {
					t.Errorf("%d bars drawn, past the budget of %d", len(c.items), DefaultMaxBars)
				}
				if got := strings.Count(out.String(), "<rect class=\""); got < len(c.items) {
					t.Errorf("%d bars in the file, %d laid out", got, len(c.items))
				}
				tries := 0
				for _, it := range c.items {
					if it.agg != nil {
						tries += it.agg.n
					} else {
						tries++
					}
				}
				if tries != len(jobs) {
					t.Errorf("the bars stand for %d tries, want %d", tries, len(jobs))
				}
				if c.merged == 0 || c.quantum < 1 {
					t.Errorf("no bar merged (quantum %v): the budget did not apply", c.quantum)
				}
				if *dump != "" {
					name := strings.ReplaceAll(tc.name, " ", "-") + map[Format]string{HTML: ".html", SVG: ".svg"}[f]
					if err := os.WriteFile(filepath.Join(*dump, name), out.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				began = time.Now()
			}
		})
	}
}
