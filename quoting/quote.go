package quoting

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Quote returns s as one literal shell word for sh, bash, dash, zsh and ksh.
// Words made only of characters no shell treats specially are returned as
// they are; anything else is put in single quotes, the one quoting that
// every POSIX shell reads byte for byte, whatever the bytes (invalid UTF-8
// and control characters included). s must not contain NUL, which no
// command line can carry.
//
// mvdan.cc/sh's syntax.Quote is not used because it refuses non-printable
// bytes for POSIX shells, and krun must pass any input through as data.
func Quote(s string) string {
	if IsBareWord(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	writeSingleQuoted(&b, s)
	return b.String()
}

// writeSingleQuoted writes s in single quotes. A quote inside s is written
// as a closing quote, a backslash-escaped quote and an opening quote.
func writeSingleQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(`'\''`)
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('\'')
}

// IsBareWord reports whether s can stand unquoted: non-empty, only letters,
// digits and punctuation that no shell expands, and not a reserved word.
func IsBareWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '.', c == '/', c == ':', c == '@', c == '%', c == '+', c == ',', c == '-':
		default:
			return false
		}
	}
	return !syntax.IsKeyword(s)
}

// Write writes value so that the shell reads it as literal text at
// a position with quoting ctx. It fails for values no quoting makes safe
// (see checkValue).
func Write(b *strings.Builder, value string, ctx Context) error {
	if err := checkValue(value, ctx); err != nil {
		return err
	}
	if ctx.backquotes == 0 {
		writeQuoted(b, value, ctx.kind, ctx.inTest || ctx.forceQuote)
		return nil
	}
	// Double quotes inside backquotes ("`... "{}" ...`"): bash's brace
	// expansion can pair the inner quotes with the outer ones and leave the
	// value bare, so it is always single-quoted there.
	if ctx.kind == quoteDouble {
		ctx.forceQuote = true
	}
	// Inside `...` the shell removes one level of backslashes before it
	// parses the inner command: escape the quoted text once per level.
	var inner strings.Builder
	writeQuoted(&inner, value, ctx.kind, ctx.inTest || ctx.forceQuote)
	text := inner.String()
	for range ctx.backquotes {
		text = backquoteEscaper.Replace(text)
	}
	b.WriteString(text)
	return nil
}

// checkValue refuses a value that the shell could evaluate as code where
// it stands: a non-number where arithmetic may evaluate it, a "[" in a
// template with an evaluating construct (evaluate.go), an option where a
// builtin would then read a variable name.
func checkValue(value string, ctx Context) error {
	switch {
	case (ctx.kind == quoteArith || ctx.numeric) && !isNumber(value):
		return &UnsafeValueError{Value: value, Why: "the command evaluates shell arithmetic, where only numbers are safe"}
	case ctx.evaluator != "" && strings.ContainsAny(value, EvaluatedChars):
		return &UnsafeValueError{Value: value, Why: "the command uses " + ctx.evaluator + ", where the shell may evaluate a value as a name or arithmetic, and runs the $(...) of a [subscript] in it; values with [ $ or ` are refused there"}
	case ctx.rule == ruleNoOption && strings.HasPrefix(value, "-"):
		return &UnsafeValueError{Value: value, Why: "it stands where the builtin reads options, and an option could make it read a variable name"}
	case ctx.rule == ruleNoTestName && (value == "-v" || value == "-R"):
		return &UnsafeValueError{Value: value, Why: "test would read it as the operator that evaluates a variable name"}
	case ctx.rule == ruleNoLeadingDash && strings.HasPrefix(value, "-"):
		return &UnsafeValueError{Value: value, Why: "it begins an argument of test, which could then read as an operator"}
	case ctx.rule == ruleDescriptor && (value == "" || strings.Trim(value, "0123456789") != ""):
		return &UnsafeValueError{Value: value, Why: "after >& or <& only a descriptor number is safe (bash expands any other word a second time): write > FILE 2>&1"}
	}
	return nil
}

// EvaluatedChars are the characters refused in every value of a template
// that may evaluate a value as a name or arithmetic (evaluate.go): "[" opens
// a subscript, and "$" and "`" start the only expansions a subscript
// performs. A value without them is inert text there, whatever text of the
// template surrounds it.
const EvaluatedChars = "[$`"

// UnsafeValueError reports a value that cannot be inserted safely: in a
// template that evaluates shell arithmetic (bash evaluates "$(...)" and
// array subscripts there, quoted or not, and in the values of variables
// used there), or as an argument of a builtin that reads variable names.
type UnsafeValueError struct {
	Value string
	Why   string
}

func (e *UnsafeValueError) Error() string {
	v := e.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return fmt.Sprintf("argument %q refused: %s", v, e.Why)
}

// isNumber reports whether s is a number for shell arithmetic: optionally
// signed, starting with a digit (42, -3, 0x1f, 16#ff, 1.5), never a name,
// whose value bash would evaluate in turn.
func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '#') {
			return false
		}
	}
	return true
}

var backquoteEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`")

// writeQuoted writes value as literal text inside quoting of kind: it stays
// inside the template's quotes when nothing in it is special there, and
// otherwise closes them, writes a single-quoted word and reopens them.
// With force, the value is always single-quoted: where even plain text is
// special (see Context.forceQuote and inTest).
func writeQuoted(b *strings.Builder, value string, kind quoteKind, force bool) {
	switch kind {
	case quoteSingle:
		if !strings.Contains(value, "'") {
			b.WriteString(value)
			return
		}
		b.WriteByte('\'')
		writeSingleQuoted(b, value)
		b.WriteByte('\'')
	case quoteDollarSingle:
		if !strings.ContainsAny(value, `'\`) {
			b.WriteString(value)
			return
		}
		b.WriteByte('\'')
		writeSingleQuoted(b, value)
		b.WriteString("$'")
	case quoteDouble:
		if !force && !strings.ContainsAny(value, "\"\\$`") {
			b.WriteString(value)
			return
		}
		b.WriteByte('"')
		writeSingleQuoted(b, value)
		b.WriteByte('"')
	case quoteArith:
		b.WriteString(value) // checked by Write
	case quoteComment:
		// Only a newline ends a comment; nothing else in it is syntax.
		b.WriteString(strings.ReplaceAll(value, "\n", " "))
	default:
		if !force && IsBareWord(value) {
			b.WriteString(value)
			return
		}
		writeSingleQuoted(b, value)
	}
}
