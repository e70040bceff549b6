package lint

import "mvdan.cc/sh/v3/syntax"

// This file recognises the shapes of statements that matter to the
// statements around them, without walking them: cd, exec with
// redirections, reads of $?, jobs nobody waits for on purpose.

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
