package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden charts in testdata/timeline from the inputs there")

// TestTimelineGolden draws every input in testdata/timeline (krun's
// events, krun's and GNU parallel's joblogs; see the README there) as
// HTML and SVG with krun timeline, and compares each chart with its
// golden file byte for byte: the structure, the numbers and the escaping
// of the chart, not its pixels. go test -run TimelineGolden -update
// rewrites the golden files; look at them before committing them.
func TestTimelineGolden(t *testing.T) {
	t.Parallel()
	inputs, _ := filepath.Glob("testdata/timeline/*.jsonl")
	joblogs, _ := filepath.Glob("testdata/timeline/*.tsv")
	inputs = append(inputs, joblogs...)
	if len(inputs) < 7 {
		t.Fatalf("%d inputs in testdata/timeline", len(inputs))
	}
	for _, in := range inputs {
		for _, ext := range []string{".html", ".svg"} {
			name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in)) + ext
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				out := filepath.Join(t.TempDir(), name)
				var stdout, stderr bytes.Buffer
				if code := run([]string{"timeline", "--from", in, "-o", out}, nil, &stdout, &stderr); code != 0 || stdout.Len() > 0 || stderr.Len() > 0 {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				checkWellFormed(t, got)
				golden := filepath.Join("testdata/timeline", name+".golden")
				if *updateGolden {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -run TimelineGolden -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("the chart differs from %s:\n%s", golden, firstDiff(got, want))
				}
			})
		}
	}
}

// checkWellFormed parses a chart as strict XML: both formats are.
func checkWellFormed(t *testing.T, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed: %v", err)
		}
	}
}

// firstDiff shows the first line that differs.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(same lines)"
}
