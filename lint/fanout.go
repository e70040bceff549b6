package lint

import (
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// maxBounded is the longest literal list a loop may start jobs for
// without a cap: "for h in web1 web2 web3" is bounded, "for f in *" is
// not.
const maxBounded = 16

// fanout reports a job started in a loop that nothing caps (KL003). The
// innermost loop decides, unless it runs over a short literal list: then
// the loop around it does.
func (a *analyzer) fanout(j *job, c ctx) {
	for i := len(c.loops) - 1; i >= 0; i-- {
		l := c.loops[i]
		if l.capped {
			return
		}
		if !l.bounded {
			a.report(UnboundedFanout, Warning, j.at,
				fmt.Sprintf("the loop at line %d starts this background job on every iteration with nothing that caps how many run at once", l.at.line),
				a.fixFanout(j))
			return
		}
	}
}

// capped reports whether a loop limits the jobs it starts: a wait (of
// any kind: wait -n, a wait every N jobs), a jobs count, GNU or krun sem,
// or a token read from a descriptor (read -u 3). Calls of the script's
// functions are followed; jobs started in the loop are not looked into.
func (a *analyzer) capped(cond, body []*syntax.Stmt) bool {
	found := false
	seen := map[string]bool{}
	var scan func(n syntax.Node)
	scan = func(n syntax.Node) {
		syntax.Walk(n, func(n syntax.Node) bool {
			if found {
				return false
			}
			switch n := n.(type) {
			case *syntax.FuncDecl:
				return false
			case *syntax.Stmt:
				if n.Background {
					if ce, ok := n.Cmd.(*syntax.CallExpr); ok && isSemaphore(ce.Args) {
						found = true
					}
					return false
				}
				if ce, ok := n.Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 && ce.Args[0].Lit() == "read" {
					for _, r := range n.Redirs {
						if r.Op == syntax.DplIn {
							found = true
						}
					}
				}
			case *syntax.CallExpr:
				words, _ := unwrap(n.Args)
				if len(words) == 0 {
					return true
				}
				name, _ := litValue(words[0])
				switch name {
				case "wait", "jobs", "sem":
					found = true
				case "read":
					_, flags := parseArgs(words[1:], "adinNptu", false)
					found = found || flags.has("-u")
				default:
					if isSemaphore(words) {
						found = true
					} else if fd, ok := a.funcs[name]; ok && !seen[name] && fd.Body != nil {
						seen[name] = true
						scan(fd.Body)
					}
				}
			}
			return !found
		})
	}
	for _, s := range cond {
		scan(s)
	}
	for _, s := range body {
		scan(s)
	}
	return found
}

// isSemaphore reports whether a command waits for a slot: sem, krun sem,
// parallel --semaphore.
func isSemaphore(words []*syntax.Word) bool {
	words, _ = unwrap(words)
	if len(words) == 0 {
		return false
	}
	switch name, _ := litValue(words[0]); name {
	case "sem":
		return true
	case "krun":
		return len(words) > 1 && words[1].Lit() == "sem"
	case "parallel":
		for _, w := range words[1:] {
			if w.Lit() == "--semaphore" {
				return true
			}
		}
	}
	return false
}

// loopBounded reports whether a for loop runs over a short literal list:
// words, brace expansions, $(seq 1 8), or for ((i=0; i<8; i++)).
func loopBounded(x *syntax.ForClause) bool {
	switch it := x.Loop.(type) {
	case *syntax.WordIter:
		if !it.InPos.IsValid() {
			return false // "$@"
		}
		n := 0
		for _, w := range it.Items {
			k, ok := literalCount(w)
			if !ok {
				return false
			}
			n += k
		}
		return n <= maxBounded
	case *syntax.CStyleLoop:
		from, ok1 := arithInit(it.Init)
		to, ok2 := arithLimit(it.Cond)
		return ok1 && ok2 && to-from <= maxBounded
	}
	return false
}

// literalCount returns how many words a literal for-list item expands to.
func literalCount(w *syntax.Word) (int, bool) {
	if len(w.Parts) == 1 {
		if cs, ok := w.Parts[0].(*syntax.CmdSubst); ok {
			return seqCount(cs)
		}
	}
	n := 1
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "*?[") {
				return 0, false
			}
			k, ok := braceCount(p.Value)
			if !ok {
				return 0, false
			}
			n *= k
		case *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if _, ok := q.(*syntax.Lit); !ok {
					return 0, false
				}
			}
		default:
			return 0, false
		}
	}
	return n, true
}

// braceCount returns how many words the brace expansions in s make.
func braceCount(s string) (int, bool) {
	n := 1
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return n, true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return n, true
		}
		inner := s[i+1 : i+j]
		s = s[i+j+1:]
		if strings.ContainsRune(inner, '{') {
			return 0, false
		}
		if a, b, ok := strings.Cut(inner, ".."); ok {
			b, _, _ = strings.Cut(b, "..")
			x, err1 := strconv.Atoi(a)
			y, err2 := strconv.Atoi(b)
			if err1 == nil && err2 == nil {
				d := y - x
				if d < 0 {
					d = -d
				}
				if d > 1<<20 {
					return 0, false
				}
				n *= d + 1
				continue
			}
			if len(a) == 1 && len(b) == 1 {
				d := int(b[0]) - int(a[0])
				if d < 0 {
					d = -d
				}
				n *= d + 1
				continue
			}
			return 0, false
		}
		if strings.Contains(inner, ",") {
			n *= strings.Count(inner, ",") + 1
		}
		if n > 1<<20 {
			return 0, false
		}
	}
}

// seqCount counts $(seq N) and $(seq A B) with literal numbers.
func seqCount(cs *syntax.CmdSubst) (int, bool) {
	if len(cs.Stmts) != 1 {
		return 0, false
	}
	ce, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) < 2 || len(ce.Args) > 3 || ce.Args[0].Lit() != "seq" {
		return 0, false
	}
	nums := make([]int, 0, 2)
	for _, w := range ce.Args[1:] {
		n, err := strconv.Atoi(w.Lit())
		if err != nil {
			return 0, false
		}
		nums = append(nums, n)
	}
	if len(nums) == 1 {
		return nums[0], true
	}
	return nums[1] - nums[0] + 1, true
}

// arithInit reads "i = N" of a C-style for loop.
func arithInit(x syntax.ArithmExpr) (int, bool) {
	b, ok := x.(*syntax.BinaryArithm)
	if !ok || b.Op != syntax.Assgn {
		return 0, false
	}
	w, ok := b.Y.(*syntax.Word)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(w.Lit())
	return n, err == nil
}

// arithLimit reads "i < N" or "i <= N" of a C-style for loop.
func arithLimit(x syntax.ArithmExpr) (int, bool) {
	b, ok := x.(*syntax.BinaryArithm)
	if !ok {
		return 0, false
	}
	w, ok := b.Y.(*syntax.Word)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(w.Lit())
	if err != nil {
		return 0, false
	}
	switch b.Op.String() {
	case "<":
		return n, true
	case "<=":
		return n + 1, true
	}
	return 0, false
}
