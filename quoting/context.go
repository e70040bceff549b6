package quoting

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

// Context is where a replacement string stands in the shell syntax of
// a template: its quoting, and how many backquote substitutions enclose it
// (each one removes a level of backslashes before the inner command is
// parsed).
type Context struct {
	kind       quoteKind
	backquotes int
	// numeric: the template evaluates shell arithmetic somewhere and the
	// value goes into a variable (x={}, for x in {}, set -- {}, a function
	// argument), which bash evaluates as arithmetic where the variable is
	// used there: only numbers are safe.
	numeric bool
	// intoVariable: the value is assigned to a shell variable.
	intoVariable bool
	// evaluator names the construct that makes the shell evaluate text as
	// arithmetic or a variable name somewhere in the template (see
	// evaluate.go); when set, a value must not contain "[".
	evaluator string
	// rule is a check for a value standing where a builtin reads options.
	rule valueRule
	// inTest: the value stands in [[ ]], test or [, where an unquoted word
	// could read as an operator or a pattern: it is always quoted.
	inTest bool
	// forceQuote: the value stands where the shell would read even plain
	// text specially (next to a brace, after a tilde, glued to a
	// redirection, any bare word in zsh): it is always quoted.
	forceQuote bool
	// oneWord: the value stands where the shell takes one word (an
	// assignment, a redirection, a test, a case word): the fields of {}
	// are joined into one word rather than written as several.
	oneWord bool
}

// probe is a template under analysis: parsed as shell code with a sentinel
// word in place of each replacement string.
type probe struct {
	parts []Piece
	// ctxs[i] is the context of parts[i], as found.
	ctxs []Context
	// words[i] is where the shell word holding replacement string i starts
	// and ends in the probe text, when it stands in one.
	words map[int]Span
	// tag is the text of every sentinel: "KRUN", with as many "X" after it
	// as it takes to appear nowhere in the template, so that template text
	// can never pass for a sentinel.
	tag     string
	dialect Dialect
}

func newProbe(parts []Piece, d Dialect) *probe {
	tag := "KRUN"
	for {
		clash := false
		for _, p := range parts {
			if strings.Contains(p.Text, tag) {
				clash = true
				break
			}
		}
		if !clash {
			break
		}
		tag += "X"
	}
	return &probe{parts: parts, ctxs: make([]Context, len(parts)), tag: tag, dialect: d, words: map[int]Span{}}
}

// sentinel is the word that stands for replacement string i while the
// template is parsed as shell code.
func (pr *probe) sentinel(i int) string { return "__" + pr.tag + strconv.Itoa(i) + "__" }

// wholeSentinel reports which replacement string text is, when it is
// exactly one sentinel.
func (pr *probe) wholeSentinel(text string) (int, bool) {
	for i, p := range pr.parts {
		if p.Kind == Value && text == pr.sentinel(i) {
			return i, true
		}
	}
	return 0, false
}

// isRawWord reports whether w is the raw leading replacement string, whose
// value is a command by design (GNU parallel's rule).
func (pr *probe) isRawWord(w *syntax.Word) bool {
	if len(pr.parts) == 0 || !pr.parts[0].Raw || len(w.Parts) != 1 {
		return false
	}
	lit, ok := w.Parts[0].(*syntax.Lit)
	return ok && lit.Value == pr.sentinel(0)
}

// analyzeContexts parses the template as shell code of Dialect d, with a
// sentinel word in place of each replacement string, and records in each
// part the quoting context its value will be inserted into. That is what
// lets krun quote a value so that it reaches the program as one literal
// argument whether the template says {}, "{}", '{}', "x{}y" or `echo {}`.
//
// It also returns the layout of the probe text: where each part starts
// (offsets) and, for each replacement string that stands in a shell word,
// where that word starts and ends (words), for -X's context replace.
func Analyze(parts []Piece, d Dialect) (Analysis, error) {
	pr := newProbe(parts, d)
	offsets, err := pr.analyze()
	if err != nil {
		return Analysis{}, err
	}
	return Analysis{Contexts: pr.ctxs, Offsets: offsets, Words: pr.words}, nil
}

// analyze records the context of each placeholder in pr.ctxs and returns
// where each piece starts in the probe text.
func (pr *probe) analyze() (offsets []int, err error) {
	parts, d := pr.parts, pr.dialect
	var text strings.Builder
	n, quoted := 0, false
	// afterBackslash[i]: replacement string i follows an unpaired backslash.
	afterBackslash := make([]bool, len(parts))
	offsets = make([]int, len(parts)+1)
	for i, p := range parts {
		offsets[i] = text.Len()
		if p.Kind == Literal {
			text.WriteString(p.Text)
			continue
		}
		afterBackslash[i] = endsWithBackslash(text.String())
		text.WriteString(pr.sentinel(i))
		n++
		quoted = quoted || (p.Kind == Value && !p.Raw)
	}
	offsets[len(parts)] = text.Len()
	switch {
	case n == 0:
		return offsets, nil
	case d == dialectUnknown && quoted:
		return nil, errors.New("krun quotes values only for sh, dash, ash, bash, ksh93 and zsh, not for this shell: choose one of them with --shell")
	case d == dialectUnknown:
		return offsets, nil // {#} and {%} are numbers, a leading {} a command
	}
	lang := syntax.LangBash
	if d == dialectZsh {
		lang = syntax.LangZsh
	}
	parser := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(lang))
	file, err := parser.Parse(strings.NewReader(text.String()), "")
	if err != nil {
		if d == dialectZsh {
			return nil, fmt.Errorf("krun cannot parse it as zsh (%w): run it with --shell bash or --shell sh", pr.unSentinel(err))
		}
		return nil, fmt.Errorf("not valid shell syntax: %w", pr.unSentinel(err))
	}
	if err := checkBackquotes(file, text.String()); err != nil {
		return nil, pr.unSentinel(err)
	}
	if err := pr.markContexts(file); err != nil {
		return nil, err
	}
	ev := scanEvaluation(file, pr)
	for i := range parts {
		ctx := &pr.ctxs[i]
		if ev.arithmetic {
			// With functions, any argument may become $1 of one.
			ctx.numeric = ctx.intoVariable || ev.functions
		}
		ctx.evaluator = ev.construct
	}
	for i, p := range parts {
		switch {
		case p.Kind == Literal || p.Raw:
		case afterBackslash[i] && pr.ctxs[i].kind != quoteSingle:
			// The backslash would escape the quote krun opens.
			return nil, fmt.Errorf("replacement string %s follows a backslash: remove the backslash", p.Text)
		}
	}
	return offsets, nil
}

// markContexts finds each sentinel in the parsed template and records its
// quoting context; it refuses places no quoting makes safe.
func (pr *probe) markContexts(file *syntax.File) error {
	parts := pr.parts
	found := make([]bool, len(parts))
	var stack []syntax.Node
	var walkErr error
	mark := func(text string, where syntax.Node, kind quoteKind) {
		for i := range parts {
			if parts[i].Kind == Literal || found[i] || !strings.Contains(text, pr.sentinel(i)) {
				continue
			}
			found[i] = true
			if w := innermostWord(stack); w != nil {
				pr.words[i] = Span{int(w.Pos().Offset()), int(w.End().Offset())}
			}
			ctx, err := pr.contextOf(parts[i], stack, where)
			if ctx.kind == quoteBare {
				// Unless double quotes or arithmetic enclose it, the
				// node itself decides: single quotes, a comment.
				ctx.kind = kind
			}
			pr.ctxs[i] = ctx
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
	for i, p := range parts {
		if p.Kind != Literal && !p.Raw && !found[i] {
			return fmt.Errorf("replacement string %s stands where krun cannot quote a value", p.Text)
		}
	}
	return nil
}

// innermostWord returns the innermost shell word in stack, or nil.
func innermostWord(stack []syntax.Node) *syntax.Word {
	for i := len(stack) - 1; i >= 0; i-- {
		if w, ok := stack[i].(*syntax.Word); ok {
			return w
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
func (pr *probe) contextOf(p Piece, stack []syntax.Node, where syntax.Node) (Context, error) {
	ctx := Context{kind: quoteBare, forceQuote: pr.dialect == dialectZsh}
	decided, top := false, false
	quoted := p.Raw || p.Kind != Value // nothing to check for these
	offset := where.Pos().Offset()
	within := func(n syntax.Node) bool {
		return n != nil && offset >= n.Pos().Offset() && offset < n.End().Offset()
	}
	var word *syntax.Word // the innermost word holding the value
	for i := len(stack) - 1; i >= 0; i-- {
		if top {
			// Outside a $(...) or <(...) only enclosing backquotes still
			// matter: bash removes their backslashes from the whole text.
			if n, ok := stack[i].(*syntax.CmdSubst); ok && n.Backquotes {
				ctx.backquotes++
			}
			continue
		}
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
		case *syntax.Word:
			if word == nil {
				word = n
				ctx.forceQuote = ctx.forceQuote || specialWord(n)
				if !quoted && pr.dialect == dialectZsh && startsWithEquals(n) {
					return ctx, fmt.Errorf("replacement string %s in a word that starts with =: zsh expands =name to a command's path even quoted", p.Text)
				}
				if !quoted && pr.afterTilde(n, where) {
					return ctx, fmt.Errorf("replacement string %s follows a ~: ksh and zsh expand ~'user' even quoted; write \"$HOME\"/%s or the path", p.Text, p.Text)
				}
			}
			if !quoted && !decided && pr.dialect == dialectZsh && globGroup(n) {
				return ctx, fmt.Errorf("replacement string %s in a zsh glob group or qualifier (...): zsh reads quotes there by its own rules", p.Text)
			}
		case *syntax.Stmt:
			for _, r := range n.Redirs {
				if word != nil && r.Pos().Offset() == word.End().Offset() {
					ctx.forceQuote = true // {}>file: a number would be a descriptor
				}
			}
		case *syntax.ExtGlob:
			if !quoted {
				return ctx, fmt.Errorf("replacement string %s inside an extended glob pattern: pass it as an argument instead", p.Text)
			}
		case *syntax.ParamExp:
			if quoted {
				continue
			}
			if n.Param == where {
				return ctx, fmt.Errorf("replacement string %s follows a $: write ${NAME}%s or \"$NAME\"%s", p.Text, p.Text, p.Text)
			}
			if n.Short {
				return ctx, fmt.Errorf("replacement string %s inside a subscript $name[...]: use it outside", p.Text)
			}
			return ctx, fmt.Errorf("replacement string %s inside ${...}: use it outside the braces", p.Text)
		case *syntax.Redirect:
			if !quoted && n.Hdoc != nil && within(n.Hdoc) {
				return ctx, fmt.Errorf("replacement string %s in a here-document: pass it as an argument or variable instead", p.Text)
			}
			if within(n.Word) {
				ctx.oneWord = true
				if n.Op == syntax.DplIn || n.Op == syntax.DplOut {
					ctx.rule = ruleDescriptor
				}
			}
		case *syntax.Assign:
			if !quoted && n.Name == where {
				return ctx, fmt.Errorf("replacement string %s stands in a variable name", p.Text)
			}
			arith = n.Index != nil && within(n.Index)
			if n.Value != nil && within(n.Value) {
				ctx.intoVariable, ctx.oneWord = true, true
			}
		case *syntax.WordIter:
			if !quoted && n.Name == where {
				return ctx, fmt.Errorf("replacement string %s stands in a variable name", p.Text)
			}
			ctx.intoVariable = true // for x in {}
		case *syntax.FuncDecl:
			if !quoted && n.Name == where {
				return ctx, fmt.Errorf("replacement string %s stands in a function name", p.Text)
			}
		case *syntax.CoprocClause:
			if !quoted && n.Name != nil && within(n.Name) {
				return ctx, fmt.Errorf("replacement string %s stands in a coprocess name", p.Text)
			}
		case *syntax.CaseClause:
			if within(n.Word) {
				ctx.oneWord = true
			}
		case *syntax.ArrayElem:
			arith = n.Index != nil && within(n.Index)
		case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop:
			arith = true
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				switch name, _ := pr.literalWord(n.Args[0]); name {
				case "set":
					ctx.intoVariable = true // set -- {}
				case "test", "[":
					// One word: the fields of {} glued to text must not
					// become operators of their own.
					ctx.inTest, ctx.oneWord = true, true
				}
			}
		case *syntax.TestClause:
			ctx.inTest, ctx.oneWord = true, true
		case *syntax.BinaryTest:
			arith = n.Op >= syntax.TsEql && n.Op <= syntax.TsGtr
			if !quoted && n.Op == syntax.TsReMatch && pr.dialect == dialectZsh && within(n.Y) {
				return ctx, fmt.Errorf("replacement string %s in a zsh regular expression (=~), where no quoting makes a value literal", p.Text)
			}
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

// specialWord reports whether plain text in w would not stay plain: a
// brace (brace expansion, {varname}> redirections), a tilde or, for zsh,
// a leading equals sign.
func specialWord(w *syntax.Word) bool {
	for i, part := range w.Parts {
		lit, ok := part.(*syntax.Lit)
		if !ok {
			continue
		}
		if strings.ContainsAny(lit.Value, "{}~") || i == 0 && strings.HasPrefix(lit.Value, "=") {
			return true
		}
	}
	return false
}

// afterTilde reports whether the sentinel at where, in w, stands in a
// tilde-prefix: after an unquoted "~" with no "/" between, which ksh93
// and zsh expand even when the user name after it is quoted.
func (pr *probe) afterTilde(w *syntax.Word, where syntax.Node) bool {
	lit, ok := where.(*syntax.Lit)
	if !ok {
		return false
	}
	var before strings.Builder
	for _, part := range w.Parts {
		if part == lit {
			text, _, _ := strings.Cut(lit.Value, "__"+pr.tag)
			before.WriteString(text)
			break
		}
		before.WriteString(litValue(part))
	}
	b := before.String()
	i := strings.LastIndexByte(b, '~')
	return i >= 0 && !strings.Contains(b[i:], "/")
}

// startsWithEquals reports whether w starts with an unquoted "=".
func startsWithEquals(w *syntax.Word) bool {
	return len(w.Parts) > 0 && strings.HasPrefix(litValue(w.Parts[0]), "=")
}

// litValue is the text of a literal part, or "".
func litValue(p syntax.WordPart) string {
	if lit, ok := p.(*syntax.Lit); ok {
		return lit.Value
	}
	return ""
}

// checkBackquotes refuses a backquote substitution whose text holds an
// unescaped backquote, even inside quotes (`echo '`{}`'`): bash ends the
// substitution at the first one, where the parser krun uses does not, so
// krun would quote a value for a place it does not stand in.
func checkBackquotes(file *syntax.File, src string) error {
	var err error
	syntax.Walk(file, func(node syntax.Node) bool {
		cs, ok := node.(*syntax.CmdSubst)
		if !ok || !cs.Backquotes || err != nil {
			return err == nil
		}
		inner := src[cs.Left.Offset()+1 : cs.Right.Offset()]
		for i := 0; i < len(inner); i++ {
			switch inner[i] {
			case '\\':
				i++
			case '`':
				err = errors.New("a backquote inside `...` ends it in bash, even in quotes: write $(...) instead")
				return false
			}
		}
		return true
	})
	return err
}

// globGroup reports whether an unquoted part of a zsh word holds a
// parenthesis: a glob group, !(...) or a glob qualifier such as (e:...:),
// whose text zsh parses by rules of its own.
func globGroup(w *syntax.Word) bool {
	for _, part := range w.Parts {
		if lit, ok := part.(*syntax.Lit); ok && strings.ContainsAny(lit.Value, "()") {
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
func (pr *probe) unSentinel(err error) error {
	var perr syntax.ParseError
	msg := err.Error()
	if errors.As(err, &perr) {
		msg = perr.Text
	}
	for i, p := range pr.parts {
		if p.Kind != Literal {
			msg = strings.ReplaceAll(msg, pr.sentinel(i), p.Text)
		}
	}
	return errors.New(msg)
}
