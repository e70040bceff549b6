package output

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestArgsDirName: GNU parallel's --results layout, with each value one
// file name that never leads out of the directory or into another's.
func TestArgsDirName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		numbers []int
		want    string
	}{
		{[]string{"a"}, nil, "1/a"},
		{[]string{"a", "1"}, nil, "1/a/2/1"},
		{[]string{"a", "b"}, []int{1, 1}, "1/a/1/b"},
		{[]string{"../../etc/x"}, nil, `1/..\_..\_etc\_x`},
		{[]string{"/"}, nil, `1/\_`},
		{[]string{`x\y`}, nil, `1/x\\y`},
		{[]string{"a\tb"}, nil, `1/a\tb`},
		{[]string{"a\x00b"}, nil, `1/a\0b`},
		{[]string{".."}, nil, `1/\.\.`},
		{[]string{"."}, nil, `1/\.`},
		{[]string{""}, nil, `1/\e`},
	} {
		if got := ArgsDirName(tc.args, tc.numbers); got != tc.want {
			t.Errorf("ArgsDirName(%q, %v) = %q, want %q", tc.args, tc.numbers, got, tc.want)
		}
	}
	hostile := []string{"", ".", "..", "...", "/", "//", "../", "/..", "a/../../b", "..\\..", "\\", "\\_", "_", "\n", "a\nb",
		"\x00", "\x00..", "~", "$(id)", strings.Repeat("x", 300), strings.Repeat("/", 300), strings.Repeat("é", 200)}
	names := map[string]string{}
	for _, v := range hostile {
		name := escapeName(v)
		switch {
		case name == "" || name == "." || name == "..":
			t.Errorf("%q: name %q", v, name)
		case strings.ContainsAny(name, "/\x00"):
			t.Errorf("%q: name %q has a / or NUL", v, name)
		case len(name) > maxNameLength:
			t.Errorf("%q: name of %d bytes", v, len(name))
		}
		if other, ok := names[name]; ok && len(v) < maxNameLength/2 {
			t.Errorf("%q and %q have the same name %q", v, other, name)
		}
		names[name] = v
		path := filepath.Join("dir", ArgsDirName([]string{v, v}, nil))
		if rel, err := filepath.Rel("dir", path); err != nil || strings.HasPrefix(rel, "..") || strings.Count(rel, "/") != 3 {
			t.Errorf("%q: path %q is not four levels under dir", v, path)
		}
	}
}

func TestParseResults(t *testing.T) {
	t.Parallel()
	good := map[string]ResultsLayout{"out": ResultsByArgs, "out/": ResultsByArgs, "o/{#}/": ResultsByPath, "o_{#}": ResultsByPath,
		"r.json": ResultsJSON, "R.CSV": ResultsCSV, "x.tsv": ResultsTSV, "-.json": ResultsJSON}
	for name, want := range good {
		if got, err := ParseResults(name); err != nil || got != want {
			t.Errorf("ParseResults(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, name := range []string{"o/{}/", "o/{1}", "o/{%}/", "o/{/.}"} {
		if _, err := ParseResults(name); err == nil {
			t.Errorf("ParseResults(%q) accepted", name)
		}
	}
}
