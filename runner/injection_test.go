package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/krun-dev/krun/quoting"
)

// The injection tests run expanded commands through real shells in a
// scratch directory and look for a marker file: any value that manages to
// run "touch pwned" (or to create any other file) fails them.

// outcome is what became of one template, value and shell.
type outcome struct {
	refused bool     // krun refused the template or the value
	why     string   // the refusal
	out     string   // the shell's standard output, when it ran
	marker  string   // "pwned", when a value's "touch pwned" ran
	created []string // every file the command created
}

// runInjection parses tmpl for shell, expands it with values and runs it
// with shell -c in a fresh directory.
func runInjection(t *testing.T, shell, tmpl string, values ...string) outcome {
	t.Helper()
	tp, err := ParseTemplate([]string{tmpl}, TemplateOptions{Shell: shell})
	if err != nil {
		return outcome{refused: true, why: err.Error()}
	}
	command, err := tp.Expand(Args{Fields: values, Seq: 1, Slot: 1})
	if err != nil {
		var unsafe *quoting.UnsafeValueError
		if !errors.As(err, &unsafe) {
			t.Fatalf("%s: expand %q: %v is not an quoting.UnsafeValueError", shell, tmpl, err)
		}
		return outcome{refused: true, why: err.Error()}
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, "-c", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, _ := cmd.Output() // many templates fail in some shells: only the marker matters
	o := outcome{out: string(out)}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		o.created = append(o.created, e.Name())
		if e.Name() == "pwned" {
			o.marker = e.Name() // a template may create files; this one only a value's code
		}
	}
	return o
}

// shellNamed returns the path of a shell, failing in CI when it is missing.
func shellNamed(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: .ci/run installs it", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return path
}

// TestInjectionBypassesClosed runs the bypasses an adversarial review
// found (each one ran "touch pwned" before this rule): each is refused,
// and none runs code.
func TestInjectionBypassesClosed(t *testing.T) {
	t.Parallel()
	const sub = "a[$(touch pwned)]"
	cases := []struct {
		shell, tmpl string
		values      []string
	}{
		{"bash", `n=$(echo {} | cut -d, -f2); echo $((n*2))`, []string{"r," + sub}},
		{"bash", `x={}; echo "${a[x]}"`, []string{sub}},
		{"bash", `read -r x <<< {}; echo $((x+1))`, []string{sub}},
		{"bash", `x=({}); echo $((x))`, []string{sub}},
		{"bash", `x={}; echo "${!x}"`, []string{sub}},
		{"bash", `declare -n r={}; echo "$r"`, []string{sub}},
		{"bash", `printf -v{} x`, []string{sub}},
		{"bash", `printf "-v" {} x`, []string{sub}},
		{"bash", `builtin printf -v {} x`, []string{sub}},
		{"bash", `builtin read {} <<< x`, []string{sub}},
		{"bash", `command printf -v {} x`, []string{sub}},
		{"bash", `\printf -v {} x`, []string{sub}},
		{"bash", `printf {1} {2} x`, []string{"-v", sub}},
		{"bash", `[ {1} {2} ]`, []string{"-v", sub}},
		{"bash", `p=printf; $p -v {} x`, []string{sub}},
		{"bash", `x={}; y=${x:1}; echo ${z:y}`, []string{sub}},
		{"bash", `declare "{}"`, []string{sub + "=1"}},
		{"zsh", `echo "$HOME[{}]"`, []string{"$(touch pwned)"}},
		{"zsh", `declare "{}"`, []string{sub}},
		{"zsh", `export "{}"`, []string{sub}},
		{"zsh", `integer x={}`, []string{sub}},
		{"zsh", `float x={}`, []string{sub}},
		{"zsh", `print -v {} x`, []string{sub}},
		{"zsh", `echo !({})`, []string{"$(touch pwned)"}},
		{"zsh", `echo *({})`, []string{"e:'touch pwned':"}},
		{"zsh", `x={}; echo ${(P)x}`, []string{sub}},
		{"zsh", `read {} <<< x`, []string{sub}},
		{"ksh", `x={}; echo $((x))`, []string{sub}},
		{"ksh", `typeset -n r={}; echo "$r"`, []string{sub}},
		// A second review: the template supplies the subscript, the value
		// the $(...); zsh's arithmetic everywhere; backquotes around $(...);
		// several fields in one-word places; options built from pieces.
		{"bash", `read "a[{}]" <<< 1`, []string{"$(touch pwned)"}},
		{"bash", `printf -v "a[{}]" x`, []string{"$(touch pwned)"}},
		{"bash", `a=(1); unset a[{}]`, []string{"$(touch pwned)"}},
		{"bash", `declare -n r="a[{}]"`, []string{"$(touch pwned)"}},
		{"bash", `[ -v "a[{}]" ]`, []string{"$(touch pwned)"}},
		{"bash", `x=a[{}]; echo "${!x}"`, []string{"$(touch pwned)"}},
		{"bash", `read x <<< "a[{}]"; echo $((x+1))`, []string{"$(touch pwned)"}},
		{"bash", `declare -a x={}; echo "$x"`, []string{"($(touch pwned))"}},
		{"bash", `RANDOM={}`, []string{sub}},
		{"bash", `x={}; echo "${x@P}"`, []string{"$(touch pwned)"}},
		{"bash", `PS4={}; set -x; true`, []string{"$(touch pwned)"}},
		{"bash", `builtin -- read {} <<< 1`, []string{sub}},
		{"bash", `[ {1}{2} {3} ]`, []string{"-", "v", sub}},
		{"bash", "shopt -s expand_aliases; alias p='printf -v'\np {} x", []string{sub}},
		{"zsh", `printf "%05d\n" {}`, []string{"path[$(touch pwned)]"}},
		{"zsh", `exit {}`, []string{"path[$(touch pwned)]"}},
		{"zsh", `COLUMNS={} ls`, []string{"path[$(touch pwned)]"}},
		{"zsh", `exec read {} <<< 1`, []string{"path[$(touch pwned)]"}},
		{"zsh", `zstyle -s ctx style {}`, []string{"path[$(touch pwned)]"}},
		// A third review: braces and globs hiding a name, loops over
		// evaluated variables, compgen, several fields in a test.
		{"bash", `{read,} {} <<< x`, []string{sub}},
		{"bash", `rea{d,} {} <<< x`, []string{sub}},
		{"bash", `[ {-v,} {} ]`, []string{sub}},
		{"bash", `printf {-v,} {} x`, []string{sub}},
		{"bash", `{declare,} -n r={}; echo "$r"`, []string{sub}},
		{"bash", `touch ./-v; [ -[v] {} ]`, []string{sub}},
		{"bash", `for PS4 in {}; do set -x; :; done`, []string{"$(touch pwned)"}},
		{"bash", `for SECONDS in {}; do :; done`, []string{sub}},
		{"bash", `for {1} in {2}; do set -x; :; done`, []string{"PS4", "$(touch pwned)"}},
		{"bash", `compgen -W {} x`, []string{"$(touch pwned)"}},
		{"ksh", `for PS4 in {}; do set -x; :; done`, []string{"$(touch pwned)"}},
		// A fourth review: a backquote in quotes inside backquotes, a
		// coprocess name.
		{"bash", "echo `echo '`{}`'`", []string{";touch pwned;"}},
		{"bash", `coproc {} { cat; }; ls`, []string{"PATH"}},
	}
	for _, tc := range cases {
		shell := shellNamed(t, tc.shell)
		o := runInjection(t, shell, tc.tmpl, tc.values...)
		if len(o.created) > 0 {
			t.Errorf("%s: %q with %q ran code: %q appeared", tc.shell, tc.tmpl, tc.values, o.created)
		}
		if !o.refused {
			t.Errorf("%s: %q with %q was not refused (output %q)", tc.shell, tc.tmpl, tc.values, o.out)
		} else if strings.Contains(o.why, "\n") || strings.Contains(o.why, "KRUN") {
			t.Errorf("%s: %q: refusal is not one clean line: %q", tc.shell, tc.tmpl, o.why)
		}
	}
}

// TestInjectionLiteralWhereSafe: the same constructs with harmless values
// run, and the value arrives literally.
func TestInjectionLiteralWhereSafe(t *testing.T) {
	t.Parallel()
	bash := shellNamed(t, "bash")
	cases := []struct{ tmpl, value, want string }{
		{`x={}; echo "${!x}"`, "HOME", ""}, // $HOME is the scratch directory: checked below
		{`printf -v y '%s' {}; echo "$y"`, "a b; 'c' \"d\"", "a b; 'c' \"d\"\n"},
		{`read -r x <<< {}; echo "$x"`, "a b", "a b\n"},
		{`[ -f {} ] || echo missing {}`, "file[1].txt", "missing file[1].txt\n"},
		{`[[ {} == -e ]] && echo yes`, "-e", "yes\n"},
		{"echo '__KRUN1__' {}", ";touch pwned", "__KRUN1__ ;touch pwned\n"},
		{`printf '%s\n' {}`, "-v", "-v\n"},
		{"echo `echo $(echo {})`", "x`;touch pwned;#", "x`;touch pwned;#\n"},
		{"echo `echo $(echo {})`", `a\\b`, `a\\b` + "\n"},
		{`printf "<%s>\n" {a,{}}`, "x,y", "<a>\n<x,y>\n"},
		{`printf "<%s>\n" {{}}`, "1..3", "<{1..3}>\n"},
		{`echo {}>/dev/null; echo ok`, "2", "ok\n"},
		{`[[ abc =~ {} ]] || echo literal`, "a.c", "literal\n"},
		{`printf '<%s>' {1} {3} {2}; echo`, "a", "<a><><>\n"},
		{`printf '<%s>' {3} {1}; echo`, "-v", "<><-v>\n"}, // a missing {N} keeps its place
		{`[ x{} ] && echo one-word`, "a -a -v b", "one-word\n"},
		{": \"`printf '<%s>' \"{}\"`\"; echo \"`printf '<%s>' \"{}\"`\"", "f{1..3}", "<f{1..3}>\n"},
	}
	for _, tc := range cases {
		o := runInjection(t, bash, tc.tmpl, tc.value)
		switch {
		case o.refused:
			t.Errorf("%q with %q refused: %s", tc.tmpl, tc.value, o.why)
		case len(o.created) > 0:
			t.Errorf("%q with %q created %q", tc.tmpl, tc.value, o.created)
		case tc.want != "" && o.out != tc.want:
			t.Errorf("%q with %q printed %q, want %q", tc.tmpl, tc.value, o.out, tc.want)
		case tc.want == "" && !strings.HasPrefix(o.out, "/"):
			t.Errorf("%q with %q printed %q, want a directory", tc.tmpl, tc.value, o.out)
		}
	}
}

// TestUnknownShellRefused: krun does not quote for shells whose rules it
// does not implement; a template whose leading {} is the command, or that
// has only numbers, still runs.
func TestUnknownShellRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"fish", "csh", "tcsh", "nu", "mksh"} {
		fake := filepath.Join(dir, name)
		if err := os.Symlink("/bin/sh", fake); err != nil {
			t.Fatal(err)
		}
		for _, tmpl := range []string{"echo {}", "echo", "echo '{}'"} {
			if _, err := ParseTemplate([]string{tmpl}, TemplateOptions{Shell: fake}); err == nil || !strings.Contains(err.Error(), "--shell") {
				t.Errorf("%s: %q: err = %v, want a refusal naming --shell", name, tmpl, err)
			}
		}
		for _, tmpl := range []string{"{}", "echo {#} {%}"} {
			if _, err := ParseTemplate([]string{tmpl}, TemplateOptions{Shell: fake}); err != nil {
				t.Errorf("%s: %q: %v", name, tmpl, err)
			}
		}
	}
	for _, known := range []string{"/bin/sh", "bash", "dash", "zsh", "ksh", "/usr/bin/bash5.2"} {
		if !quoting.DialectOf(known).Known() {
			t.Errorf("dialectOf(%q) is unknown", known)
		}
	}
}

// matrixTemplates put replacement strings in every context the README
// lists, and in the constructs that evaluate names and arithmetic.
var matrixTemplates = []string{
	// plain quoting contexts
	`printf '%s\n' {}`, `printf '%s\n' "{}"`, `printf '%s\n' '{}'`, `printf '%s\n' x{}y`,
	`printf '%s\n' "x{}y"`, `printf '%s\n' 'x{}y'`, `printf '%s\n' $'x{}y'`, `echo {} # {}`,
	`printf '%s\n' "$(printf %s {})"`, "printf '%s\\n' `printf %s {}`", "printf '%s\\n' \"`printf %s \"{}\"`\"",
	`printf '%s\n' $(echo {})`, `echo {} | cat`, `cat <<< {}`, `cat <<< "{}"`, `echo {} > out; cat out; rm out`,
	`printf '%s\n' {1} {2}`, `f() { printf '%s\n' "$1"; }; f {}`, `(echo {})`, `{ echo {}; }`,
	`if [ -n {} ]; then echo {}; fi`, `case {} in *) echo {};; esac`, `for v in {}; do echo "$v"; done`,
	`set -- {}; echo "$1"`, `x={}; echo "$x"`, `x="{}"; echo "$x"`, `export X={}; echo "$X"`, `env X={} sh -c 'echo "$X"'`,
	`a=({}); echo "${a[0]}"`, `a=("{}"); echo "${#a[@]}"`, `test -n {} && echo {}`, `[ {} = x ] || echo {}`,
	`[[ {} == x ]] || echo {}`, `[[ -n {} ]] && echo {}`, `echo {} && echo {}`, `true || echo {}`, `echo {}; echo {}`,
	// arithmetic and names
	`echo $(( {} + 1 ))`, `(( {} > 0 )) && echo pos`, `let x={}; echo $x`, `x={}; echo $((x))`,
	`read -r x <<< {}; echo $((x+1))`, `n=$(echo {} | cut -d, -f2); echo $((n*2))`, `x={}; echo "${a[x]}"`,
	`x={}; echo "${!x}"`, `declare -n r={}; echo "$r"`, `typeset -n r={}; echo "$r"`, `read {} <<< x`,
	`printf -v {} x`, `printf -v{} x`, `printf "-v" {} x`, `builtin printf -v {} x`, `builtin read {} <<< x`,
	`unset {}`, `declare {}`, `declare "{}"`, `export "{}"`, `local {} 2>/dev/null`, `mapfile {} < /dev/null`,
	`[ -v {} ]`, `test -v {}`, `[[ -v {} ]]`, `[[ {} -eq 1 ]]`, `declare -i n={}; echo $n`, `a[{}]=1`,
	`x={}; echo ${y:x}`, `integer x={}`, `float x={}`, `print -v {} x`, `echo "$HOME[{}]"`, `echo !({})`,
	`for ((i={}; i<1; i++)); do :; done`, `getopts ab {}`, `wait -p {} 2>/dev/null`, `p=printf; $p -v {} x`,
	`[ {1} {2} ]`, `printf {1} {2} x`,
	// from the second review
	`read "a[{}]" <<< 1`, `printf -v "a[{}]" x`, `a=(1); unset a[{}]`, `x=a[{}]; echo "${!x}"`,
	`declare -a x={}; echo "$x"`, `RANDOM={}`, `x={}; echo "${x@P}"`, `PS4={}; set -x; true`,
	`builtin -- read {} <<< 1`, `exec read {} <<< 1`, "echo `echo $(echo {})`", `printf "<%s>" {a,{}}`,
	`printf "<%s>" {{}}`, `echo {}>/dev/null`, `[[ abc =~ {} ]]`, `printf "%05d\n" {}`, `exit {}`,
	`COLUMNS={} true`, `zstyle -s ctx style {}`, `[ {1}{2} {3} ]`, `printf {4} {1} {2} {3}`,
	`P=/usr/bin:/bin; P=$P:{}; echo "$P"`, `echo ~{}`, `echo >&{}`,
	// from the third review
	`{read,} {} <<< x`, `[ {-v,} {} ]`, `for PS4 in {}; do set -x; :; done`, `compgen -W {} x`,
	`[ x{} ]`, `printf "<%s>" x=~{}`,
}

// matrixValues are hostile values: every way out of a quoted word, and
// every way into a subscript.
var matrixValues = append([]string{
	"a[$(touch pwned)]", "x[`touch pwned`]", "r,a[$(touch pwned)]", "a[$(touch pwned)]=1", "$HOME[$(touch pwned)]",
	"-v", "-R", "-e", "*(e:'touch pwned':)", "(e:touch pwned:)", "!(x)", "x=$(touch pwned)",
	"__KRUN0__", "KRUN", "${a[$(touch pwned)]}", "$((a[$(touch pwned)]))", "a[\\$(touch pwned)]",
	"($(touch pwned))", "path[$(touch pwned)]", "x`;touch pwned;#", "touch pwned;:", "1..3", "x,y", "2", "a.c",
}, hostile...)

// TestInjectionMatrix runs every matrix template with every hostile value
// in every supported shell: no combination may run code. It also counts
// the combinations that ran, so that refusing everything cannot pass.
func TestInjectionMatrix(t *testing.T) {
	t.Parallel()
	if len(matrixTemplates) < 60 || len(matrixValues) < 40 {
		t.Fatalf("matrix too small: %d templates, %d values", len(matrixTemplates), len(matrixValues))
	}
	shells := testShells(t)
	var ran, refused atomic.Int64
	var mu sync.Mutex
	var failures []string
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, shell := range shells {
		for _, tmpl := range matrixTemplates {
			for _, v := range matrixValues {
				if strings.IndexByte(v, 0) >= 0 {
					continue
				}
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					o := runInjection(t, shell, tmpl, v, v)
					if o.refused {
						refused.Add(1)
						return
					}
					ran.Add(1)
					if o.marker != "" {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%s: %q with %q ran code (%s appeared)", shell, tmpl, v, o.marker))
						mu.Unlock()
					}
				}()
			}
		}
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	total := ran.Load() + refused.Load()
	t.Logf("%d shells × %d templates × %d values: %d ran, %d refused", len(shells), len(matrixTemplates), len(matrixValues), ran.Load(), refused.Load())
	if ran.Load() < total/2 {
		t.Errorf("only %d of %d combinations ran: the matrix checks too little", ran.Load(), total)
	}
}

// contextCases are -X templates whose word around {} is repeated for each
// argument, and the arguments the program must receive for the job's
// fields: each copy of the word holds one value, literally.
var contextCases = []struct {
	name     string
	template string
	bashOnly bool
	want     func(fields []string) []string
}{
	{"bare", `printf '%s\0' pre-{}-post`, false, each("pre-", "-post")},
	{"double", `printf '%s\0' "pre-{}-post"`, false, each("pre-", "-post")},
	{"single", `printf '%s\0' 'pre-{}-post'`, false, each("pre-", "-post")},
	{"dollar-single", `printf '%s\0' $'pre-{}-post'`, true, each("pre-", "-post")},
	{"mixed-quotes", `printf '%s\0' "a"{}'b'`, false, each("a", "b")},
	{"twice-in-word", `printf '%s\0' p{}q{}r`, false, func(fs []string) []string {
		var out []string
		for _, f := range fs {
			out = append(out, "p"+f+"q"+f+"r")
		}
		return out
	}},
	{"seq-and-column", `printf '%s\0' {#}-{1}-{}`, false, func(fs []string) []string { return each("1-"+fs[0]+"-", "")(fs) }},
	{"for-list", `for x in p{}; do printf '%s\0' "$x"; done`, false, each("p", "")},
	{"array", `a=(p{}); printf '%s\0' "${a[@]}"`, true, each("p", "")},
	{"pipeline", `printf '%s\0' p{}q | cat`, false, each("p", "q")},
	{"in-cmdsubst", `printf '%s\0' "$(printf '%s,' p{})"`, false, func(fs []string) []string {
		return []string{stripTrailingNewlines(strings.Join(each("p", ",")(fs), ""))}
	}},
}

// each returns the arguments pre+f+post for every field f.
func each(pre, post string) func([]string) []string {
	return func(fs []string) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = pre + f + post
		}
		return out
	}
}

// TestInjectionContextReplace runs -X's repeated words with hostile values
// through real shells: every copy of the word gets its one value,
// literally, in bare words, quotes and substitutions, and no value runs
// code.
func TestInjectionContextReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ran, refused := 0, 0
	for _, sh := range testShells(t) {
		isBash := strings.HasSuffix(sh, "bash") || strings.HasSuffix(sh, "zsh") || strings.HasSuffix(sh, "ksh")
		for _, tc := range contextCases {
			if tc.bashOnly && !isBash {
				continue
			}
			tmpl, err := ParseTemplate([]string{tc.template}, TemplateOptions{Shell: sh, Context: true})
			if err != nil {
				t.Fatalf("%s for %s: parse: %v", tc.name, sh, err)
			}
			for _, v := range append(matrixValues, hostile...) {
				if strings.IndexByte(v, 0) >= 0 {
					continue
				}
				fields := []string{v, "x y", v + "'"}
				command, err := tmpl.Expand(Args{Fields: fields, Seq: 1, Slot: 1})
				if unsafe := (*quoting.UnsafeValueError)(nil); errors.As(err, &unsafe) && strings.ContainsAny(unsafe.Value, quoting.EvaluatedChars) {
					refused++ // a template that evaluates names (evaluate.go), or zsh
					continue
				}
				if err != nil {
					t.Fatalf("%s for %s: expand %q: %v", tc.name, sh, fields, err)
				}
				ran++
				got := runShell(t, sh, dir, command)
				want := tc.want(fields)
				if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
					t.Errorf("%s with %s: %q in %q gave command %q: program got %q, want %q", tc.name, sh, fields, tc.template, command, got, want)
				}
				if entries, _ := os.ReadDir(dir); len(entries) > 0 {
					t.Fatalf("%s with %s: %q ran code: %s appeared (command %q)", tc.name, sh, fields, entries[0].Name(), command)
				}
			}
		}
	}
	if ran < 5*refused {
		t.Errorf("%d combinations ran, %d were refused: the test checks too little", ran, refused)
	}
}
