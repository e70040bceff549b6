package lint

import (
	"slices"

	"mvdan.cc/sh/v3/syntax"
)

// maxAccesses bounds the files recorded per job.
const maxAccesses = 500

// stmts walks a list of statements in order. Some statements change what
// holds for the ones after them: a lock taken (flock 9, until mkdir ...),
// a cd, an exec with redirections.
func (a *analyzer) stmts(list []*syntax.Stmt, c ctx) {
	tail := c.tail
	for i, s := range list {
		if s == nil {
			continue
		}
		sc := c
		sc.tail = tail && i == len(list)-1
		sc.statusUsed = i+1 < len(list) && usesStatus(list[i+1])
		if isExecRedirect(s) {
			c = a.redirects(s.Redirs, c, s)
			continue
		}
		a.stmt(s, sc)
		switch lockEffect(s) {
		case lockAcquired:
			c.setLock(true)
		case lockReleased:
			c.setLock(false)
		}
		if dir := cdTarget(s); dir != nil {
			v := a.once(a.eval(dir, c), c)
			c.cwd = &v
		}
	}
}

// stmt walks one statement: in the background as a new job, or in the
// foreground.
func (a *analyzer) stmt(s *syntax.Stmt, c ctx) {
	if s == nil {
		return
	}
	if s.Negated {
		c.checked = true
	}
	if s.Background || s.Coprocess || s.Disown {
		a.background(s, c)
		return
	}
	if cp, ok := s.Cmd.(*syntax.CoprocClause); ok {
		if cp.Stmt != nil {
			j := a.newJob(c, c.at(s.Pos()))
			j.stmt = s
			j.exempt = true // a coprocess talks to the script; its status is its business
			a.runStmt(cp.Stmt, a.jobCtx(j, c))
			a.start(j, c)
		}
		return
	}
	a.runStmt(s, c)
}

// runStmt runs a statement's redirections and command in c.
func (a *analyzer) runStmt(s *syntax.Stmt, c ctx) {
	ce, isCall := s.Cmd.(*syntax.CallExpr)
	if isCall {
		// Expansions happen before redirections: $(cat f) > f reads first.
		a.callSubsts(ce, c)
		if lockWrapper(ce.Args) {
			c.setLock(true)
		}
		c.oneLine = oneLineCommand(ce.Args) && !c.inJobLoop()
	}
	c = a.redirects(s.Redirs, c, s)
	switch {
	case isCall:
		a.call(ce, c, s)
	case s.Cmd != nil:
		a.command(s.Cmd, c, s)
	}
}

// background starts a job for "s &".
func (a *analyzer) background(s *syntax.Stmt, c ctx) {
	if len(a.jobs) >= maxJobs {
		a.runStmt(s, c)
		return
	}
	j := a.newJob(c, c.at(s.Pos()))
	j.stmt = s
	j.exempt = s.Coprocess || s.Disown || exemptCommand(s)
	jc := a.jobCtx(j, c)
	jc.tail = true // the job's last command is its exit status
	a.runStmt(s, jc)
	a.start(j, c)
}

// newJob makes a job started from c.
func (a *analyzer) newJob(c ctx, at loc) *job {
	a.nextID++
	j := &job{
		id: a.nextID, at: at, parent: c.job, scope: c.scope,
		errexit: a.errexit, library: c.library, pidVars: map[string]bool{},
	}
	j.own = &scope{parent: c.scope}
	if len(c.loops) > 0 {
		j.loop = c.loops[len(c.loops)-1]
	}
	return j
}

// jobCtx is the context of the code job j runs.
func (a *analyzer) jobCtx(j *job, c ctx) ctx {
	jc := c
	jc.job = j
	jc.scope = j.own
	jc.loops = nil
	jc.checked, jc.statusUsed, jc.tail = false, false, false
	return jc
}

// start records that j runs from now on, beside the jobs already running.
func (a *analyzer) start(j *job, c ctx) {
	c.scope.last = []*job{j}
	a.jobs = append(a.jobs, j)
	for _, l := range c.loops {
		l.started = append(l.started, j)
	}
	for i, o := range a.active {
		if i >= maxActive {
			break
		}
		a.conflicts(j, o)
	}
	a.active = append(a.active, j)
	if len(a.active) > maxRunning {
		a.active = a.active[len(a.active)-maxRunning:]
	}
	a.fanout(j, c)
}

// command walks a compound command, or a function declaration.
func (a *analyzer) command(cmd syntax.Command, c ctx, s *syntax.Stmt) {
	switch x := cmd.(type) {
	case *syntax.Block:
		a.stmts(x.Stmts, c)
	case *syntax.Subshell:
		sc := c
		sc.scope = &scope{parent: c.scope}
		a.stmts(x.Stmts, sc)
	case *syntax.BinaryCmd:
		a.binary(x, c)
	case *syntax.IfClause:
		a.ifClause(x, c)
	case *syntax.WhileClause:
		a.whileLoop(x, c, s)
	case *syntax.ForClause:
		a.forLoop(x, c, s)
	case *syntax.CaseClause:
		a.caseClause(x, c)
	case *syntax.FuncDecl:
		if x.Name != nil && x.Body != nil {
			a.funcs[x.Name.Value] = x
		}
	case *syntax.ArithmCmd:
		a.arith(x.X, c)
	case *syntax.LetClause:
		for _, e := range x.Exprs {
			a.arith(e, c)
		}
	case *syntax.TestClause:
		a.testExpr(x.X, c)
	case *syntax.DeclClause:
		for _, as := range x.Args {
			if as.Value != nil {
				a.substs(as.Value, c)
			}
			if as.Name != nil {
				a.assign(as, c)
			}
		}
	case *syntax.TimeClause:
		a.stmt(x.Stmt, c)
	}
}

// binary walks a && b, a || b and pipelines.
func (a *analyzer) binary(x *syntax.BinaryCmd, c ctx) {
	switch x.Op {
	case syntax.AndStmt, syntax.OrStmt:
		xc := c
		xc.checked, xc.tail, xc.statusUsed = true, false, false
		a.stmt(x.X, xc)
		yc := c
		if x.Op == syntax.AndStmt {
			if dir := cdTarget(x.X); dir != nil {
				v := a.once(a.eval(dir, c), c)
				yc.cwd = &v
			}
		}
		if lockEffect(x.X) == lockAcquired {
			yc.setLock(true)
		}
		a.stmt(x.Y, yc)
	default: // | and |&
		pipe := &stream{what: "a pipe", owner: c.job}
		xc := c
		xc.stdout = pipe
		if x.Op == syntax.PipeAll {
			xc.stderr = pipe
		}
		xc.checked, xc.tail, xc.statusUsed = false, false, false
		xc.scope = &scope{parent: c.scope}
		a.stmt(x.X, xc)
		a.stmt(x.Y, c)
	}
}

// ifClause walks both branches from the same jobs and keeps the jobs
// either may leave running.
func (a *analyzer) ifClause(x *syntax.IfClause, c ctx) {
	cc := c
	cc.checked, cc.tail, cc.statusUsed = true, false, false
	if condTakesLock(x.Cond) {
		cc.setLock(true)
	}
	a.stmts(x.Cond, cc)
	before := slices.Clone(a.active)
	tc := c
	if condTakesLock(x.Cond) {
		tc.setLock(true)
	}
	lastBefore := c.scope.last
	a.stmts(x.Then, tc)
	lastThen := c.scope.last
	if x.Else == nil {
		a.union(before)
		c.scope.last = mergeLast(lastThen, lastBefore)
		return
	}
	afterThen := slices.Clone(a.active)
	a.active = before
	c.scope.last = lastBefore
	a.ifClause(x.Else, c)
	a.union(afterThen)
	c.scope.last = mergeLast(lastThen, c.scope.last)
}

// mergeLast is what $! may be after two branches.
func mergeLast(x, y []*job) []*job {
	return appendNew(slices.Clip(x), y)
}

// caseClause walks each branch from the same jobs.
func (a *analyzer) caseClause(x *syntax.CaseClause, c ctx) {
	a.substs(x.Word, c)
	before := slices.Clone(a.active)
	lastBefore := c.scope.last
	var after, last []*job
	for _, item := range x.Items {
		a.active = slices.Clone(before)
		c.scope.last = lastBefore
		a.stmts(item.Stmts, c)
		after = appendNew(after, a.active)
		last = appendNew(last, c.scope.last)
	}
	a.active = before
	a.union(after)
	c.scope.last = appendNew(last, lastBefore)
}

// union adds the jobs of other that are not active.
func (a *analyzer) union(other []*job) {
	a.active = appendNew(a.active, other)
}

func appendNew(dst, src []*job) []*job {
	for _, j := range src {
		if !slices.Contains(dst, j) {
			dst = append(dst, j)
		}
	}
	return dst
}

// removeActive marks jobs as ended.
func (a *analyzer) removeActive(jobs []*job) {
	a.active = slices.DeleteFunc(a.active, func(j *job) bool { return slices.Contains(jobs, j) })
}

// callSubsts walks the command substitutions in a simple command's words.
func (a *analyzer) callSubsts(ce *syntax.CallExpr, c ctx) {
	for _, as := range ce.Assigns {
		if as.Value != nil {
			a.substs(as.Value, c)
		}
		if as.Array != nil {
			for _, e := range as.Array.Elems {
				if e.Value != nil {
					a.substs(e.Value, c)
				}
			}
		}
	}
	for _, w := range ce.Args {
		a.substs(w, c)
	}
}

// substs walks the command and process substitutions in a word: they run
// in the job (or shell) that expands the word.
func (a *analyzer) substs(w *syntax.Word, c ctx) {
	if w == nil {
		return
	}
	syntax.Walk(w, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst:
			sc := c
			sc.scope = &scope{parent: c.scope}
			sc.stdout = &stream{what: "a command substitution", owner: c.job}
			sc.checked, sc.tail, sc.statusUsed = false, false, false
			a.stmts(n.Stmts, sc)
			return false
		case *syntax.ProcSubst:
			sc := c
			sc.scope = &scope{parent: c.scope}
			if n.Op == syntax.CmdIn {
				sc.stdout = &stream{what: "a process substitution", owner: c.job}
			}
			sc.checked, sc.tail, sc.statusUsed = false, false, false
			a.stmts(n.Stmts, sc)
			return false
		}
		return true
	})
}

// record adds a file access to the job running it and the jobs around.
func (a *analyzer) record(acc *access, c ctx) {
	a.seq++
	acc.seq = a.seq
	acc.locked = acc.locked || c.holdsLock()
	if c.job == nil {
		return
	}
	acc.job = c.job
	for j := c.job; j != nil; j = j.parent {
		if len(j.accesses) < maxAccesses {
			j.accesses = append(j.accesses, acc)
		}
	}
}

// produce records that a command writes output to its standard output.
// heavy: it can write many lines (cat, grep, curl); echo and printf write
// one line in one write, which does not tear, unless in a loop.
func (a *analyzer) produce(c ctx, at loc, what string, heavy bool) {
	if c.job == nil || c.stdout == nil {
		return
	}
	if !heavy && !c.inJobLoop() {
		return
	}
	o := &output{stream: c.stdout, at: at, what: what, job: c.job}
	for j := c.job; j != nil; j = j.parent {
		if len(j.outputs) < maxAccesses {
			j.outputs = append(j.outputs, o)
		}
	}
}

// inherited reports whether j writes output o to a descriptor it got from
// the shell that started it (so its copies and siblings share it).
func (o *output) inheritedBy(j *job) bool {
	return o.stream != nil && !o.stream.owner.within(j)
}

// arith records the variables an arithmetic command assigns.
func (a *analyzer) arith(x syntax.ArithmExpr, c ctx) {
	for _, name := range arithAssigned(x) {
		if len(c.loops) > 0 {
			a.bind(name, value{kind: kVarying})
		} else {
			a.bind(name, value{kind: kDynamic})
		}
	}
}

// testExpr records the files [[ -e f ]] and friends look at.
func (a *analyzer) testExpr(x syntax.TestExpr, c ctx) {
	syntax.Walk(x, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.UnaryTest:
			if w, ok := n.X.(*syntax.Word); ok && isFileTest(n.Op.String()) {
				a.substs(w, c)
				a.record(&access{kind: accRead, path: a.pathValue(w, c), word: a.print(w), at: c.at(w.Pos()), verb: "tests"}, c)
				return false
			}
		case *syntax.Word:
			a.substs(n, c)
			return false
		}
		return true
	})
}

// isFileTest reports whether a test operator looks at a file.
func isFileTest(op string) bool {
	switch op {
	case "-e", "-f", "-s", "-r", "-w", "-x", "-L", "-h", "-d", "-p", "-S", "-a":
		return true
	}
	return false
}

// pathValue evaluates a file name, relative to the directory of a cd.
func (a *analyzer) pathValue(w *syntax.Word, c ctx) value {
	v := a.eval(w, c)
	if c.cwd == nil || v.kind == kDynamic || v.kind == kVarying {
		return v
	}
	if len(v.key) > 0 && (v.key[0] == '/' || v.key[0] == '~' || v.key[0] == '$') {
		return v
	}
	return combine(combine(*c.cwd, value{kind: kConst, key: "/"}), v)
}
