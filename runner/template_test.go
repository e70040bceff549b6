package runner

import (
	"strings"
	"testing"
)

func TestModifiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                          string
		noExt, base, dir, baseNoExt string
	}{
		{"dir/sub/file.tar.gz", "dir/sub/file.tar", "file.tar.gz", "dir/sub", "file.tar"},
		{"b.c", "b", "b.c", ".", "b"},
		{".hidden", "", ".hidden", ".", ""},
		{"dir/.hidden", "dir/", ".hidden", "dir", ""},
		{"a.b/c", "a.b/c", "c", "a.b", "c"},
		{"/abs", "/abs", "abs", "/", "abs"},
		{"dir/", "dir/", "", ".", ""},
		// {//} as GNU parallel's (Perl's File::Basename::dirname)
		{"/", "/", "", "/", ""},
		{"//", "//", "", "/", ""},
		{"/a/", "/a/", "", "/", ""},
		{"a//b", "a//b", "b", "a", "b"},
		{"/a/b/", "/a/b/", "", "/a", ""},
		{"", "", "", ".", ""},
	}
	for _, tt := range tests {
		got := []string{modNoExt.apply(tt.in), modBase.apply(tt.in), modDir.apply(tt.in), modBaseNoExt.apply(tt.in)}
		want := []string{tt.noExt, tt.base, tt.dir, tt.baseNoExt}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: {.} {/} {//} {/.} = %q, want %q", tt.in, got, want)
		}
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		words   []string
		replace string
		fields  []string
		want    string
	}{
		{"append", []string{"echo"}, "", []string{"a b"}, "echo 'a b'"},
		{"append-many", []string{"echo"}, "", []string{"a", "b c"}, "echo a 'b c'"},
		{"no-command", nil, "", []string{"echo hi"}, "echo hi"},
		{"leading-raw", []string{"{}", "x"}, "", []string{"echo a;"}, "echo a; x"},
		{"seq-stops-append", []string{"echo", "{#}"}, "", []string{"a"}, "echo 7"},
		{"slot", []string{"echo", "{%}"}, "", []string{"a"}, "echo 3"},
		{"positional", []string{"echo", "{2}", "{1}"}, "", []string{"a", "b"}, "echo b a"},
		{"missing-column", []string{"echo", "{1}", "{4}"}, "", []string{"a"}, "echo a ''"},
		{"column-modifiers", []string{"echo", "{1/.}", "{2//}"}, "", []string{"x/y.z", "p/q"}, "echo y p"},
		{"all-fields-bare", []string{"echo", "{}"}, "", []string{"a b", "c"}, "echo 'a b' c"},
		{"all-fields-quoted", []string{`echo "{}"`}, "", []string{"a", "b"}, `echo "a b"`},
		{"double-safe", []string{`echo "x{}y"`}, "", []string{"a b"}, `echo "xa by"`},
		{"double-unsafe", []string{`echo "x{}y"`}, "", []string{"$(id)"}, `echo "x"'$(id)'"y"`},
		{"single-safe", []string{`echo 'x{}y'`}, "", []string{"a b"}, `echo 'xa by'`},
		{"single-unsafe", []string{`echo 'x{}y'`}, "", []string{"it's"}, `echo 'x''it'\''s''y'`},
		{"replace-I", []string{"echo", "XX", "{}"}, "XX", []string{"a b"}, "echo 'a b' {}"},
		{"replace-I-modifier", []string{"echo", "{.}"}, "XX", []string{"a.c"}, "echo a"},
		{"keyword-quoted", []string{"echo", "{}"}, "", []string{"if"}, "echo 'if'"},
		{"empty", []string{"echo", "{}"}, "", []string{""}, "echo ''"},
		{"comment", []string{"echo x # {}"}, "", []string{"a\nb"}, "echo x # a b"},
		{"arith", []string{"echo $(( {} * 2 ))"}, "", []string{"21"}, "echo $(( 21 * 2 ))"},
		{"braces-not-replacement", []string{"echo", "{a}", "{1x}", "{"}, "", []string{"v"}, "echo {a} {1x} { v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseTemplate(tt.words, TemplateOptions{Replace: tt.replace})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Expand(Args{Fields: tt.fields, Seq: 7, Slot: 3})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Expand = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTemplateRefusesUnsafePlaces(t *testing.T) {
	t.Parallel()
	for _, tmpl := range []string{
		"echo $x{}",
		"echo ${}",
		`echo "${X:-{}}"`,
		"cat <<EOF\n{}\nEOF",
		`echo \{}`,
		`echo "\{}"`,
		"echo a; {}=x echo",
		"echo 'unterminated {}",
	} {
		if _, err := ParseTemplate([]string{tmpl}, TemplateOptions{}); err == nil {
			t.Errorf("ParseTemplate(%q) succeeded, want an error", tmpl)
		} else if strings.Contains(err.Error(), "__KRUN") {
			t.Errorf("ParseTemplate(%q) error shows a sentinel: %v", tmpl, err)
		}
	}
}

func TestExpandArithmeticRefusesNonNumbers(t *testing.T) {
	t.Parallel()
	for _, tmpl := range []string{"echo $(( {} ))", "(( {} ))", "[[ {} -eq 1 ]]", `[[ "{}" -lt 1 ]]`, "let x={}", "declare -i x={}", "a[{}]=1",
		"x=( [{}]=1 )", "declare -i n; n={}", "x={}; echo $(( x + 1 ))", "for x in {}; do echo $((x)); done",
		"set -- {}; echo $(( $1 ))", "f() { echo $(( $1 )); }; f {}"} {
		tp, err := ParseTemplate([]string{tmpl}, TemplateOptions{})
		if err != nil {
			t.Fatalf("%q: %v", tmpl, err)
		}
		if _, err := tp.Expand(Args{Fields: []string{"a[$(id)]"}}); err == nil {
			t.Errorf("%q: a[$(id)] was let into arithmetic", tmpl)
		}
		if _, err := tp.Expand(Args{Fields: []string{"42"}}); err != nil {
			t.Errorf("%q: 42 refused: %v", tmpl, err)
		}
		if _, err := tp.Expand(Args{Fields: []string{"_"}}); err == nil {
			t.Errorf("%q: a name was let into arithmetic", tmpl)
		}
	}
}

func TestExpandRefusesSubscriptsWhereBashReadsNames(t *testing.T) {
	t.Parallel()
	for _, tmpl := range []string{"read {}", "printf -v {} %s x", "[ -v {} ]", "test -v {}", "unset {}", "mapfile {}"} {
		tp, err := ParseTemplate([]string{tmpl}, TemplateOptions{})
		if err != nil {
			t.Fatalf("%q: %v", tmpl, err)
		}
		if _, err := tp.Expand(Args{Fields: []string{"a[$(id)]"}}); err == nil {
			t.Errorf("%q: a subscript was let in", tmpl)
		}
		if _, err := tp.Expand(Args{Fields: []string{"name"}}); err != nil {
			t.Errorf("%q: a plain name refused: %v", tmpl, err)
		}
	}
	// A plain argument next to unrelated arithmetic stays data.
	tp, err := ParseTemplate([]string{"echo {}; echo $(( 1 + 2 ))"}, TemplateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Expand(Args{Fields: []string{"a b"}}); err != nil {
		t.Errorf("echo next to arithmetic: %v", err)
	}
	// Elsewhere brackets are plain data.
	tp, _ = ParseTemplate([]string{"test -f {}"}, TemplateOptions{})
	if _, err := tp.Expand(Args{Fields: []string{"file[1].txt"}}); err != nil {
		t.Errorf("test -f: %v", err)
	}
}

// FuzzParseTemplate: any template either parses or is refused with an
// error; it never panics, and a parsed one expands any argument.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"echo {}", `"{}"`, "'{}'", "`{}`", "$(( {} ))", "{1} {2/.} {#} {%}", "cat <<E\n{}\nE", "x{}y # {}", "${x:-{}}", "\\{}"} {
		f.Add(s, "a b")
	}
	f.Fuzz(func(t *testing.T, tmpl, arg string) {
		tp, err := ParseTemplate([]string{tmpl}, TemplateOptions{})
		if err != nil {
			return
		}
		tp.Expand(Args{Fields: []string{arg, arg}, Seq: 1, Slot: 1})
	})
}

func TestPerlExpressionRefused(t *testing.T) {
	t.Parallel()
	for _, words := range [][]string{{"echo", "{= s/a/b/ =}"}, {"echo x{=2 $_ =}y"}} {
		if _, err := ParseTemplate(words, TemplateOptions{}); err == nil || !strings.Contains(err.Error(), "Perl") {
			t.Errorf("%q: err = %v, want a refusal naming Perl", words, err)
		}
		if _, err := ParseTemplate(words, TemplateOptions{Literal: true}); err == nil {
			t.Errorf("%q as --tagstring: accepted", words)
		}
	}
	// Braces with = that do not close as {= ... =} are shell text.
	if _, err := ParseTemplate([]string{"echo", "{=}", "a=b}"}, TemplateOptions{}); err != nil {
		t.Errorf("echo {=} a=b}: %v", err)
	}
}

// TestExpandContext: -X repeats the word around {} for each argument, as
// GNU parallel does, each copy quoted as the word is for one value.
func TestExpandContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tmpl    string
		replace string
		fields  []string
		want    string
	}{
		{"echo pre-{}-post", "", []string{"A", "B"}, "echo pre-A-post pre-B-post"},
		{"echo pre-{}-post", "", []string{"A"}, "echo pre-A-post"},
		{`echo "pre-{}-post"`, "", []string{"A A", "$B"}, `echo "pre-A A-post" "pre-"'$B'"-post"`},
		{`echo 'a{}b'`, "", []string{"it's", "x"}, `echo 'a''it'\''s''b' 'axb'`},
		{"echo a{}b; echo {}", "", []string{"1", "2"}, "echo a1b a2b; echo 1 2"},
		{"echo {1}-{}", "", []string{"A", "B", "C"}, "echo A-A A-B A-C"},
		{"echo {#}-{}", "", []string{"A", "B"}, "echo 7-A 7-B"},
		{"echo x{}y{}", "", []string{"A", "B"}, "echo xAyA xByB"},
		{"echo x={}", "", []string{"A", "B"}, "echo x=A x=B"},
		{"echo {.}x", "", []string{"A.c", "B.d"}, "echo Ax Bx"},
		{"echo $(echo p{})", "", []string{"A", "B"}, "echo $(echo pA pB)"},
		{`echo "a $(echo p{}) {}"`, "", []string{"A", "B"}, `echo "a $(echo pA) A" "a $(echo pB) B"`},
		{"echo a::b", "::", []string{"1", "2"}, "echo a1b a2b"},
		{"echo {} | wc", "", []string{"A", "B"}, "echo A B | wc"},
		// Not repeated: one-word places, backquotes, comments.
		{"x=p{} env", "", []string{"A", "B"}, "x=p'A B' env"},
		{"echo >o{}", "", []string{"A", "B"}, "echo >o'A B'"},
		{"echo `echo p{}`", "", []string{"A", "B"}, "echo `echo pA B`"},
		{"echo x # c{}", "", []string{"A", "B"}, "echo x # cA B"},
		// The command word is not repeated; the words after it are.
		{"{} x{}", "", []string{"A", "B"}, "A B xA xB"},
	}
	for _, tt := range tests {
		tmpl, err := ParseTemplate([]string{tt.tmpl}, TemplateOptions{Replace: tt.replace, Context: true})
		if err != nil {
			t.Fatalf("%q: %v", tt.tmpl, err)
		}
		got, err := tmpl.Expand(Args{Fields: tt.fields, Seq: 7, Slot: 1})
		if err != nil {
			t.Fatalf("%q: %v", tt.tmpl, err)
		}
		if got != tt.want {
			t.Errorf("%q with %q: %q, want %q", tt.tmpl, tt.fields, got, tt.want)
		}
	}
	// --tagstring: the text between white space is the word.
	for _, tt := range []struct {
		tag    string
		fields []string
		want   string
	}{
		{"T{}", []string{"a", "b"}, "Ta Tb"},
		{"{1}:{} x", []string{"a", "1", "a", "2"}, "a:a a:1 a:a a:2 x"},
		{"[{#}] {/}", []string{"d/a", "d/b"}, "[7] a b"},
	} {
		tmpl, err := ParseTemplate([]string{tt.tag}, TemplateOptions{Literal: true, Context: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := tmpl.Expand(Args{Fields: tt.fields, Seq: 7}); got != tt.want {
			t.Errorf("tag %q with %q: %q, want %q", tt.tag, tt.fields, got, tt.want)
		}
	}
}

func TestExpandQuoteWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		words   []string
		replace string
		fields  []string
		want    string
	}{
		{"shell-text", []string{"printf", "%s|", "a b"}, "", []string{"c"}, "printf '%s|' 'a b' c"},
		{"sh-c", []string{"sh", "-c", `printf "%s\n" "$@"`, "sh"}, "", []string{"a b"}, `sh -c 'printf "%s\n" "$@"' sh 'a b'`},
		{"in-word", []string{"echo", "x {} y"}, "", []string{"it's"}, `echo 'x ''it'\''s'' y'`},
		{"leading-not-raw", []string{"{}", "x"}, "", []string{"echo a;"}, "'echo a;' x"},
		{"no-command-not-raw", nil, "", []string{"echo a"}, "'echo a'"},
		{"empty-word", []string{"echo", ""}, "", []string{"a"}, "echo '' a"},
		{"keyword", []string{"if", "{}"}, "", []string{"then"}, "'if' 'then'"},
		{"replace-I-quote", []string{"echo", "'XX"}, "XX", []string{"a"}, `echo ''\'''a`},
		{"seq", []string{"echo", "{#}-{%}"}, "", []string{"a"}, "echo 7-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseTemplate(tt.words, TemplateOptions{Replace: tt.replace, Quote: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Expand(Args{Fields: tt.fields, Seq: 7, Slot: 3})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Expand = %q, want %q", got, tt.want)
			}
		})
	}
}
