package output

import (
	"bytes"
	"io"
	"testing"

	"github.com/krun-dev/krun/runner"
)

// benchmarkMode pushes 4 jobs' output of 64 KiB chunks through a sink.
func benchmarkMode(b *testing.B, o Options) {
	o.Stdout, o.Stderr = io.Discard, io.Discard
	o.TmpDir = b.TempDir()
	chunk := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"), 1024)
	b.SetBytes(int64(4 * len(chunk)))
	b.ReportAllocs()
	s := New(o)
	defer s.Close()
	for i := 0; b.Loop(); i++ {
		var jobs [4]runner.JobOutput
		for j := range jobs {
			jobs[j] = s.Begin(&runner.Job{Seq: int64(4*i + j + 1), Slot: j + 1, Tag: "tag"})
		}
		for j := range jobs {
			jobs[j].Stdout().Write(chunk)
		}
		for j := range jobs {
			jobs[j].End(runner.Status{})
		}
	}
}

func BenchmarkGrouped(b *testing.B)    { benchmarkMode(b, Options{}) }
func BenchmarkKeepOrder(b *testing.B)  { benchmarkMode(b, Options{KeepOrder: true}) }
func BenchmarkLineBuffer(b *testing.B) { benchmarkMode(b, Options{Mode: LineBuffered}) }
func BenchmarkTagged(b *testing.B)     { benchmarkMode(b, Options{Tag: true}) }
func BenchmarkSpilled(b *testing.B)    { benchmarkMode(b, Options{KeepOrder: true, BufferSize: 16 << 10}) }
