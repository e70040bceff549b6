package runner

import (
	"strings"
	"testing"
)

// TestPlusModifiers checks --plus's modifiers against GNU parallel
// 20221122's output for the same values:
//
//	parallel -k --plus printf '[%s]' {} {..} {...} {/..} {/...} {+/} {+.} {+..} {+...} ';' echo :::: plus.in
func TestPlusModifiers(t *testing.T) {
	t.Parallel()
	gnu := []string{
		"dir/sub/file.tar.gz|dir/sub/file|dir/sub/file.tar.gz|file|file.tar.gz|dir/sub|gz|tar.gz|",
		"a.b.c.d|a.b|a|a.b|a||d|c.d|b.c.d",
		"b.c|b.c|b.c|b.c|b.c||c||",
		".hidden|.hidden|.hidden|.hidden|.hidden||hidden||",
		"dir.x/file|dir.x/file|dir.x/file|file|file|dir.x|x/file||",
		"/abs|/abs|/abs|abs|abs||||",
		"a/|a/|a/|||a|||",
		"noext|noext|noext|noext|noext||||",
		"a..|a|a..|a|a..|||.|",
		"x.y/|x.y/|x.y/|||x.y|y/||",
	}
	mods := []modifier{modNone, modNoExt2, modNoExt3, modBaseNoExt2, modBaseNoExt3, modPlusDir, modPlusExt, modPlusExt2, modPlusExt3}
	for _, line := range gnu {
		want := strings.Split(line, "|")
		for i, m := range mods {
			if got := m.apply(want[0]); got != want[i] {
				t.Errorf("%q: modifier %d = %q, GNU parallel: %q", want[0], i, got, want[i])
			}
		}
	}
}

func TestPlusReplacementStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		words []string
		plus  bool
		a     Args
		want  string
	}{
		{[]string{"echo", "{##}", "{0#}", "{0%}"}, true, Args{Fields: []string{"a"}, Seq: 7, Slot: 3, Total: 120, Slots: 16}, "echo 120 007 03"},
		{[]string{"echo", "{0#}", "{0%}"}, true, Args{Fields: []string{"a"}, Seq: 12, Slot: 3, Total: 12, Slots: 0}, "echo 12 3"},
		{[]string{"echo", "{##}", "{0#}", "{..}", "{+/}"}, false, Args{Fields: []string{"a/b"}, Seq: 1, Slot: 1}, "echo {##} {0#} {..} {+/} a/b"},
		{[]string{"echo", "{2..}", "{1+.}", "{2/...}", "{1+/}"}, true, Args{Fields: []string{"d/x.y", "p/a.b.c.d"}, Seq: 1, Slot: 1}, "echo p/a.b y a d"},
		{[]string{"echo", "{+..}"}, true, Args{Fields: []string{"a.b.c", "x.y.z"}, Seq: 1, Slot: 1}, "echo b.c y.z"},
	}
	for _, tt := range tests {
		tmpl, err := ParseTemplate(tt.words, TemplateOptions{Plus: tt.plus})
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Expand(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%q: %q, want %q", tt.words, got, tt.want)
		}
		if uses := strings.Contains(strings.Join(tt.words, " "), "#}") && tt.plus; tmpl.UsesTotal() != uses {
			t.Errorf("%q: UsesTotal = %v", tt.words, !uses)
		}
	}
}

// plusQuotingCases are templates with --plus's and --header's replacement
// strings in shell contexts: every value must arrive literally.
var plusQuotingCases = []struct {
	name     string
	template string
	want     func(v string) []string
}{
	{"plus-bare", `printf '%s\0' {..} {+/} {/...} {+..}`, func(v string) []string {
		return []string{modNoExt2.apply(v), modPlusDir.apply(v), modBaseNoExt3.apply(v), modPlusExt2.apply(v)}
	}},
	{"plus-quoted", `printf '%s\0' "x{+.}y" 'x{...}y' x{/..}y {1+...}`, func(v string) []string {
		return []string{"x" + modPlusExt.apply(v) + "y", "x" + modNoExt3.apply(v) + "y", "x" + modBaseNoExt2.apply(v) + "y", modPlusExt3.apply(v)}
	}},
	{"named", `printf '%s\0' {col} "{col.}" x{col+/}y`, func(v string) []string {
		return []string{v, trimExt(v), "x" + modPlusDir.apply(v) + "y"}
	}},
	{"numbers", `printf '%s\0' {0#}{##} "{0%}"`, func(string) []string { return []string{"0110", "03"} }},
}

// checkPlusQuoting runs the plusQuotingCases with v in every test shell,
// in dir (checked for files by the caller).
func checkPlusQuoting(t *testing.T, v, dir string) {
	t.Helper()
	for _, tc := range plusQuotingCases {
		for _, sh := range testShells(t) {
			checkArrives(t, tc.name, sh, dir, []string{tc.template}, TemplateOptions{Shell: sh, Plus: true, Names: []string{"col"}}, Args{Fields: []string{v}, Seq: 1, Slot: 3, Total: 10, Slots: 12}, tc.want(v))
		}
	}
}
