package lint

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file writes the suggested fixes: where the loop has the usual shape
// (for x in LIST or while read x < FILE, around one background command),
// the whole loop as one krun command line; else the smallest change.

// krunLine renders the loop that starts j as one krun command, or returns
// "" when the loop does more than start j.
func (a *analyzer) krunLine(j *job) string {
	if j == nil || j.virtual || j.stmt == nil || j.loop == nil || j.loop.stmt == nil || j.parent != nil {
		return ""
	}
	var varName, sources string
	var body []*syntax.Stmt
	switch x := j.loop.node.(type) {
	case *syntax.ForClause:
		it, ok := x.Loop.(*syntax.WordIter)
		if !ok {
			return ""
		}
		varName, body = it.Name.Value, x.Do
		if !it.InPos.IsValid() {
			sources = `::: "$@"`
		} else {
			if len(it.Items) == 0 {
				return ""
			}
			items := make([]string, len(it.Items))
			for i, w := range it.Items {
				items[i] = a.print(w)
			}
			sources = "::: " + strings.Join(items, " ")
		}
	case *syntax.WhileClause:
		if x.Until || len(x.Cond) != 1 {
			return ""
		}
		name, ok := readVar(x.Cond[0])
		if !ok {
			return ""
		}
		varName, body = name, x.Do
		var in *syntax.Redirect
		for _, r := range j.loop.stmt.Redirs {
			if r.Op == syntax.RdrIn && r.N == nil {
				in = r
			} else {
				return ""
			}
		}
		if in == nil {
			return ""
		}
		sources = ":::: " + a.print(in.Word)
	default:
		return ""
	}
	for _, s := range body {
		if s != j.stmt && !bookkeeping(s) {
			return ""
		}
	}
	cmd := *j.stmt
	cmd.Background, cmd.Semicolon, cmd.Comments = false, syntax.Pos{}, nil
	cmd.Redirs = nil
	var opts, after string
	for _, r := range j.stmt.Redirs {
		if (r.Op == syntax.AppOut || r.Op == syntax.RdrOut) && (r.N == nil || r.N.Value == "1") && a.sharedTarget(j, r) {
			if r.Op == syntax.AppOut {
				opts += "--append " + a.print(r.Word) + " "
			} else {
				after = " > " + a.print(r.Word)
			}
			continue
		}
		cmd.Redirs = append(cmd.Redirs, r)
	}
	text := replaceVar(a.print(&cmd), varName)
	if !strings.Contains(text, "{}") || strings.ContainsAny(text, "$`") {
		return "" // the command uses other variables, which krun's shell would not see
	}
	if strings.ContainsAny(text, "|&;<>()\"'\\*?[]#~") {
		text = "'" + strings.ReplaceAll(text, "'", `'\''`) + "'"
	}
	return "krun " + opts + text + " " + sources + after
}

// sharedTarget reports whether redirection r of j writes a file every
// copy of j shares.
func (a *analyzer) sharedTarget(j *job, r *syntax.Redirect) bool {
	for _, acc := range j.accesses {
		if acc.redir == r {
			return acc.path.kind == kConst || acc.path.kind == kFixed
		}
	}
	return false
}

// readVar recognises "read VAR" and "read -r VAR" (IFS= too).
func readVar(s *syntax.Stmt) (string, bool) {
	ce, ok := s.Cmd.(*syntax.CallExpr)
	if !ok || s.Negated || len(s.Redirs) > 0 || len(ce.Args) < 2 || ce.Args[0].Lit() != "read" {
		return "", false
	}
	for _, as := range ce.Assigns {
		if as.Name == nil || as.Name.Value != "IFS" {
			return "", false
		}
	}
	var name string
	for _, w := range ce.Args[1:] {
		switch l := w.Lit(); {
		case l == "-r":
		case isName(l) && name == "":
			name = l
		default:
			return "", false
		}
	}
	return name, name != ""
}

// bookkeeping reports whether a loop statement only tracks jobs (pids+=($!),
// a wait -n throttle), which krun does itself.
func bookkeeping(s *syntax.Stmt) bool {
	ok := true
	syntax.Walk(s, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Redirect:
			if w, isLit := litValue(n.Word); !isLit || w != "/dev/null" {
				if n.Op != syntax.DplOut && n.Op != syntax.DplIn {
					ok = false
				}
			}
		case *syntax.CallExpr:
			if len(n.Args) == 0 {
				for _, as := range n.Assigns {
					if as.Name == nil || !refersTo(as, "!") {
						ok = false
					}
				}
				return ok
			}
			switch n.Args[0].Lit() {
			case "wait", "jobs", "wc", "test", "[", "sleep", "true", ":":
			default:
				ok = false
			}
		case *syntax.Stmt:
			if n.Background {
				ok = false
			}
		}
		return ok
	})
	return ok
}

func refersTo(as *syntax.Assign, name string) bool {
	for _, r := range refs(as) {
		if r == name {
			return true
		}
	}
	return false
}

// replaceVar puts krun's {} where the loop variable was.
func replaceVar(text, name string) string {
	for _, form := range []string{`"${` + name + `}"`, `"$` + name + `"`, "${" + name + "}"} {
		text = strings.ReplaceAll(text, form, "{}")
	}
	var b strings.Builder
	form := "$" + name
	for {
		i := strings.Index(text, form)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(form)
		if end < len(text) && (text[end] == '_' || isAlnum(text[end])) {
			b.WriteString(text[:end])
			text = text[end:]
			continue
		}
		b.WriteString(text[:i])
		b.WriteString("{}")
		text = text[end:]
	}
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// fixWrite suggests the fix for a shared write.
func (a *analyzer) fixWrite(code Code, j *job, w *access) string {
	switch code {
	case ReadModifyWrite:
		return fmt.Sprintf("hold one lock from the read to the write: krun lock %s.lock -- sh -c '...', or ( flock 9; ...; ) 9>%s.lock", w.word, w.word)
	case SharedTemp:
		return `give each job its own file: tmp=$(mktemp) inside the job, and rm -f "$tmp" when it is done`
	}
	if j.virtual {
		return fmt.Sprintf("give each input its own file and concatenate them afterwards, or let krun append whole blocks under a lock: krun --append %s COMMAND ::: ...", w.word)
	}
	if line := a.krunLine(topJob(j)); line != "" {
		return line
	}
	if w.append && w.stmt != nil && w.redir != nil {
		if fix := a.pipeToAppend(w); fix != "" {
			return fix
		}
	}
	return fmt.Sprintf("append through a lock (CMD | krun append %s, or flock), or give each job its own file and concatenate them after wait", w.word)
}

// pipeToAppend rewrites "cmd >> f &" as "cmd | krun append f &".
func (a *analyzer) pipeToAppend(w *access) string {
	s := *w.stmt
	if _, ok := s.Cmd.(*syntax.CallExpr); !ok {
		return ""
	}
	s.Background, s.Semicolon, s.Comments, s.Redirs = false, syntax.Pos{}, nil, nil
	for _, r := range w.stmt.Redirs {
		if r != w.redir {
			s.Redirs = append(s.Redirs, r)
		}
	}
	text := a.print(&s) + " | krun append " + w.word
	if w.stmt.Background {
		text += " &"
	}
	return text
}

// topJob returns the outermost job around j.
func topJob(j *job) *job {
	for j != nil && j.parent != nil {
		j = j.parent
	}
	return j
}

// fixFanout suggests a cap.
func (a *analyzer) fixFanout(j *job) string {
	if line := a.krunLine(j); line != "" {
		return line + "   # at most one job per CPU; -j N to choose"
	}
	return `cap the jobs: run the loop as one krun command (krun -j N COMMAND ::: ITEMS), or wait for a free slot before each &: while [ "$(jobs -rp | wc -l)" -ge N ]; do wait -n; done`
}

// fixLost suggests how to collect the exit status.
func (a *analyzer) fixLost(j *job) string {
	if line := a.krunLine(j); line != "" {
		return line + "   # exits non-zero when a job fails"
	}
	return `keep each pid and check every one: pids+=($!) after the &, then for p in "${pids[@]}"; do wait "$p" || fail=1; done`
}

// fixMixed suggests grouped output.
func (a *analyzer) fixMixed(j *job) string {
	if j.virtual && j.tool == "xargs -P" {
		return "use krun instead of xargs -P: it writes each job's output as one block (... | krun -j N COMMAND)"
	}
	if j.virtual {
		return "drop -u (--ungroup): grouped output writes each job's output as one block"
	}
	if line := a.krunLine(topJob(j)); line != "" {
		return line + "   # each job's output comes out as one block"
	}
	return "run the jobs with krun, which writes each job's output as one block (krun COMMAND ::: ITEMS), or send each job's output to a file of its own"
}
