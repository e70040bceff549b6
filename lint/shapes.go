package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file recognises the shapes of statements that matter to the
// statements after them, without walking them: locks taken by hand, cd,
// exec with redirections, reads of $?.

// lockChange is what a statement does to the lock state of the code after
// it.
type lockChange int

const (
	lockKept lockChange = iota
	lockAcquired
	lockReleased
)

// lockEffect recognises the usual ways of taking a lock for the rest of a
// block:
//
//	flock 9 / flock -x 200 || exit 1      (the block's fd opened on a lock file)
//	until mkdir "$lockdir"; do sleep 1; done
//	mkdir "$lockdir" || exit 1
//	if ! mkdir "$lockdir"; then exit 1; fi
//	until ( set -C; echo $$ > "$lock" ); do sleep 1; done
//
// and flock -u FD, which releases it.
func lockEffect(s *syntax.Stmt) lockChange {
	if s == nil || s.Background {
		return lockKept
	}
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		return callLockEffect(x.Args)
	case *syntax.BinaryCmd:
		if x.Op == syntax.OrStmt || x.Op == syntax.AndStmt {
			if e := lockEffect(x.X); e == lockAcquired {
				return e
			}
			if x.Op == syntax.AndStmt {
				return lockEffect(x.Y)
			}
		}
	case *syntax.WhileClause:
		// until mkdir lock; do sleep 1; done / while ! mkdir lock; ...
		if condTakesLock(x.Cond) {
			return lockAcquired
		}
	case *syntax.IfClause:
		// if ! mkdir lock; then exit 1; fi
		if len(x.Cond) == 1 && x.Cond[0].Negated && stmtTakesLock(x.Cond[0]) && exits(x.Then) {
			return lockAcquired
		}
	}
	return lockKept
}

// callLockEffect is lockEffect for a simple command.
func callLockEffect(words []*syntax.Word) lockChange {
	words, _ = unwrap(words)
	if len(words) == 0 {
		return lockKept
	}
	name, _ := litValue(words[0])
	switch name {
	case "flock":
		ops, flags := parseArgs(words[1:], flockSpec, true)
		if len(ops) == 1 && isFD(ops[0]) {
			if flags.has("-u") || flags.has("--unlock") {
				return lockReleased
			}
			return lockAcquired
		}
	case "mkdir", "ln":
		if stmtTakesLock(&syntax.Stmt{Cmd: &syntax.CallExpr{Args: words}}) {
			return lockAcquired
		}
	}
	return lockKept
}

// condTakesLock reports whether a loop or if condition is an atomic
// lock attempt: mkdir (without -p), ln (without -f), a noclobber create.
func condTakesLock(cond []*syntax.Stmt) bool {
	for _, s := range cond {
		if stmtTakesLock(s) {
			return true
		}
	}
	return false
}

// stmtTakesLock reports whether s is an atomic create that fails if the
// lock exists: mkdir DIR, ln -s X LOCK, ( set -C; echo $$ > LOCK ),
// flock -n FD.
func stmtTakesLock(s *syntax.Stmt) bool {
	if s == nil {
		return false
	}
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		words, _ := unwrap(x.Args)
		if len(words) == 0 {
			return false
		}
		name, _ := litValue(words[0])
		switch name {
		case "mkdir":
			_, flags := parseArgs(words[1:], "m", false)
			return !flags.has("-p") && !flags.has("--parents")
		case "ln":
			_, flags := parseArgs(words[1:], "S", false)
			return !flags.has("-f") && !flags.has("--force")
		case "flock":
			ops, _ := parseArgs(words[1:], flockSpec, true)
			return len(ops) == 1 && isFD(ops[0])
		}
	case *syntax.BinaryCmd:
		return stmtTakesLock(x.X) || (x.Op == syntax.AndStmt && stmtTakesLock(x.Y))
	case *syntax.Subshell, *syntax.Block:
		// ( set -C; echo $$ > "$lock" ) 2>/dev/null
		noclobber := false
		syntax.Walk(x, func(n syntax.Node) bool {
			if ce, ok := n.(*syntax.CallExpr); ok && len(ce.Args) > 1 && ce.Args[0].Lit() == "set" {
				for _, w := range ce.Args[1:] {
					if l := w.Lit(); l == "noclobber" || (strings.HasPrefix(l, "-") && strings.Contains(l, "C")) {
						noclobber = true
					}
				}
			}
			return true
		})
		return noclobber
	}
	return false
}

// exits reports whether a branch ends the script or function.
func exits(list []*syntax.Stmt) bool {
	if len(list) == 0 {
		return false
	}
	last := list[len(list)-1]
	ce, ok := last.Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) == 0 {
		return false
	}
	switch ce.Args[0].Lit() {
	case "exit", "return", "die", "fail", "fatal":
		return true
	}
	return false
}

// lockWrapper reports whether a simple command runs its command while
// holding a lock: flock FILE CMD, krun lock, krun append, lockf, lckdo, a
// GNU sem or krun sem with one slot. Its own redirections are written
// under the lock too.
func lockWrapper(words []*syntax.Word) bool {
	words, _ = unwrap(words)
	if len(words) == 0 {
		return false
	}
	name, _ := litValue(words[0])
	switch name {
	case "flock":
		ops, _ := parseArgs(words[1:], flockSpec, true)
		return len(ops) >= 2 || (len(ops) == 1 && !isFD(ops[0]))
	case "lockf", "lckdo", "with-lock-ex", "dotlockfile":
		return true
	case "krun":
		if len(words) > 1 {
			switch sub, _ := litValue(words[1]); sub {
			case "lock", "append":
				return true
			case "sem":
				return semSlots(words[2:], "1") == "1"
			}
		}
	case "sem":
		return semSlots(words[1:], "1") == "1"
	}
	return false
}

// semSlots returns the -j of a sem command line, def when none is given.
func semSlots(args []*syntax.Word, def string) string {
	_, flags := parseArgs(args, semSpec, true)
	for _, f := range []string{"-j", "--jobs", "-P"} {
		if v, ok := flags[f]; ok {
			return v.text
		}
	}
	return def
}

// isFD reports whether w is a file descriptor number, or a variable that
// holds one (flock "$fd").
func isFD(w *syntax.Word) bool {
	if lit, ok := litValue(w); ok {
		return isDigits(lit)
	}
	if len(w.Parts) == 1 {
		switch p := w.Parts[0].(type) {
		case *syntax.ParamExp:
			return true
		case *syntax.DblQuoted:
			if len(p.Parts) == 1 {
				_, ok := p.Parts[0].(*syntax.ParamExp)
				return ok
			}
		}
	}
	return false
}

// cdTarget returns the directory of a "cd DIR" or "pushd DIR" statement.
func cdTarget(s *syntax.Stmt) *syntax.Word {
	if s == nil || s.Background {
		return nil
	}
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		if len(x.Args) >= 2 {
			switch x.Args[0].Lit() {
			case "cd", "pushd":
				ops, _ := parseArgs(x.Args[1:], "", false)
				if len(ops) == 1 {
					return ops[0]
				}
			}
		}
	case *syntax.BinaryCmd:
		// cd "$d" || exit 1
		if x.Op == syntax.OrStmt {
			return cdTarget(x.X)
		}
	}
	return nil
}

// isExecRedirect reports whether s is "exec" with redirections and no
// command, which redirects the rest of the shell.
func isExecRedirect(s *syntax.Stmt) bool {
	ce, ok := s.Cmd.(*syntax.CallExpr)
	return ok && !s.Background && len(ce.Args) == 1 && ce.Args[0].Lit() == "exec" && len(s.Redirs) > 0
}

// usesStatus reports whether a statement reads $?.
func usesStatus(s *syntax.Stmt) bool {
	found := false
	syntax.Walk(s, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.FuncDecl:
			return false
		case *syntax.ParamExp:
			if n.Param != nil && n.Param.Value == "?" {
				found = true
			}
		}
		return !found
	})
	return found
}

// exemptCommand reports whether a background statement is one nobody
// wants the exit status of: nohup, setsid, a sleep (a timer), or a
// watchdog that starts with one: ( sleep 300; kill $$ ) &.
func exemptCommand(s *syntax.Stmt) bool {
	var body []*syntax.Stmt
	switch x := s.Cmd.(type) {
	case *syntax.Subshell:
		body = x.Stmts
	case *syntax.Block:
		body = x.Stmts
	}
	if len(body) > 0 {
		return exemptCommand(body[0])
	}
	ce, ok := s.Cmd.(*syntax.CallExpr)
	if !ok {
		return false
	}
	words, exempt := unwrap(ce.Args)
	if exempt {
		return true
	}
	if len(words) > 0 {
		switch name, _ := litValue(words[0]); name {
		case "sleep", "disown":
			return true
		}
	}
	return false
}

// mentionsJobs reports whether a node runs "jobs" (as in $(jobs -p)).
func mentionsJobs(n syntax.Node) bool {
	found := false
	syntax.Walk(n, func(n syntax.Node) bool {
		if ce, ok := n.(*syntax.CallExpr); ok && len(ce.Args) > 0 && ce.Args[0].Lit() == "jobs" {
			found = true
		}
		return !found
	})
	return found
}

// assignedNames returns the variables a loop assigns, each with whether
// every assignment is a plain literal (x=5), and whether it shifts the
// positional parameters.
func assignedNames(lists ...[]*syntax.Stmt) (map[string]bool, bool) {
	names := map[string]bool{}
	shifts := false
	set := func(name string, literal bool) {
		if old, ok := names[name]; ok {
			names[name] = old && literal
		} else {
			names[name] = literal
		}
	}
	for _, list := range lists {
		for _, s := range list {
			syntax.Walk(s, func(n syntax.Node) bool {
				switch n := n.(type) {
				case *syntax.FuncDecl:
					return false
				case *syntax.Assign:
					if n.Name != nil {
						_, lit := litValue(n.Value)
						set(n.Name.Value, n.Value != nil && lit && !n.Append && n.Index == nil && n.Array == nil)
					}
				case *syntax.ArithmExp:
					for _, name := range arithAssigned(n.X) {
						set(name, false)
					}
				case *syntax.ArithmCmd:
					for _, name := range arithAssigned(n.X) {
						set(name, false)
					}
				case *syntax.LetClause:
					for _, e := range n.Exprs {
						for _, name := range arithAssigned(e) {
							set(name, false)
						}
					}
				case *syntax.WordIter:
					set(n.Name.Value, false)
				case *syntax.CallExpr:
					if len(n.Args) == 0 {
						break
					}
					switch n.Args[0].Lit() {
					case "shift", "getopts":
						shifts = true
					case "set":
						for _, w := range n.Args[1:] {
							if w.Lit() == "--" {
								shifts = true
							}
						}
					}
					for _, name := range readNames(n.Args) {
						set(name, false)
					}
				}
				return true
			})
		}
	}
	return names, shifts
}

// readNames returns the variables read, mapfile, printf -v and getopts
// assign.
func readNames(words []*syntax.Word) []string {
	if len(words) == 0 {
		return nil
	}
	name, _ := litValue(words[0])
	var names []string
	switch name {
	case "read":
		ops, flags := parseArgs(words[1:], "adinNptu", false)
		for _, w := range ops {
			if l := w.Lit(); isName(l) {
				names = append(names, l)
			}
		}
		if v, ok := flags["-a"]; ok && isName(v.text) {
			names = append(names, v.text)
		}
		if len(ops) == 0 && !flags.has("-a") {
			names = append(names, "REPLY")
		}
	case "mapfile", "readarray":
		ops, _ := parseArgs(words[1:], "dnOsuCc", false)
		if len(ops) > 0 && isName(ops[len(ops)-1].Lit()) {
			names = append(names, ops[len(ops)-1].Lit())
		} else {
			names = append(names, "MAPFILE")
		}
	case "printf":
		if len(words) > 2 && words[1].Lit() == "-v" && isName(words[2].Lit()) {
			names = append(names, words[2].Lit())
		}
	case "getopts":
		if len(words) > 2 && isName(words[2].Lit()) {
			names = append(names, words[2].Lit())
		}
	}
	return names
}

// arithAssigned returns the variables an arithmetic expression assigns:
// i++, --i, i=0, n+=2.
func arithAssigned(x syntax.ArithmExpr) []string {
	if x == nil {
		return nil
	}
	var names []string
	syntax.Walk(x, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				if w, ok := n.X.(*syntax.Word); ok && isName(w.Lit()) {
					names = append(names, w.Lit())
				}
			}
		case *syntax.BinaryArithm:
			if op := n.Op.String(); strings.HasSuffix(op, "=") && op != "==" && op != "!=" && op != "<=" && op != ">=" {
				if w, ok := n.X.(*syntax.Word); ok && isName(w.Lit()) {
					names = append(names, w.Lit())
				}
			}
		}
		return true
	})
	return names
}

// oneLineCommand reports whether a command writes its output in one
// write: echo or printf, whose output a shell writes at once (lines
// shorter than its buffer, which log lines are).
func oneLineCommand(words []*syntax.Word) bool {
	words, _ = unwrap(words)
	if len(words) == 0 {
		return false
	}
	switch name, _ := litValue(words[0]); name {
	case "echo", "printf":
		return true
	}
	return false
}
