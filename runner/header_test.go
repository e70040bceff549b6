package runner

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestHeaderNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f.tsv")
	if err := os.WriteFile(file, []byte("name\tage\r\nann\t3\nbob\t4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab := regexp.MustCompile("\t")
	tests := []struct {
		name      string
		opt       InputOptions
		stdin     string
		wantNames string
		wantRecs  string
		total     int64
	}{
		{"lists", InputOptions{Header: HeaderLine, Sources: []Source{{Values: []string{"a", "1", "2"}}, {Values: []string{"b", "x"}}}}, "", "a|b", "1|x 2|x", 2},
		{"file-columns-cr", InputOptions{Header: HeaderLine, ColSep: tab, Sources: []Source{{Path: file}}}, "", "name|age", "ann|3 bob|4", -1},
		{"stdin", InputOptions{Header: HeaderLine}, "h\nv\n", "h", "v", -1},
		{"link", InputOptions{Header: HeaderLine, Link: true, Sources: []Source{{Values: []string{"a", "1", "2"}}, {Values: []string{"b", "x"}}}}, "", "a|b", "1|x 2|x", 2},
		{"trimmed-like-columns", InputOptions{Header: HeaderLine, ColSep: regexp.MustCompile(","), TrimLeft: true, TrimRight: true, Sources: []Source{{Values: []string{" a , b ", "1,2"}}}}, "", "a|b", "1|2", 1},
		{"empty-source", InputOptions{Header: HeaderLine, Sources: []Source{{Values: []string{}}}}, "", "", "", 0},
		{"header-only", InputOptions{Header: HeaderLine, Sources: []Source{{Values: []string{"a"}}}}, "", "a", "", 0},
		{"skip-blank-header-kept", InputOptions{Header: HeaderLine, SkipBlank: true, Sources: []Source{{Values: []string{"", "x"}}}}, "", "", "x", -1},
		{"paths", InputOptions{Header: HeaderPaths, Sources: []Source{{Values: []string{"a"}}, {Path: file}}}, "", "|" + file, "a|name\tage\r a|ann\t3 a|bob\t4", 3},
		{"none", InputOptions{Sources: []Source{{Values: []string{"a"}}}}, "", "", "a", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opt.Stdin = strings.NewReader(tt.stdin)
			in, err := OpenInputs(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			if got := strings.Join(in.Names(), "|"); got != tt.wantNames {
				t.Errorf("names %q, want %q", got, tt.wantNames)
			}
			if got := in.Total(); got != tt.total {
				t.Errorf("total %d, want %d", got, tt.total)
			}
			if got := strings.Join(readAll(t, in), " "); got != tt.wantRecs {
				t.Errorf("records %q, want %q", got, tt.wantRecs)
			}
		})
	}
}

func TestExpandNamedColumns(t *testing.T) {
	t.Parallel()
	names := []string{"name", "dir", "a.", "name", "x y", "q'", "", "0"}
	tests := []struct {
		words []string
		plus  bool
		want  string
	}{
		{[]string{"echo", "{name}", "{dir}", "{2}"}, false, "echo 'it'\\''s' p/f.tar.gz p/f.tar.gz"},
		{[]string{"echo", "{dir/}", "{dir//}", "{dir.}", "{dir/.}"}, false, "echo f.tar.gz p p/f.tar f.tar"},
		{[]string{"echo", "{dir..}", "{dir+/}", "{#}"}, false, "echo {dir..} {dir+/} 1"},
		{[]string{"echo", "{dir..}", "{dir+/}"}, true, "echo p/f p"},
		{[]string{"echo", "{a.}", "{a..}"}, false, "echo 3 3"},                                         // the longest name first: "a." and "."
		{[]string{"echo", "{x y}", `"{q'}"`, "{}"}, false, `echo {x y} "{q'}" 'it'\''s' p/f.tar.gz 3`}, // names nothing
		{[]string{"echo", "{0}"}, false, "echo ''"},                                                    // a name before a number: column 8, missing
	}
	for _, tt := range tests {
		tmpl, err := ParseTemplate(tt.words, TemplateOptions{Plus: tt.plus})
		if err != nil {
			t.Fatal(err)
		}
		if tmpl, err = tmpl.WithNames(names); err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Expand(Args{Fields: []string{"it's", "p/f.tar.gz", "3"}, Seq: 1, Slot: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%q: %q, want %q", tt.words, got, tt.want)
		}
	}
}
