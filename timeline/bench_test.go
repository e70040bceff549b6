package timeline

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// The benchmarks of a run of 100,000 jobs on 16 slots, read from its
// --events file (200,000 lines, about 40 MB) and drawn as HTML:
//
//	go test -run '^$' -bench . -benchmem ./timeline

func bench100k(b *testing.B) []byte {
	b.Helper()
	return synthEvents(synthRun(synthOptions{jobs: 100_000, slots: 16, seed: 1}))
}

func BenchmarkRead100k(b *testing.B) {
	data := bench100k(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), "events"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender100k(b *testing.B) {
	run, err := Read(bytes.NewReader(bench100k(b)), "events")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := Render(io.Discard, run, HTML, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimeline100k is all that krun timeline does: read, lay out,
// render.
func BenchmarkTimeline100k(b *testing.B) {
	data := bench100k(b)
	for b.Loop() {
		run, err := Read(bytes.NewReader(data), "events")
		if err != nil {
			b.Fatal(err)
		}
		var out strings.Builder
		if err := Render(&out, run, HTML, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJobLog100k(b *testing.B) {
	data := synthJobLog(synthRun(synthOptions{jobs: 100_000, slots: 16, seed: 1}))
	for b.Loop() {
		run, err := Read(bytes.NewReader(data), "joblog")
		if err != nil {
			b.Fatal(err)
		}
		if err := Render(io.Discard, run, HTML, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
