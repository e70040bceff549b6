package lint

import (
	"slices"
	"sort"

	"mvdan.cc/sh/v3/syntax"
)

// forLoop walks a for loop: the loop variable differs in each iteration.
func (a *analyzer) forLoop(x *syntax.ForClause, c ctx, s *syntax.Stmt) {
	l := &loop{at: c.at(x.Pos()), stmt: s, node: x, bounded: loopBounded(x)}
	switch it := x.Loop.(type) {
	case *syntax.WordIter:
		var held []*job
		all := false
		for _, w := range it.Items {
			a.substs(w, c)
			for _, r := range refs(w) {
				held = append(held, a.holders[r]...)
				all = all || a.allJobs[r]
			}
			all = all || mentionsJobs(w)
		}
		name := it.Name.Value
		a.holders[name] = held
		a.allJobs[name] = all
		a.bind(name, value{kind: kVarying})
	case *syntax.CStyleLoop:
		for _, e := range []syntax.ArithmExpr{it.Init, it.Cond, it.Post} {
			for _, name := range arithAssigned(e) {
				a.bind(name, value{kind: kVarying})
			}
		}
	}
	a.loop(l, nil, x.Do, c)
}

// whileLoop walks a while or until loop.
func (a *analyzer) whileLoop(x *syntax.WhileClause, c ctx, s *syntax.Stmt) {
	l := &loop{at: c.at(x.Pos()), stmt: s, node: x}
	a.loop(l, x.Cond, x.Do, c)
}

// loop walks the condition and body of l once. Variables assigned in the
// loop differ from one iteration to the next; jobs still running at the
// end of the body run beside the copies the next iterations start.
func (a *analyzer) loop(l *loop, cond, body []*syntax.Stmt, c ctx) {
	l.capped = a.capped(cond, body)
	lc := c
	lc.loops = append(slices.Clip(c.loops), l)
	lc.tail, lc.statusUsed, lc.checked = false, false, false
	names, shifts := assignedNames(cond, body)
	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		if !names[name] {
			a.bind(name, value{kind: kVarying})
		}
	}
	if shifts {
		lc.posVarying = true
	}
	before := slices.Clone(a.active)
	cc := lc
	cc.checked = true
	if condTakesLock(cond) {
		cc.setLock(true) // the write in until ( set -C; echo $$ > lock ) is the lock
	}
	a.stmts(cond, cc)
	a.stmts(body, lc)
	var survivors []*job
	for _, j := range l.started {
		if slices.Contains(a.active, j) {
			survivors = append(survivors, j)
		}
	}
	for _, j := range survivors {
		j.multi = true
		a.selfConflicts(j)
	}
	for i, j := range survivors {
		if i >= maxActive {
			break
		}
		for k, o := range l.started {
			if k >= maxActive {
				break
			}
			if o != j {
				a.conflicts(j, o)
			}
		}
	}
	a.union(before)
}
