package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// redirects applies a statement's redirections: files read and written,
// and where its output goes. The returned context holds the new streams.
func (a *analyzer) redirects(rs []*syntax.Redirect, c ctx, s *syntax.Stmt) ctx {
	for _, r := range rs {
		fd := -1
		if r.N != nil {
			if !isDigits(r.N.Value) {
				a.substs(r.Word, c)
				continue // {var}>file: a descriptor for later
			}
			fd = atoi(r.N.Value)
		}
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob,
			syntax.RdrAll, syntax.AppAll, syntax.RdrAllClob, syntax.AppAllClob:
			if fd > 2 {
				// 200>lock: a descriptor opened for flock, or for
				// writes that go through >&200 later.
				a.substs(r.Word, c)
				continue
			}
			if fd < 0 {
				fd = 1
			}
			c = a.redirectOut(r, fd, c, s)
		case syntax.RdrIn, syntax.RdrInOut:
			a.substs(r.Word, c)
			if fd > 0 {
				continue
			}
			if target, ok := litValue(r.Word); ok && strings.HasPrefix(target, "/dev/") {
				continue
			}
			if isProcSubst(r.Word) {
				continue
			}
			a.record(&access{kind: accRead, path: a.pathValue(r.Word, c), word: a.print(r.Word), at: c.at(r.OpPos), verb: "reads"}, c)
		case syntax.DplOut:
			if fd < 0 {
				fd = 1
			}
			target, ok := litValue(r.Word)
			if !ok || (!isDigits(target) && target != "-") {
				// >& file in bash is &> file.
				if ok || !isParamOnly(r.Word) {
					c = a.redirectOut(r, 3, c, s)
				}
				continue
			}
			var to *stream
			switch target {
			case "1":
				to = c.stdout
			case "2":
				to = c.stderr
			}
			switch fd {
			case 1:
				c.stdout = to
			case 2:
				c.stderr = to
			}
		case syntax.Hdoc, syntax.DashHdoc:
			a.substs(r.Hdoc, c)
			a.savedPids(r.Hdoc, c)
		case syntax.WordHdoc:
			a.substs(r.Word, c)
		}
	}
	return c
}

// redirectOut applies > FILE and friends to descriptor fd (3: both 1 and
// 2, as &>).
func (a *analyzer) redirectOut(r *syntax.Redirect, fd int, c ctx, s *syntax.Stmt) ctx {
	a.substs(r.Word, c)
	target, lit := litValue(r.Word)
	var to *stream
	switch {
	case lit && target == "/dev/null":
		to = nil
	case lit && (target == "/dev/stdout" || target == "/dev/fd/1"):
		to = c.stdout
	case lit && (target == "/dev/stderr" || target == "/dev/fd/2"):
		to = c.stderr
	case lit && strings.HasPrefix(target, "/dev/"):
		to = a.device(target)
	case isProcSubst(r.Word):
		to = &stream{what: "a process substitution", owner: c.job}
	default:
		app := r.Op == syntax.AppOut || r.Op == syntax.AppAll || r.Op == syntax.AppClob || r.Op == syntax.AppAllClob
		verb := "writes"
		if app {
			verb = "appends to"
		}
		word := a.print(r.Word)
		a.record(&access{
			kind: accWrite, path: a.pathValue(r.Word, c), word: word, at: c.at(r.OpPos),
			verb: verb, append: app, redir: r, stmt: s,
			// echo "line" >> log: one write with O_APPEND, which lands
			// whole at the end of the file whatever else appends.
			atomic: app && c.oneLine && fd != 2,
		}, c)
		to = &stream{what: word, owner: c.job, shown: true}
	}
	switch {
	case fd == 3 || r.Op == syntax.RdrAll || r.Op == syntax.AppAll || r.Op == syntax.RdrAllClob || r.Op == syntax.AppAllClob:
		c.stdout, c.stderr = to, to
	case fd == 1:
		c.stdout = to
	case fd == 2:
		c.stderr = to
	}
	return c
}

// device returns the stream of a device file: one per device, whoever
// opens it; a terminal is shown.
func (a *analyzer) device(path string) *stream {
	if s, ok := a.devices[path]; ok {
		return s
	}
	s := &stream{what: path, shown: strings.HasPrefix(path, "/dev/tty") || path == "/dev/console" || strings.HasPrefix(path, "/dev/pts/")}
	a.devices[path] = s
	return s
}

func isProcSubst(w *syntax.Word) bool {
	if w == nil || len(w.Parts) != 1 {
		return false
	}
	_, ok := w.Parts[0].(*syntax.ProcSubst)
	return ok
}

// isParamOnly reports whether a word is just $x or "$x" (>&$fd).
func isParamOnly(w *syntax.Word) bool {
	if w == nil || len(w.Parts) != 1 {
		return false
	}
	switch p := w.Parts[0].(type) {
	case *syntax.ParamExp:
		return true
	case *syntax.DblQuoted:
		if len(p.Parts) == 1 {
			_, ok := p.Parts[0].(*syntax.ParamExp)
			return ok
		}
	}
	return false
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
