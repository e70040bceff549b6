package quoting

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Evaluating constructs.
//
// bash, ksh and zsh evaluate some text a second time, as an arithmetic
// expression or a variable name: arithmetic ($((...)), ((...)), let,
// [[ -eq ]], integer variables, array subscripts, ${x:offset}), indirection
// (${!name}, zsh's ${(P)name}, namerefs) and the builtins that take
// variable names (read, unset, declare, printf -v, [ -v ], ...). When that
// text is a variable's value (x={}; echo $((x))), or reaches one through a
// pipe, a here-string or a command substitution, the shell evaluates the
// value: and inside an array subscript, a[...], it expands $(...) and
// backquotes, which runs code. A subscript is the only place where such an
// evaluation expands anything, so a value without "[" cannot run code
// there (measured in bash 5.2, ksh93u+m and zsh 5.9: with no "[" in the
// value, none of these constructs ran a command).
//
// krun cannot follow a value through the template's variables and pipes,
// so the rule is global: when a template contains any evaluating construct,
// every value substituted anywhere in it must be free of "[". Templates
// without such constructs are not affected.

// evaluation is what a scan of a parsed template found.
type evaluation struct {
	// construct names the first evaluating construct, for messages; empty
	// when the template has none.
	construct string
	// arithmetic: the template evaluates shell arithmetic somewhere.
	arithmetic bool
	// functions: the template defines shell functions.
	functions bool
}

// alwaysNames are the builtins (bash, ksh, zsh) whose arguments may be
// variable names, with or without options.
var alwaysNames = map[string]bool{
	"read": true, "unset": true, "mapfile": true, "readarray": true, "getopts": true,
	"let": true, "declare": true, "typeset": true, "local": true, "export": true,
	"readonly": true, "nameref": true, "integer": true, "float": true, "vared": true,
	"zparseopts": true, "private": true, "zstyle": true, "zformat": true, "strftime": true,
	"alias": true, // an alias can stand for any of them
	// Their word lists are expanded: $(...) in a value runs.
	"compgen": true, "complete": true,
}

// evaluatedVars are the variables whose values bash or zsh evaluate as
// arithmetic when assigned (RANDOM, SECONDS, ...) or expand as prompts
// (PS1..PS4, PROMPT_COMMAND): an assignment to one evaluates the value.
var evaluatedVars = map[string]bool{
	"RANDOM": true, "SRANDOM": true, "OPTIND": true, "HISTCMD": true, "SECONDS": true, "LINENO": true,
	"COLUMNS": true, "LINES": true, "HISTSIZE": true, "HISTFILESIZE": true, "SAVEHIST": true,
	"SHLVL": true, "LISTMAX": true, "KEYTIMEOUT": true, "ERRNO": true, "TMOUT": true,
	"PS0": true, "PS1": true, "PS2": true, "PS3": true, "PS4": true, "PROMPT_COMMAND": true,
	"PROMPT": true, "RPROMPT": true,
}

// optionNames are the builtins that take a variable name only after an
// option: printf -v NAME, zsh's print -v NAME, bash's wait -p NAME. The
// letter is the option's.
var optionNames = map[string]byte{"printf": 'v', "print": 'v', "wait": 'p'}

// valueRule is a per-value check for a replacement string standing where a
// builtin reads its options.
type valueRule uint8

const (
	ruleNone valueRule = iota
	// ruleNoOption: the value begins a word where printf, print or wait
	// read options: it must not start with "-".
	ruleNoOption
	// ruleNoTestName: the value is a whole argument of test or [: it must
	// not be -v or -R, the operators that read a variable name.
	ruleNoTestName
	// ruleNoLeadingDash: the value begins an argument of test or [ that
	// goes on after it: it must not start with "-" (an operator).
	ruleNoLeadingDash
	// ruleDescriptor: the value is the target of >& or <&, where bash
	// expands any word but a descriptor number a second time, and "-"
	// closes the descriptor: only digits are safe.
	ruleDescriptor
)

// scanEvaluation walks a parsed template for evaluating constructs, and
// sets the per-value rules of replacement strings that stand where a
// builtin reads its options.
func scanEvaluation(file *syntax.File, pr *probe) evaluation {
	var ev evaluation
	if pr.dialect == dialectZsh {
		// zsh evaluates arithmetic in too many places to list (printf's
		// %d, exit, return, shift, repeat, integer specials): every zsh
		// template gets the rule.
		ev.construct = "zsh, which evaluates arithmetic in printf %d, exit, shift and more (use --shell bash or sh for such values)"
	}
	found := func(what string) {
		if ev.construct == "" {
			ev.construct = what
		}
	}
	arith := func(what string) {
		ev.arithmetic = true
		found(what)
	}
	syntax.Walk(file, func(node syntax.Node) bool {
		switch n := node.(type) {
		case *syntax.ArithmExp:
			arith("$((...))")
		case *syntax.ArithmCmd:
			arith("((...))")
		case *syntax.LetClause:
			arith("let")
		case *syntax.CStyleLoop:
			arith("for ((...))")
		case *syntax.BinaryTest:
			if n.Op >= syntax.TsEql && n.Op <= syntax.TsGtr {
				arith("[[ " + n.Op.String() + " ]]")
			}
		case *syntax.UnaryTest:
			if n.Op == syntax.TsVarSet || n.Op == syntax.TsRefVar {
				found("[[ " + n.Op.String() + " ]]")
			}
		case *syntax.Assign:
			if n.Index != nil {
				arith("an array subscript")
			}
			if n.Name != nil && evaluatedVars[n.Name.Value] {
				found("an assignment to " + n.Name.Value)
			}
		case *syntax.ArrayElem:
			if n.Index != nil {
				arith("an array subscript")
			}
		case *syntax.DeclClause:
			if declaresInteger(n) {
				arith(n.Variant.Value + " -i")
			}
			found(n.Variant.Value)
		case *syntax.ParamExp:
			switch {
			case n.Index != nil:
				arith("an array subscript")
			case n.Slice != nil:
				arith("${name:offset}")
			case n.Excl:
				found("${!name}")
			case n.Flags != nil && strings.ContainsRune(n.Flags.Value, 'P'):
				found("${(P)name}")
			case n.Exp != nil && n.Exp.Op == syntax.OtherParamOps:
				found("${name@...}")
			}
		case *syntax.FuncDecl:
			ev.functions = true
		case *syntax.WordIter:
			if evaluatedVars[n.Name.Value] {
				found("a loop over " + n.Name.Value)
			}
		case *syntax.CallExpr:
			pr.scanCall(n, found)
		}
		return true
	})
	return ev
}

// scanCall looks at one simple command: a builtin that takes variable
// names, or a command name that is only known at run time, which could be
// any of them.
func (pr *probe) scanCall(call *syntax.CallExpr, found func(string)) {
	args := call.Args
	// Precommand modifiers run the builtin that follows.
	for len(args) > 0 {
		name, ok := pr.literalWord(args[0])
		if !ok {
			break
		}
		switch name {
		case "builtin", "noglob", "nocorrect":
			args = args[1:]
			if len(args) > 0 {
				if opt, _ := pr.literalWord(args[0]); opt == "--" {
					args = args[1:]
				}
			}
			continue
		case "exec":
			// zsh's exec runs builtins too; its options: -c, -l, -a NAME.
			args = args[1:]
			for len(args) > 0 {
				opt, ok := pr.literalWord(args[0])
				if !ok || !strings.HasPrefix(opt, "-") {
					break
				}
				args = args[1:]
				if opt == "-a" && len(args) > 0 {
					args = args[1:]
				}
			}
			continue
		case "command":
			args = args[1:]
			for len(args) > 0 {
				opt, ok := pr.literalWord(args[0])
				if !ok || !strings.HasPrefix(opt, "-") {
					break
				}
				if strings.ContainsAny(opt, "vV") {
					return // command -v NAME looks NAME up
				}
				args = args[1:]
			}
			continue
		}
		break
	}
	if len(args) == 0 {
		return
	}
	name, ok := pr.literalWord(args[0])
	if !ok {
		// $cmd could be any builtin. A leading {} is the command by
		// design (GNU parallel's rule): whoever gives it chooses what runs,
		// and the values after it are its arguments like any program's.
		if !pr.isRawWord(args[0]) {
			found("a command name built at run time")
		}
		return
	}
	if alwaysNames[name] {
		found(name)
		return
	}
	if letter, ok := optionNames[name]; ok {
		pr.scanOptions(name, letter, args[1:], found)
		return
	}
	if name == "test" || name == "[" {
		for _, w := range args[1:] {
			text, plain := wordText(w)
			switch {
			case !plain:
				found(name + " with an expansion among its arguments")
			case text == "-v" || text == "-R":
				found(name + " " + text)
			case !strings.Contains(text, pr.tag):
			default:
				if i, ok := pr.wholeSentinel(text); ok {
					pr.ctxs[i].rule = ruleNoTestName
					continue
				}
				if strings.HasPrefix(text, "-") {
					found(name + " with a replacement string in an operator")
					continue
				}
				for i := range pr.parts {
					if pr.parts[i].Kind == Value && strings.HasPrefix(text, pr.sentinel(i)) {
						pr.ctxs[i].rule = ruleNoLeadingDash
					}
				}
			}
		}
	}
}

// scanOptions checks the options of printf, print or wait: a literal
// option with the name letter, or a word that could be one, makes the
// command read a variable name.
func (pr *probe) scanOptions(name string, letter byte, args []*syntax.Word, found func(string)) {
	for _, w := range args {
		text, plain := wordText(w)
		if !plain {
			found(name + " with an expansion where it reads options")
			return
		}
		if lit, ok := pr.literalWord(w); ok {
			if lit == "--" || !strings.HasPrefix(lit, "-") {
				return // the options end here
			}
			if strings.IndexByte(lit, letter) >= 0 {
				found(name + " -" + string(letter))
				return
			}
			continue
		}
		if strings.HasPrefix(text, "-") {
			// An option built with a value (-v{}, -{}): any letter.
			found(name + " with a replacement string in an option")
			return
		}
		// A word that starts with a replacement string: if its value began
		// with "-" it would be an option. It may not; then this word is the
		// first operand.
		for i := range pr.parts {
			if pr.parts[i].Kind == Value && strings.HasPrefix(text, pr.sentinel(i)) {
				pr.ctxs[i].rule = ruleNoOption
			}
		}
		return
	}
}

// wordText returns w's text after quote removal, with the sentinels of
// replacement strings in it left as they are, when w holds no expansion:
// no parameter, command or arithmetic expansion, and no unquoted brace or
// glob character ({read,} and [-]v are read and -v once expanded). A lone
// "[" is the test command, not a glob.
func wordText(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if p.Value != "[" && strings.ContainsAny(unescapedSpecials(p.Value), "{}*?[") {
				return "", false
			}
			b.WriteString(unescapeBare(p.Value))
		case *syntax.SglQuoted:
			if p.Dollar && strings.ContainsRune(p.Value, '\\') {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, in := range p.Parts {
				lit, ok := in.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(unescapeDouble(lit.Value))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// literalWord is wordText for a word that is plain text: no expansion and
// no replacement string.
func (pr *probe) literalWord(w *syntax.Word) (string, bool) {
	text, ok := wordText(w)
	if !ok || strings.Contains(text, pr.tag) {
		return "", false
	}
	return text, true
}

// unescapedSpecials returns the characters of unquoted text that no
// backslash escapes, so that \* does not count as a glob.
func unescapedSpecials(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeBare removes the backslashes of unquoted text.
func unescapeBare(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDouble removes the backslashes that double quotes remove.
func unescapeDouble(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
