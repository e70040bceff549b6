package timeline

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead: no input makes Read or Render panic; an error is one line
// naming a line of the input; whatever reads draws as well-formed markup
// of the chart's own elements only.
//
//	go test -run '^$' -fuzz FuzzRead ./timeline
func FuzzRead(f *testing.F) {
	f.Add([]byte(smallEvents))
	f.Add([]byte(gnuJobLog))
	inputs, _ := filepath.Glob("../testdata/timeline/*.*")
	for _, in := range inputs {
		if strings.HasSuffix(in, ".jsonl") || strings.HasSuffix(in, ".tsv") {
			if data, err := os.ReadFile(in); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := Read(bytes.NewReader(data), "in")
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Line < 1 || strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Fatalf("error %q (%T)", err, err)
			}
			return
		}
		for _, f := range []Format{HTML, SVG} {
			var out bytes.Buffer
			if err := Render(&out, run, f, Options{MaxBars: 50, MaxRows: 10}); err != nil {
				t.Fatal(err)
			}
			checkMarkup(t, out.Bytes())
		}
	})
}
