package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file finds the variables a piece of code assigns, without walking
// it: a loop's variables differ from one iteration to the next.

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
