package quoting

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// template splits text at each "{}" into pieces: literal text and values.
func template(text string) []Piece {
	var ps []Piece
	for i, lit := range strings.Split(text, "{}") {
		if i > 0 {
			ps = append(ps, Piece{Kind: Value, Text: "{}"})
		}
		if lit != "" {
			ps = append(ps, Piece{Kind: Literal, Text: lit})
		}
	}
	return ps
}

// build writes value at every placeholder of text, quoted for its context.
func build(t *testing.T, text, value string) (string, error) {
	t.Helper()
	ps := template(text)
	an, err := Analyze(ps, DialectOf("/bin/sh"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, p := range ps {
		if p.Kind == Literal {
			b.WriteString(p.Text)
			continue
		}
		if err := Write(&b, value, an.Contexts[i]); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// TestValuesReachTheProgramLiterally: in each context, the command line
// Write builds makes a real sh print the value as it is.
func TestValuesReachTheProgramLiterally(t *testing.T) {
	t.Parallel()
	values := []string{"plain", "a b", `q"q`, "q'q", "$(id)", "`id`", "*", "~root", "a\nb", `back\slash`, "-n", ""}
	for _, tc := range []struct{ text, wrap string }{
		{"printf '<%s>' {}", "<%s>"},
		{`printf '<%s>' "{}"`, "<%s>"},
		{`printf '<%s>' "x{}y"`, "<x%sy>"},
		{"printf '<%s>' x{}y", "<x%sy>"},
		{"printf '<%s>' \"`printf '%s' {}`\"", "<%s>"},
		{"v={}; printf '<%s>' \"$v\"", "<%s>"},
	} {
		for _, v := range values {
			cmd, err := build(t, tc.text, v)
			if err != nil {
				t.Errorf("%s with %q: %v", tc.text, v, err)
				continue
			}
			out, err := exec.Command("/bin/sh", "-c", cmd).Output()
			if want := strings.Replace(tc.wrap, "%s", v, 1); err != nil || string(out) != want {
				t.Errorf("%s with %q: sh -c %q printed %q (%v), want %q", tc.text, v, cmd, out, err, want)
			}
		}
	}
}

// TestRefusals: places no quoting makes safe are refused by Analyze, and
// values a template would evaluate are refused by Write.
func TestRefusals(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"echo ${{}}", "{}=1 echo", "echo $(( {} ))x; cat <<EOF\n{}\nEOF"} {
		if _, err := Analyze(template(text), DialectOf("bash")); err == nil {
			t.Errorf("%q: analyzed, want a refusal", text)
		}
	}
	_, err := build(t, "echo $(( {} + 1 ))", "a[$(id)]")
	var unsafe *UnsafeValueError
	if !errors.As(err, &unsafe) {
		t.Errorf("arithmetic with a subscript: %v, want an UnsafeValueError", err)
	}
	if _, err := Analyze(template("echo {}"), DialectOf("/usr/bin/fish")); err == nil {
		t.Error("a value for fish was accepted")
	}
}

// TestContextQueries: what the runner asks of a context.
func TestContextQueries(t *testing.T) {
	t.Parallel()
	ctxOf := func(text string) Context {
		ps := template(text)
		an, err := Analyze(ps, DialectOf("bash"))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		for i, p := range ps {
			if p.Kind == Value {
				return an.Contexts[i]
			}
		}
		t.Fatalf("%q: no placeholder", text)
		return Context{}
	}
	if c := ctxOf("echo {}"); !c.Bare() || c.OneWord() || !c.Repeatable() {
		t.Errorf("echo {}: %+v, want bare, several words, repeatable", c)
	}
	if c := ctxOf(`echo "{}"`); c.Bare() || !c.Repeatable() {
		t.Errorf(`echo "{}": %+v, want quoted, repeatable`, c)
	}
	if c := ctxOf("x={}"); !c.OneWord() || c.Repeatable() {
		t.Errorf("x={}: %+v, want one word, not repeatable", c)
	}
	if c := ctxOf("echo `echo {}`"); c.Repeatable() {
		t.Errorf("in backquotes: %+v, want not repeatable", c)
	}
	if !DialectOf("zsh").Known() || DialectOf("fish").Known() {
		t.Error("zsh unknown or fish known")
	}
}
