package runner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// quoteKind is the shell quoting in force where a replacement string stands.
type quoteKind uint8

const (
	quoteBare         quoteKind = iota // echo {}
	quoteSingle                        // echo '{}'
	quoteDollarSingle                  // echo $'{}'
	quoteDouble                        // echo "{}"
	quoteComment                       // echo hi # {}
)

// quoteContext is where a replacement string stands in the shell syntax of
// a template: its quoting, and how many backquote substitutions enclose it
// (each one removes a level of backslashes before the inner command is
// parsed).
type quoteContext struct {
	kind       quoteKind
	backquotes int
}

// sentinel is the word that stands for replacement string i while the
// template is parsed as shell code.
func sentinel(i int) string { return "__KRUN" + strconv.Itoa(i) + "__" }

// analyzeContexts parses the template as shell code, with a sentinel word
// in place of each replacement string, and records in each part the quoting
// context its value will be inserted into. That is what lets krun quote a
// value so that it reaches the program as one literal argument whether the
// template says {}, "{}", '{}', "x{}y" or `echo {}`.
func analyzeContexts(parts []part) error {
	var probe strings.Builder
	n := 0
	// afterBackslash[i]: replacement string i follows an unpaired backslash.
	afterBackslash := make([]bool, len(parts))
	for i, p := range parts {
		if p.kind == partLiteral {
			probe.WriteString(p.text)
			continue
		}
		afterBackslash[i] = endsWithBackslash(probe.String())
		probe.WriteString(sentinel(i))
		n++
	}
	if n == 0 {
		return nil
	}
	parser := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash))
	file, err := parser.Parse(strings.NewReader(probe.String()), "")
	if err != nil {
		return fmt.Errorf("not valid shell syntax: %w", unSentinel(err, parts))
	}
	found := make([]bool, len(parts))
	var stack []syntax.Node
	var walkErr error
	mark := func(text string, ctx quoteContext, where syntax.Node) {
		for i := range parts {
			if parts[i].kind == partLiteral || !strings.Contains(text, sentinel(i)) {
				continue
			}
			if found[i] {
				continue
			}
			found[i] = true
			parts[i].ctx = ctx
			if walkErr == nil {
				walkErr = checkPlacement(parts[i], stack, where)
			}
		}
	}
	syntax.Walk(file, func(node syntax.Node) bool {
		if node == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch node := node.(type) {
		case *syntax.Lit:
			mark(node.Value, contextOf(stack), node)
		case *syntax.SglQuoted:
			ctx := contextOf(stack)
			ctx.kind = quoteSingle
			if node.Dollar {
				ctx.kind = quoteDollarSingle
			}
			mark(node.Value, ctx, node)
		case *syntax.Comment:
			mark(node.Text, quoteContext{kind: quoteComment}, node)
		}
		stack = append(stack, node)
		return true
	})
	if walkErr != nil {
		return walkErr
	}
	for i, p := range parts {
		switch {
		case p.kind == partLiteral || p.raw:
		case !found[i]:
			return fmt.Errorf("replacement string %s stands where krun cannot quote a value", p.text)
		case afterBackslash[i] && p.ctx.kind != quoteSingle:
			// The backslash would escape the quote krun opens.
			return fmt.Errorf("replacement string %s follows a backslash: remove the backslash", p.text)
		}
	}
	return nil
}

// contextOf derives the quoting context from the enclosing nodes: the
// innermost double quotes or command substitution decides the quoting, and
// every enclosing backquote substitution counts.
func contextOf(stack []syntax.Node) quoteContext {
	ctx := quoteContext{kind: quoteBare}
	decided := false
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *syntax.DblQuoted:
			if !decided {
				ctx.kind, decided = quoteDouble, true
			}
		case *syntax.CmdSubst:
			decided = true
			if n.Backquotes {
				ctx.backquotes++
			}
		case *syntax.ProcSubst:
			decided = true
		}
	}
	return ctx
}

// checkPlacement refuses positions where no quoting can make a value
// literal: a variable name ($x{} would become $xVALUE), or a here-document
// body, where quotes are not syntax.
func checkPlacement(p part, stack []syntax.Node, where syntax.Node) error {
	if p.raw || p.kind != partArg {
		return nil
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *syntax.ParamExp:
			if n.Param == where {
				return fmt.Errorf("replacement string %s follows a $: write ${NAME}%s or \"$NAME\"%s", p.text, p.text, p.text)
			}
		case *syntax.Assign:
			if n.Name == where {
				return fmt.Errorf("replacement string %s stands in a variable name", p.text)
			}
		case *syntax.Redirect:
			if n.Hdoc != nil && where.Pos().Offset() >= n.Hdoc.Pos().Offset() && where.Pos().Offset() < n.Hdoc.End().Offset() {
				return fmt.Errorf("replacement string %s in a here-document: pass it as an argument or variable instead", p.text)
			}
		}
	}
	return nil
}

// endsWithBackslash reports whether s ends in an odd number of backslashes,
// which would escape the first character of an inserted value.
func endsWithBackslash(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// unSentinel rewrites a parse error so that it shows the replacement
// strings rather than the sentinels.
func unSentinel(err error, parts []part) error {
	var perr syntax.ParseError
	msg := err.Error()
	if errors.As(err, &perr) {
		msg = perr.Text
	}
	for i, p := range parts {
		if p.kind != partLiteral {
			msg = strings.ReplaceAll(msg, sentinel(i), p.text)
		}
	}
	return errors.New(msg)
}
