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
	quoteArith                         // $(( {} * 2 )), [[ {} -eq 1 ]]
)

// quoteContext is where a replacement string stands in the shell syntax of
// a template: its quoting, and how many backquote substitutions enclose it
// (each one removes a level of backslashes before the inner command is
// parsed).
type quoteContext struct {
	kind       quoteKind
	backquotes int
	// numeric: the template evaluates shell arithmetic somewhere and the
	// value goes into a variable (x={}, for x in {}, set -- {}, a function
	// argument), which bash evaluates as arithmetic where the variable is
	// used there: only numbers are safe.
	numeric bool
	// intoVariable: the value is assigned to a shell variable.
	intoVariable bool
	// nameArg: the value is an argument of a bash builtin that takes
	// variable names (read, unset, declare, printf -v, test -v, ...),
	// whose subscripts bash evaluates: no "[" is safe.
	nameArg bool
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
	mark := func(text string, where syntax.Node, kind quoteKind) {
		for i := range parts {
			if parts[i].kind == partLiteral || found[i] || !strings.Contains(text, sentinel(i)) {
				continue
			}
			found[i] = true
			ctx, err := contextOf(parts[i], stack, where)
			if ctx.kind == quoteBare {
				// Unless double quotes or arithmetic enclose it, the
				// node itself decides: single quotes, a comment.
				ctx.kind = kind
			}
			parts[i].ctx = ctx
			if walkErr == nil {
				walkErr = err
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
			mark(node.Value, node, quoteBare)
		case *syntax.SglQuoted:
			kind := quoteSingle
			if node.Dollar {
				kind = quoteDollarSingle
			}
			mark(node.Value, node, kind)
		case *syntax.Comment:
			mark(node.Text, node, quoteComment)
		}
		stack = append(stack, node)
		return true
	})
	if walkErr != nil {
		return walkErr
	}
	if hasArithmetic(file) {
		funcs := hasFunctions(file)
		for i := range parts {
			// With functions, any argument may become $1 of one.
			parts[i].ctx.numeric = parts[i].ctx.intoVariable || funcs
		}
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

// contextOf derives the quoting context of the node where from its
// enclosing nodes, innermost first: the first double quotes decide the
// quoting, a command substitution starts afresh, every enclosing backquote
// substitution counts, and arithmetic wins over quotes because bash
// evaluates "$(...)" inside an arithmetic expression even in quotes.
// It refuses positions where no quoting can make a value literal.
func contextOf(p part, stack []syntax.Node, where syntax.Node) (quoteContext, error) {
	ctx := quoteContext{kind: quoteBare}
	decided, top := false, false
	offset := where.Pos().Offset()
	within := func(n syntax.Node) bool {
		return n != nil && offset >= n.Pos().Offset() && offset < n.End().Offset()
	}
	for i := len(stack) - 1; i >= 0 && !top; i-- {
		arith := false
		switch n := stack[i].(type) {
		case *syntax.DblQuoted:
			if !decided {
				ctx.kind, decided = quoteDouble, true
			}
		case *syntax.CmdSubst:
			// Quoting outside a substitution does not apply inside it, but
			// every enclosing backquote removes a level of backslashes.
			decided = true
			if n.Backquotes {
				ctx.backquotes++
			} else {
				top = true
			}
		case *syntax.ProcSubst:
			top = true
		case *syntax.ParamExp:
			if p.raw || p.kind != partArg {
				continue
			}
			if n.Param == where {
				return ctx, fmt.Errorf("replacement string %s follows a $: write ${NAME}%s or \"$NAME\"%s", p.text, p.text, p.text)
			}
			return ctx, fmt.Errorf("replacement string %s inside ${...}: use it outside the braces", p.text)
		case *syntax.Redirect:
			if p.kind == partArg && !p.raw && n.Hdoc != nil && within(n.Hdoc) {
				return ctx, fmt.Errorf("replacement string %s in a here-document: pass it as an argument or variable instead", p.text)
			}
		case *syntax.Assign:
			if p.kind == partArg && !p.raw && n.Name == where {
				return ctx, fmt.Errorf("replacement string %s stands in a variable name", p.text)
			}
			arith = n.Index != nil && within(n.Index)
			if n.Value != nil && within(n.Value) {
				ctx.intoVariable = true
			}
		case *syntax.WordIter:
			ctx.intoVariable = true // for x in {}
		case *syntax.ArrayElem:
			arith = n.Index != nil && within(n.Index)
		case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop:
			arith = true
		case *syntax.CallExpr:
			if !top && takesNames(n) {
				ctx.nameArg = true
			}
			if len(n.Args) > 0 && n.Args[0].Lit() == "set" {
				ctx.intoVariable = true // set -- {}
			}
		case *syntax.BinaryTest:
			arith = n.Op >= syntax.TsEql && n.Op <= syntax.TsGtr
		case *syntax.UnaryTest:
			arith = n.Op == syntax.TsVarSet || n.Op == syntax.TsRefVar
		case *syntax.DeclClause:
			arith = declaresInteger(n)
		}
		if arith && ctx.backquotes == 0 {
			ctx.kind, decided = quoteArith, true
		}
	}
	return ctx, nil
}

// hasArithmetic reports whether the template evaluates shell arithmetic
// anywhere.
func hasArithmetic(file *syntax.File) bool {
	found := false
	syntax.Walk(file, func(node syntax.Node) bool {
		switch n := node.(type) {
		case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop:
			found = true
		case *syntax.BinaryTest:
			found = found || (n.Op >= syntax.TsEql && n.Op <= syntax.TsGtr)
		case *syntax.Assign:
			found = found || n.Index != nil
		case *syntax.ArrayElem:
			found = found || n.Index != nil
		case *syntax.DeclClause:
			found = found || declaresInteger(n)
		}
		return !found
	})
	return found
}

// hasFunctions reports whether the template defines shell functions.
func hasFunctions(file *syntax.File) bool {
	found := false
	syntax.Walk(file, func(node syntax.Node) bool {
		if _, ok := node.(*syntax.FuncDecl); ok {
			found = true
		}
		return !found
	})
	return found
}

// nameBuiltins are the bash builtins whose arguments may be variable
// names; some only with an option (printf -v, test -v).
var nameBuiltins = map[string]string{
	"read": "", "unset": "", "declare": "", "typeset": "", "local": "", "export": "",
	"readonly": "", "mapfile": "", "readarray": "", "getopts": "", "wait": "",
	"printf": "-v", "test": "-v", "[": "-v",
}

// takesNames reports whether a command is a builtin that may take variable
// names among its arguments.
func takesNames(call *syntax.CallExpr) bool {
	if len(call.Args) == 0 {
		return false
	}
	opt, ok := nameBuiltins[call.Args[0].Lit()]
	if !ok {
		return false
	}
	if opt == "" {
		return true
	}
	for _, w := range call.Args[1:] {
		if lit := w.Lit(); lit == opt || lit == "-R" {
			return true
		}
	}
	return false
}

// declaresInteger reports whether a declare/typeset/local has the -i flag,
// which makes bash evaluate the assigned values as arithmetic.
func declaresInteger(d *syntax.DeclClause) bool {
	for _, a := range d.Args {
		if a.Naked && a.Value != nil {
			if lit := a.Value.Lit(); strings.HasPrefix(lit, "-") && strings.Contains(lit, "i") {
				return true
			}
		}
	}
	return false
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
