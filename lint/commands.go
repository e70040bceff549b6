package lint

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// call walks a simple command: assignments, or a command with arguments
// (its substitutions are already walked).
func (a *analyzer) call(ce *syntax.CallExpr, c ctx, s *syntax.Stmt) {
	if len(ce.Args) == 0 {
		for _, as := range ce.Assigns {
			if as.Name != nil {
				a.assign(as, c)
			}
		}
		return
	}
	a.callWords(ce.Args, c, s)
}

// callWords runs the command made of words: a function, a builtin that
// matters (wait, set, read, kill), a command that runs other commands
// (flock, xargs, parallel, sh -c, eval), or one whose files are known.
func (a *analyzer) callWords(words []*syntax.Word, c ctx, s *syntax.Stmt) {
	words, _ = unwrap(words)
	if len(words) == 0 {
		return
	}
	name, _ := litValue(words[0])
	args := words[1:]
	at := c.at(words[0].Pos())
	switch name {
	case "wait", "kill", "disown", "test", "[", "echo", "printf", "true", ":":
	default:
		a.handedPids(args, c)
	}
	if fd, ok := a.funcs[name]; ok {
		a.callFunc(fd, args, c)
		return
	}
	switch name {
	case "wait":
		a.waitCmd(args, c, at)
	case "set":
		a.setCmd(args)
	case "read", "mapfile", "readarray", "getopts":
		for _, n := range readNames(words) {
			if len(c.loops) > 0 {
				a.bind(n, value{kind: kVarying})
			} else {
				a.bind(n, a.once(value{kind: kDynamic}, c))
			}
		}
	case "printf":
		if names := readNames(words); len(names) > 0 {
			a.bind(names[0], value{kind: kDynamic})
			return
		}
		a.produce(c, at, "printf", false)
	case "echo":
		a.produce(c, at, "echo", false)
	case "kill", "disown":
		a.killCmd(name, args, c)
	case "trap":
		a.trapCmd(args, c)
	case "eval":
		a.evalCmd(args, c, at)
	case "sh", "bash", "dash", "ksh", "zsh", "ash", "mksh":
		a.shellCmd(args, c)
	case "flock":
		a.flockCmd(args, c, s)
	case "lockf", "lckdo", "with-lock-ex", "dotlockfile":
		ops, _ := parseArgs(args, "t", true)
		if len(ops) > 1 {
			lc := c
			lc.setLock(true)
			a.callWords(ops[1:], lc, s)
		}
	case "krun":
		a.krunCmd(args, c, at, s)
	case "sem":
		a.semCmd(args, c, s)
	case "parallel":
		a.parallelCmd(args, c, at)
	case "xargs":
		a.xargsCmd(args, c, at)
	case "source", ".":
		if len(args) > 0 {
			a.read(args[0], c, "sources")
		}
	case "test", "[":
		a.testArgs(args, c)
	default:
		a.fileCommand(name, args, c, at)
	}
}

// callFunc follows a call of a shell function: its body runs here, with
// its arguments as $1...
func (a *analyzer) callFunc(fd *syntax.FuncDecl, args []*syntax.Word, c ctx) {
	if fd == nil || fd.Name == nil || fd.Body == nil {
		return
	}
	name := fd.Name.Value
	if a.calling[name] > 0 || a.budget <= 0 || c.depth >= maxDepth {
		return
	}
	a.budget--
	a.calling[name]++
	defer func() { a.calling[name]-- }()
	a.called[name] = true
	fc := c
	fc.pos = &positional{}
	for _, w := range args {
		fc.pos.args = append(fc.pos.args, a.eval(w, c))
	}
	fc.depth++
	fc.tail = c.tail || c.checked || c.statusUsed
	fc.checked, fc.statusUsed = false, false
	fc.posVarying = false
	a.stmt(fd.Body, fc)
}

// assign binds a variable, and remembers the ones that keep pids ($!).
func (a *analyzer) assign(as *syntax.Assign, c ctx) {
	name := as.Name.Value
	v := value{kind: kConst}
	var words []*syntax.Word
	if as.Value != nil {
		words = append(words, as.Value)
	}
	if as.Array != nil {
		for _, e := range as.Array.Elems {
			if e.Value != nil {
				words = append(words, e.Value)
			}
		}
	}
	for i, w := range words {
		if i > 0 {
			v = combine(v, value{kind: kConst, key: " "})
		}
		v = combine(v, a.eval(w, c))
	}
	var rs []string
	for _, w := range words {
		rs = append(rs, refs(w)...)
	}
	self := slices.Contains(rs, name)
	if slices.Contains(rs, "!") {
		for _, j := range c.scope.last {
			a.holders[name] = append(a.holders[name], j)
			j.pidVars[name] = true
		}
		if as.Append || as.Index != nil || self || len(words) > 1 {
			a.manyPids[name] = true
		}
	}
	for _, w := range words {
		if mentionsJobs(w) {
			a.allJobs[name] = true
		}
	}
	v = a.once(v, c)
	switch {
	case (self || as.Append || as.Index != nil) && len(c.loops) > 0:
		v = value{kind: kVarying}
	case as.Append || as.Index != nil:
		v = combine(a.lookup(name), v)
		if v.kind == kConst {
			v.kind = kFixed
		}
	}
	a.bind(name, v)
}

// setCmd follows set -e / set +e / set -o errexit.
func (a *analyzer) setCmd(args []*syntax.Word) {
	for i, w := range args {
		lit, ok := litValue(w)
		if !ok || lit == "--" || lit == "-" {
			return
		}
		if lit == "-o" || lit == "+o" {
			if i+1 < len(args) && args[i+1].Lit() == "errexit" {
				a.errexit = lit == "-o"
			}
			continue
		}
		if len(lit) > 1 && (lit[0] == '-' || lit[0] == '+') && strings.Contains(lit[1:], "e") {
			a.errexit = lit[0] == '-'
		}
	}
}

// testArgs records the files of [ -f FILE ] and test -e FILE.
func (a *analyzer) testArgs(args []*syntax.Word, c ctx) {
	for i := 0; i+1 < len(args); i++ {
		if op, ok := litValue(args[i]); ok && isFileTest(op) {
			a.read(args[i+1], c, "tests")
			i++
		}
	}
}

// flockCmd follows flock FILE CMD, flock FILE -c STRING; flock FD alone
// takes the lock for the statements after it (see lockEffect).
func (a *analyzer) flockCmd(args []*syntax.Word, c ctx, s *syntax.Stmt) {
	ops, flags := parseArgs(args, flockSpec, true)
	lc := c
	lc.setLock(true)
	if v, ok := flags["-c"]; ok && v.word != nil {
		a.shellString(v.word, nil, lc, true)
		return
	}
	if v, ok := flags["--command"]; ok && v.word != nil {
		a.shellString(v.word, nil, lc, true)
		return
	}
	if len(ops) < 2 {
		return
	}
	if l, _ := litValue(ops[1]); (l == "-c" || l == "--command") && len(ops) > 2 {
		a.shellString(ops[2], nil, lc, true)
		return
	}
	a.callWords(ops[1:], lc, s)
}

// semCmd follows GNU parallel's sem: with one slot (the default) it is a
// mutex around its command.
func (a *analyzer) semCmd(args []*syntax.Word, c ctx, s *syntax.Stmt) {
	ops, _ := parseArgs(args, semSpec, true)
	if len(ops) == 0 {
		return
	}
	lc := c
	lc.setLock(semSlots(args, "1") == "1")
	if len(ops) == 1 {
		a.shellString(ops[0], nil, lc, true)
		return
	}
	a.callWords(ops, lc, s)
}

// krunCmd follows krun lock, krun append, krun sem and a krun command line.
func (a *analyzer) krunCmd(args []*syntax.Word, c ctx, at loc, s *syntax.Stmt) {
	if len(args) == 0 {
		return
	}
	sub, _ := litValue(args[0])
	lc := c
	lc.setLock(true)
	switch sub {
	case "lock":
		ops, _ := parseArgs(args[1:], " --timeout", true)
		if len(ops) > 1 {
			a.callWords(commandAfterDashes(ops[1:]), lc, s)
		}
		return
	case "append":
		ops, _ := parseArgs(args[1:], " --lock-file --timeout", false)
		if len(ops) > 0 {
			a.write(ops[0], lc, "appends to", true, false)
		}
		return
	case "sem":
		ops, _ := parseArgs(args[1:], semSpec, true)
		lc.setLock(semSlots(args[1:], "1") == "1")
		a.callWords(commandAfterDashes(ops), lc, s)
		return
	case "version", "completion", "lint", "help":
		return
	}
	a.templateCmd("krun", krunSpec, args, c, at)
}

// commandAfterDashes drops a leading "--".
func commandAfterDashes(words []*syntax.Word) []*syntax.Word {
	if len(words) > 0 && words[0].Lit() == "--" {
		return words[1:]
	}
	return words
}
