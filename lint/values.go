package lint

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// valKind says how much is known about the value of a word, compared
// between the jobs that evaluate it. The order matters: combining parts
// takes the highest kind.
type valKind uint8

const (
	kConst   valKind = iota // a known literal
	kFixed                  // unknown, but the same in every job ($LOG, $1, $$)
	kDynamic                // computed at run time: cannot tell ($(date), eval)
	kVarying                // differs from one job to the next ($i of the loop, $RANDOM)
)

// value is what the analysis knows of a word. key is the word with every
// variable replaced by a symbol for its binding, so that two words with
// the same key name the same file; it is empty for a dynamic value.
type value struct {
	kind valKind
	key  string
}

func combine(a, b value) value {
	k := max(a.kind, b.kind)
	if k == kDynamic {
		return value{kind: kDynamic}
	}
	return value{kind: k, key: a.key + b.key}
}

// sameFile reports whether x and y name the same file in jobs that run at
// the same time.
func sameFile(x, y value) bool {
	return x.kind != kDynamic && y.kind != kDynamic && x.key != "" && x.key == y.key
}

// binding is the value of a variable from one assignment on.
type binding struct {
	kind valKind
	key  string
}

// token is text of an inner script that stands for a value of the outer
// one: a replacement string of xargs -I or parallel, or an expansion the
// outer shell made before running sh -c.
type token struct {
	text string
	val  value
}

// positional holds $1, $2... of a function call or an inner script.
type positional struct {
	args []value
}

// bind gives a variable a new binding.
func (a *analyzer) bind(name string, v value) {
	b := &binding{kind: v.kind, key: v.key}
	if v.kind == kVarying {
		a.nextID++
		b.key = "${" + name + "#" + strconv.Itoa(a.nextID) + "}"
	}
	a.vars[name] = b
}

// once turns a value the main shell computes once, outside any loop,
// into a fixed one: $(date +%F) run there is one value, the same for every
// job started after it, even if it cannot be known.
func (a *analyzer) once(v value, c ctx) value {
	if v.kind != kDynamic || c.job != nil || len(c.loops) > 0 {
		return v
	}
	a.nextID++
	return value{kind: kFixed, key: "$(once#" + strconv.Itoa(a.nextID) + ")"}
}

// lookup returns the value of variable name.
func (a *analyzer) lookup(name string) value {
	if b, ok := a.vars[name]; ok {
		return value{kind: b.kind, key: b.key}
	}
	// Never assigned in the script: the environment's, the same for all.
	return value{kind: kFixed, key: "${" + name + "}"}
}

// eval returns what is known of the value of w in c.
func (a *analyzer) eval(w *syntax.Word, c ctx) value {
	if w == nil {
		return value{kind: kConst}
	}
	v := value{kind: kConst}
	for _, p := range w.Parts {
		v = combine(v, a.evalPart(p, c))
	}
	if v.kind != kDynamic {
		v.key = normPath(v.key)
	}
	return v
}

func (a *analyzer) evalParts(parts []syntax.WordPart, c ctx) value {
	v := value{kind: kConst}
	for _, p := range parts {
		v = combine(v, a.evalPart(p, c))
	}
	return v
}

func (a *analyzer) evalPart(p syntax.WordPart, c ctx) value {
	switch p := p.(type) {
	case *syntax.Lit:
		return c.literal(p.Value)
	case *syntax.SglQuoted:
		return c.literal(p.Value)
	case *syntax.DblQuoted:
		return a.evalParts(p.Parts, c)
	case *syntax.ParamExp:
		return a.evalParam(p, c)
	case *syntax.CmdSubst:
		return a.evalSubst(p, c)
	case *syntax.ArithmExp:
		v := value{kind: kConst, key: "$((" + a.print(p.X) + "))"}
		for _, name := range arithRefs(p.X) {
			lv := a.lookup(name)
			v.kind = max(v.kind, lv.kind)
			v.key += "@" + lv.key
		}
		if v.kind == kDynamic {
			return value{kind: kDynamic}
		}
		return v
	case *syntax.ExtGlob:
		return value{kind: kConst, key: p.Op.String() + p.Pattern.Value + ")"}
	case *syntax.BraceExp:
		return value{kind: kConst, key: a.print(&syntax.Word{Parts: []syntax.WordPart{p}})}
	}
	// Process substitution and anything newer: cannot tell.
	return value{kind: kDynamic}
}

// literal is the value of literal text, with the tokens of an inner script
// standing for their values.
func (c ctx) literal(s string) value {
	v := value{kind: kConst, key: s}
	for _, t := range c.tokens {
		if strings.Contains(s, t.text) {
			if t.val.kind > v.kind {
				v.kind = t.val.kind
			}
			if t.val.kind == kDynamic {
				return value{kind: kDynamic}
			}
			v.key = strings.ReplaceAll(v.key, t.text, t.val.key)
		}
	}
	if c.replacements && hasReplacement(s) {
		v.kind = kVarying
	}
	return v
}

// evalParam evaluates $name, ${name...} and the special parameters.
func (a *analyzer) evalParam(p *syntax.ParamExp, c ctx) value {
	if p.Param == nil {
		return value{kind: kDynamic}
	}
	v := a.param(p.Param.Value, c)
	if p.Excl || p.Length || p.Width || p.Names != 0 {
		return value{kind: kDynamic}
	}
	if p.Index != nil || p.Slice != nil || p.Repl != nil || p.Exp != nil {
		if v.kind == kDynamic {
			return v
		}
		// The same operation on the same binding gives the same result.
		mod := a.print(&syntax.Word{Parts: []syntax.WordPart{p}})
		sub := value{kind: kConst}
		if p.Index != nil {
			for _, n := range arithRefs(p.Index) {
				sub = combine(sub, a.lookup(n))
			}
		}
		if p.Exp != nil && p.Exp.Word != nil {
			sub = combine(sub, a.eval(p.Exp.Word, c))
		}
		if p.Repl != nil {
			sub = combine(sub, a.eval(p.Repl.Orig, c))
			sub = combine(sub, a.eval(p.Repl.With, c))
		}
		if sub.kind == kDynamic {
			return sub
		}
		kind := max(v.kind, sub.kind, kFixed)
		if v.kind == kConst && p.Exp != nil && (p.Exp.Op == syntax.DefaultUnset || p.Exp.Op == syntax.DefaultUnsetOrNull) && v.key != "" {
			return v // ${X:-def} of a set constant
		}
		return value{kind: kind, key: mod + "@" + v.key}
	}
	return v
}

// param returns the value of parameter name, without modifiers.
func (a *analyzer) param(name string, c ctx) value {
	switch {
	case name == "$":
		return value{kind: kFixed, key: "$$"} // the main shell's pid, in every job
	case name == "!" || name == "RANDOM" || name == "SRANDOM" || name == "BASHPID" || name == "EPOCHREALTIME":
		return value{kind: kVarying, key: "${" + name + "}"}
	case name == "?" || name == "SECONDS" || name == "EPOCHSECONDS":
		return value{kind: kDynamic}
	case name == "@" || name == "*" || isDigits(name):
		return c.positional(name)
	}
	return a.lookup(name)
}

// positional returns $N, $@ or $*.
func (c ctx) positional(name string) value {
	if c.pos == nil {
		if c.posVarying {
			return value{kind: kVarying, key: "$" + name}
		}
		return value{kind: kFixed, key: "$" + name}
	}
	if name == "@" || name == "*" {
		v := value{kind: kConst}
		for i, arg := range c.pos.args {
			if i > 0 {
				v = combine(v, value{kind: kConst, key: " "})
			}
			v = combine(v, arg)
		}
		return v
	}
	n, _ := strconv.Atoi(name)
	if n >= 1 && n <= len(c.pos.args) {
		return c.pos.args[n-1]
	}
	if n == 0 {
		return value{kind: kFixed, key: "$0"}
	}
	return value{kind: kConst}
}

// evalSubst evaluates $(...): a fresh temporary file per job for mktemp,
// a per-job value when it uses one, else cannot tell.
func (a *analyzer) evalSubst(cs *syntax.CmdSubst, c ctx) value {
	unique, varying := false, false
	syntax.Walk(cs, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				switch n.Args[0].Lit() {
				case "mktemp", "tempfile", "uuidgen":
					unique = true
				}
			}
		case *syntax.ParamExp:
			// Only the parameter itself: the walk goes on into the
			// words of its modifiers (evaluating them here would be
			// exponential in the nesting).
			if n.Param != nil && a.param(n.Param.Value, c).kind == kVarying {
				varying = true
			}
		case *syntax.Lit:
			if c.literal(n.Value).kind == kVarying {
				varying = true
			}
		}
		return true
	})
	switch {
	case unique && (c.job != nil || len(c.loops) > 0):
		a.nextID++
		return value{kind: kVarying, key: "$(mktemp#" + strconv.Itoa(a.nextID) + ")"}
	case unique:
		// Made once by the main shell: one file that every job shares.
		a.nextID++
		return value{kind: kFixed, key: "${TMPDIR}/tmp.mktemp#" + strconv.Itoa(a.nextID)}
	case varying:
		a.nextID++
		return value{kind: kVarying, key: "$(#" + strconv.Itoa(a.nextID) + ")"}
	}
	return value{kind: kDynamic}
}

// litValue returns the value of a word without expansions: "a"'b'c is abc.
func litValue(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// refs returns the names of the parameters a node expands, in order.
func refs(n syntax.Node) []string {
	var names []string
	if n == nil {
		return nil
	}
	syntax.Walk(n, func(n syntax.Node) bool {
		if p, ok := n.(*syntax.ParamExp); ok && p.Param != nil {
			names = append(names, p.Param.Value)
		}
		return true
	})
	return names
}

// arithRefs returns the variable names an arithmetic expression uses.
func arithRefs(x syntax.ArithmExpr) []string {
	var names []string
	if x == nil {
		return nil
	}
	syntax.Walk(x, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			if n.Param != nil {
				names = append(names, n.Param.Value)
			}
		case *syntax.Lit:
			if isName(n.Value) {
				names = append(names, n.Value)
			}
		}
		return true
	})
	return names
}

// normPath makes equal paths equal strings: ./a and a, a//b and a/b.
func normPath(p string) string {
	for strings.HasPrefix(p, "./") && len(p) > 2 {
		p = p[2:]
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// isTempPath reports whether a path key is under a temporary directory.
func isTempPath(key string) bool {
	for _, dir := range []string{"/tmp/", "/var/tmp/", "/dev/shm/", "${TMPDIR", "${TMP}", "${TEMP}", "${TMP:", "${TEMP:"} {
		if strings.HasPrefix(key, dir) {
			return true
		}
	}
	return false
}

// hasReplacement reports whether s has a replacement string of GNU
// parallel or krun: {}, {.}, {/}, {//}, {/.}, {#}, {%}, {N}, {N.}...
func hasReplacement(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return false
		}
		inner := s[i+1 : i+j]
		inner = strings.TrimLeft(inner, "0123456789")
		switch inner {
		case "", ".", "/", "//", "/.", "#", "%":
			return true
		}
		if strings.HasPrefix(inner, "=") {
			return true // {= perl expression =}
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isName(s string) bool {
	if s == "" || ('0' <= s[0] && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
