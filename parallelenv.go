package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"mvdan.cc/sh/v3/syntax"
)

// parallelEnvOptions returns the options in $PARALLEL (value), which are
// read before the command line as GNU parallel does. The value is split
// into words the way a shell would, with quotes and backslashes, but
// without expanding anything (no file name patterns either, as GNU
// parallel): $VAR, `...` and $(...) are refused, as is
// any word that is not one of krun's options or an option's value.
func parallelEnvOptions(value string) ([]string, error) {
	words, err := splitLiteralWords(value)
	if err != nil {
		return nil, fmt.Errorf("$PARALLEL: %w", err)
	}
	if len(words) == 0 {
		return nil, nil
	}
	// Parse the words alone with krun's flags: every one must be used.
	fs := pflag.NewFlagSet("PARALLEL", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	(&options{}).register(fs)
	if words, err = xargsSpellings(fs, words); err != nil {
		return nil, fmt.Errorf("$PARALLEL: %w", err)
	}
	words = joinColorValues(fs, words)
	for _, w := range words {
		if w == "--" {
			return nil, errors.New(`$PARALLEL: "--" would end krun's options: $PARALLEL holds options only`)
		}
	}
	if err := fs.Parse(words); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			err = errors.New("--help is not an option to keep in $PARALLEL")
		}
		return nil, fmt.Errorf("$PARALLEL: %w", flagError(err))
	}
	if rest := fs.Args(); len(rest) > 0 {
		return nil, fmt.Errorf("$PARALLEL: %q is not an option: $PARALLEL holds krun's options only, the command goes on the command line", rest[0])
	}
	return words, nil
}

// splitLiteralWords splits s into words as a shell would (blanks separate
// words; quotes and backslashes quote), refusing anything a shell would
// expand or run: parameters, command substitutions, arithmetic, and
// operators such as ; | &.
func splitLiteralWords(s string) ([]string, error) {
	var words []string
	var werr error
	err := syntax.NewParser().Words(strings.NewReader(s), func(w *syntax.Word) bool {
		lit, err := literalWord(w)
		if err != nil {
			werr = err
			return false
		}
		words = append(words, lit)
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		var perr syntax.ParseError
		if errors.As(err, &perr) {
			err = errors.New(perr.Text)
		}
		return nil, err
	}
	return words, nil
}

// literalWord returns the text of w with its quotes removed, or an error
// when a part of it would be expanded.
func literalWord(w *syntax.Word) (string, error) {
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(p.Value, ""))
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", errors.New("$'...' quoting is not supported: use '...'")
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, in := range p.Parts {
				lit, ok := in.(*syntax.Lit)
				if !ok {
					return "", notLiteral(in)
				}
				b.WriteString(unescape(lit.Value, "$`\"\\\n"))
			}
		default:
			return "", notLiteral(part)
		}
	}
	return b.String(), nil
}

// notLiteral is the error for a part of a word that a shell would expand.
func notLiteral(n syntax.Node) error {
	return fmt.Errorf("column %d: krun expands no $VAR, `...` or $(...) in $PARALLEL: give the value itself", n.Pos().Col())
}

// unescape removes the backslashes of an unquoted (special == "") or
// double-quoted text: in double quotes a backslash only escapes the
// characters in special; unquoted it escapes any character, and a
// backslash-newline disappears.
func unescape(s, special string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (special == "" || strings.IndexByte(special, s[i+1]) >= 0) {
			i++
			if s[i] != '\n' {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
