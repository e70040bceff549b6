package lint

import (
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file follows the commands that run shell code given as a string
// (sh -c, eval, flock -c) and the tools that run a command many times at
// once (xargs -P, GNU parallel, krun).

// shellCmd follows sh -c 'SCRIPT' [NAME [ARG...]].
func (a *analyzer) shellCmd(args []*syntax.Word, c ctx) {
	hasC := false
	i := 0
	for ; i < len(args); i++ {
		l, ok := litValue(args[i])
		if !ok || !strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "+") {
			break
		}
		if l == "--" {
			i++
			break
		}
		if l == "-o" || l == "+o" {
			i++
			continue
		}
		if strings.Contains(l, "c") && strings.HasPrefix(l, "-") {
			hasC = true
		}
	}
	if !hasC || i >= len(args) {
		return // a script file: cannot tell what it does
	}
	pos := &positional{}
	if i+2 < len(args) {
		for _, w := range args[i+2:] {
			pos.args = append(pos.args, a.eval(w, c))
		}
	}
	sc := c
	sc.scope = &scope{parent: c.scope}
	a.shellString(args[i], pos, sc, false)
}

// shellString parses a word's value as shell code and walks it in c.
// Expansions in the word are made by the outer shell: they stand in the
// inner code as tokens with their outer value. pos, when not nil, is the
// inner script's $1... sameShell keeps the caller's variables and $@.
func (a *analyzer) shellString(w *syntax.Word, pos *positional, c ctx, sameShell bool) {
	a.innerScript([]*syntax.Word{w}, pos, c, sameShell)
}

// innerScript joins words with spaces, as parallel does with a command
// line, parses the result and walks it.
func (a *analyzer) innerScript(words []*syntax.Word, pos *positional, c ctx, sameShell bool) bool {
	if len(words) == 0 || a.budget <= 0 || c.depth >= maxDepth {
		return false
	}
	a.budget--
	ic := c
	ic.tokens = slices.Clip(c.tokens)
	ic.depth++
	var b strings.Builder
	placeholder := func(p syntax.WordPart) {
		a.nextID++
		t := fmt.Sprintf("__krunlint%d__", a.nextID)
		ic.tokens = append(ic.tokens, token{text: t, val: a.evalPart(p, c)})
		b.WriteString(t)
	}
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				b.WriteString(p.Value)
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				for _, q := range p.Parts {
					if l, ok := q.(*syntax.Lit); ok {
						b.WriteString(l.Value)
					} else {
						placeholder(q)
					}
				}
			default:
				placeholder(p)
			}
		}
	}
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	f, err := parser.Parse(strings.NewReader(b.String()), "")
	if err != nil {
		return false // not shell code we can read: cannot tell
	}
	base := c.at(words[0].Pos())
	if len(words[0].Parts) > 0 {
		switch q := words[0].Parts[0].(type) {
		case *syntax.SglQuoted:
			base.col++
			if q.Dollar {
				base.col++
			}
		case *syntax.DblQuoted:
			base.col++
		}
	}
	ic.base = &base
	if !sameShell {
		ic.pos = pos
		ic.posVarying = false
		if pos == nil {
			ic.pos = &positional{}
		}
	}
	ic.checked, ic.statusUsed, ic.tail = false, false, false
	a.stmts(f.Stmts, ic)
	return true
}

// evalCmd follows eval: literal code is walked; code built at run time
// cannot be told, which a job in a loop notes.
func (a *analyzer) evalCmd(args []*syntax.Word, c ctx, at loc) {
	if len(args) == 0 {
		return
	}
	dynamic := false
	for _, w := range args {
		if _, ok := litValue(w); !ok {
			dynamic = true // the code itself is built at run time
		}
	}
	if dynamic || !a.innerScript(args, nil, c, true) {
		a.record(&access{kind: accWrite, path: value{kind: kDynamic}, at: at, verb: "runs", word: "eval", note: "eval"}, c)
	}
}

// xargsCmd follows xargs -P N: N copies of its command run at once.
func (a *analyzer) xargsCmd(args []*syntax.Word, c ctx, at loc) {
	ops, flags := parseArgs(args, xargsSpec, true)
	procs := ""
	concurrent := false
	for _, f := range []string{"-P", "--max-procs"} {
		if v, ok := flags[f]; ok {
			procs = v.text
			concurrent = v.text != "1"
		}
	}
	if !concurrent {
		return
	}
	if procs == "0" {
		a.report(UnboundedFanout, Warning, at, "xargs -P 0 runs as many commands at once as there are inputs, with no cap",
			"give a cap: xargs -P 4, or krun -j 4 COMMAND")
	}
	if len(ops) == 0 {
		return // echo by default: nothing to follow
	}
	j := a.newJob(c, at)
	j.virtual, j.multi, j.tool = true, true, "xargs -P"
	jc := a.jobCtx(j, c)
	var tok string
	for _, f := range []string{"-I", "--replace", "-i"} {
		if v, ok := flags[f]; ok {
			tok = v.text
			if tok == "" {
				tok = "{}"
			}
		}
	}
	words := slices.Clone(ops)
	if tok == "" {
		// The inputs are appended to the command.
		a.nextID++
		tok = fmt.Sprintf("__krunlint%d__", a.nextID)
		words = append(words, &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: ops[0].Pos(), ValueEnd: ops[0].Pos(), Value: tok}}})
	}
	jc.tokens = append(slices.Clip(c.tokens), token{text: tok, val: value{kind: kVarying, key: tok}})
	a.callWords(words, jc, nil)
	a.selfConflicts(j)
}

// parallelCmd follows GNU parallel: its command line is shell code run
// once per input, -j at once; output is grouped unless -u.
func (a *analyzer) parallelCmd(args []*syntax.Word, c ctx, at loc) {
	a.templateCmd("parallel", parallelSpec, args, c, at)
}

// templateCmd follows a parallel or krun command line: options, the
// command template, then ::: and :::: sources.
func (a *analyzer) templateCmd(tool, spec string, args []*syntax.Word, c ctx, at loc) {
	var head []*syntax.Word
	for _, w := range args {
		if l, ok := litValue(w); ok && (l == ":::" || l == "::::" || l == ":::+" || l == "::::+") {
			break
		}
		head = append(head, w)
	}
	ops, flags := parseArgs(head, spec, true)
	jobs := ""
	for _, f := range []string{"-j", "--jobs", "-P", "--max-procs"} {
		if v, ok := flags[f]; ok {
			jobs = v.text
		}
	}
	if jobs == "1" || len(ops) == 0 {
		return
	}
	if jobs == "0" {
		a.report(UnboundedFanout, Warning, at, tool+" -j 0 runs every input at once, with no cap",
			"give a cap: "+tool+" -j 4")
	}
	j := a.newJob(c, at)
	j.virtual, j.multi, j.tool = true, true, tool
	jc := a.jobCtx(j, c)
	jc.replacements = true
	if !flags.has("-u") && !flags.has("--ungroup") {
		// Grouped: each job's output is collected and written whole.
		jc.stdout = &stream{what: "its own buffer", owner: j}
		jc.stderr = jc.stdout
	}
	words := slices.Clone(ops)
	if v, ok := flags["-I"]; ok && v.text != "" {
		jc.tokens = append(slices.Clip(c.tokens), token{text: v.text, val: value{kind: kVarying, key: v.text}})
	} else if v, ok := flags["--replace"]; ok && v.text != "" {
		jc.tokens = append(slices.Clip(c.tokens), token{text: v.text, val: value{kind: kVarying, key: v.text}})
	} else if !anyReplacement(words) {
		words = append(words, &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: ops[0].Pos(), ValueEnd: ops[0].Pos(), Value: "{}"}}})
	}
	a.innerScript(words, nil, jc, false)
	a.selfConflicts(j)
}

// anyReplacement reports whether a command template has a replacement
// string, which stops the inputs from being appended.
func anyReplacement(words []*syntax.Word) bool {
	for _, w := range words {
		found := false
		syntax.Walk(w, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.Lit:
				found = found || hasReplacement(n.Value)
			case *syntax.SglQuoted:
				found = found || hasReplacement(n.Value)
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}
