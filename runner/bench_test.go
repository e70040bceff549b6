package runner

import (
	"io"
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
