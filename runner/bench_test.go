package runner

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strconv"
	"testing"

	"github.com/krun-dev/krun/quoting"
)

func BenchmarkExpand(b *testing.B) {
	cases := []struct {
		name  string
		words []string
		args  []string
	}{
		{"append-plain", []string{"gzip", "-k"}, []string{"dir/sub/file.tar.gz"}},
		{"modifiers", []string{"convert", "{}", "{.}.png", "{/}", "{//}"}, []string{"dir/sub/file.jpg"}},
		{"hostile-double-quoted", []string{`echo "x{}y"`}, []string{`a b; rm -rf ~ $(id) "q" 'q' *`}},
		{"three-columns", []string{"echo", "{1}", "{2}", "{3}"}, []string{"a", "b c", "d'e"}},
	}
	for _, c := range cases {
		tmpl, err := ParseTemplate(c.words, TemplateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := tmpl.Expand(Args{Fields: c.args, Seq: int64(i), Slot: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkQuote(b *testing.B) {
	for _, v := range []string{"plain-file_1.txt", "a b c", "it's a 'quoted' string with $(stuff)"} {
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				quoting.Quote(v)
			}
		})
	}
}

func BenchmarkDirectArgv(b *testing.B) {
	d := newDirectExec("/bin/sh", nil, nil)
	if d == nil {
		b.Skip("/bin/sh is neither dash nor bash")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.argv("gzip -k 'dir/sub/file name.tar.gz'"); !ok {
			b.Fatal("not simple")
		}
	}
}

func BenchmarkInputs(b *testing.B) {
	b.ReportAllocs()
	r := &endless{}
	in, err := OpenInputs(InputOptions{Stdin: r})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := in.Next(); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunJobs runs jobs of `true` two at a time, as krun -j2 true
// does, with the direct path (no shell): one op is one job, so ns/op is
// the whole cost of a job, the process included, and allocs/op krun's
// allocations per job.
func BenchmarkRunJobs(b *testing.B) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		b.Fatal(err)
	}
	tmpl, err := ParseTemplate([]string{"true"}, TemplateOptions{Shell: sh})
	if err != nil {
		b.Fatal(err)
	}
	values := make([]string, b.N)
	for i := range values {
		values[i] = strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := Run(context.Background(), Config{Template: tmpl, Jobs: 2, Shell: sh, Sink: nullSink{}, DirectExec: true}, &listSource{values: values})
	if err != nil || res.Succeeded != b.N {
		b.Fatalf("%+v, %v", res, err)
	}
}

// nullSink drops every job's output.
type nullSink struct{}

func (nullSink) Begin(*Job) JobOutput { return nullOutput{} }
func (nullSink) Message(string)       {}

type nullOutput struct{}

func (nullOutput) Stdout() io.Writer { return io.Discard }
func (nullOutput) Stderr() io.Writer { return io.Discard }
func (nullOutput) Discard()          {}
func (nullOutput) End(Status) error  { return nil }

// BenchmarkManyArgs is the work krun -n 1000 true does for 200,000 input
// lines, without the processes: read and split the input, batch the
// records, build each command line and each job's argv (the direct path).
// ns/arg and allocs/arg are per input line.
func BenchmarkManyArgs(b *testing.B) {
	const lines, perJob = 200000, 1000
	var input bytes.Buffer
	for i := 1; i <= lines; i++ {
		input.WriteString(strconv.Itoa(i))
		input.WriteByte('\n')
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		b.Fatal(err)
	}
	tmpl, err := ParseTemplate([]string{"true"}, TemplateOptions{Shell: sh})
	if err != nil {
		b.Fatal(err)
	}
	d := newDirectExec(sh, nil, tmpl)
	if d == nil {
		b.Skip("sh is neither dash nor bash")
	}
	b.ReportAllocs()
	for b.Loop() {
		in, err := OpenInputs(InputOptions{Stdin: bytes.NewReader(input.Bytes())})
		if err != nil {
			b.Fatal(err)
		}
		batches := NewBatcher(in, BatchOptions{MaxArgs: perJob, Template: tmpl, Slots: 2})
		jobs := 0
		for {
			fields, err := batches.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			cmd, err := tmpl.Expand(Args{Fields: fields, Seq: int64(jobs + 1), Slot: 1})
			if err != nil {
				b.Fatal(err)
			}
			if _, ok := d.program(cmd, fields, nil); !ok {
				b.Fatal("not direct")
			}
			jobs++
		}
		if jobs != lines/perJob {
			b.Fatalf("%d jobs", jobs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/arg")
	b.ReportMetric(0, "ns/op")
}
