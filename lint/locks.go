package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file recognises the ways scripts take locks: flock on a
// descriptor or a file, krun lock and append, mkdir, ln and noclobber
// creates, a sem with one slot.

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
	return isParamOnly(w)
}
