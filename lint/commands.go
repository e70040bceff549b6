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
				a.bind(n, value{kind: kDynamic})
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

// read records that the command reads file w.
func (a *analyzer) read(w *syntax.Word, c ctx, verb string) {
	if lit, ok := litValue(w); ok && (lit == "-" || strings.HasPrefix(lit, "/dev/")) {
		return
	}
	a.record(&access{kind: accRead, path: a.pathValue(w, c), word: a.print(w), at: c.at(w.Pos()), verb: verb}, c)
}

// write records that the command writes file w.
func (a *analyzer) write(w *syntax.Word, c ctx, verb string, app, weak bool) {
	if lit, ok := litValue(w); ok && (lit == "-" || strings.HasPrefix(lit, "/dev/")) {
		return
	}
	a.record(&access{kind: accWrite, path: a.pathValue(w, c), word: a.print(w), at: c.at(w.Pos()), verb: verb, append: app, weak: weak}, c)
}

// producers are commands that can write many lines to their standard
// output: run at once, their output mixes.
var producers = map[string]bool{
	"cat": true, "tac": true, "grep": true, "egrep": true, "fgrep": true, "zgrep": true,
	"rg": true, "ag": true, "find": true, "ls": true, "du": true, "df": true, "ps": true,
	"ping": true, "dig": true, "nslookup": true, "host": true, "head": true, "tail": true,
	"sed": true, "awk": true, "gawk": true, "mawk": true, "sort": true, "uniq": true,
	"cut": true, "jq": true, "yq": true, "column": true, "diff": true, "comm": true,
	"md5sum": true, "sha1sum": true, "sha256sum": true, "sha512sum": true, "cksum": true,
	"wc": true, "stat": true, "nmap": true, "traceroute": true, "tee": true,
	"curl": true, "wget": true, "ssh": true, "make": true, "go": true, "cargo": true,
	"npm": true, "yarn": true, "pytest": true, "mvn": true, "gradle": true,
	"terraform": true, "ansible": true, "ansible-playbook": true, "kubectl": true,
	"docker": true, "nl": true, "od": true, "xxd": true, "strings": true,
}

// fileCommand records the files a well-known command reads and writes,
// and whether it writes many lines of output.
func (a *analyzer) fileCommand(name string, args []*syntax.Word, c ctx, at loc) {
	heavy := producers[name]
	switch name {
	case "cat", "tac", "head", "tail", "wc", "nl", "md5sum", "sha1sum", "sha256sum", "sha512sum",
		"cksum", "paste", "comm", "diff", "cmp", "od", "xxd", "base64", "strings", "column", "zcat":
		ops, flags := parseArgs(args, "ncdsfwl --lines --bytes --delimiters --width", false)
		for _, w := range ops {
			a.read(w, c, "reads")
		}
		if name == "cmp" || (name == "diff" && (flags.has("-q") || flags.has("--brief"))) {
			heavy = false
		}
	case "cut":
		ops, _ := parseArgs(args, "bcdf --bytes --characters --delimiter --fields --output-delimiter", false)
		for _, w := range ops {
			a.read(w, c, "reads")
		}
	case "grep", "egrep", "fgrep", "zgrep", "rg":
		ops, flags := parseArgs(args, "efmABCdD --regexp --file --max-count --after-context --before-context --context --include --exclude --exclude-dir --label --color --colour", false)
		if !flags.has("-e") && !flags.has("-f") && !flags.has("--regexp") && !flags.has("--file") && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			a.read(w, c, "reads")
		}
		if flags.has("-q") || flags.has("--quiet") || flags.has("--silent") {
			heavy = false
		}
	case "awk", "gawk", "mawk":
		ops, flags := parseArgs(args, "fvF --file --assign --field-separator", false)
		if !flags.has("-f") && !flags.has("--file") && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			if l, ok := firstLit(w); ok && strings.Contains(l, "=") {
				continue // var=value
			}
			a.read(w, c, "reads")
		}
	case "sed":
		ops, flags := parseArgs(args, "efl --expression --file --line-length", false)
		if !flags.has("-e") && !flags.has("-f") && !flags.has("--expression") && !flags.has("--file") && len(ops) > 0 {
			ops = ops[1:]
		}
		inPlace := flags.has("-i") || flags.has("--in-place")
		for k := range flags {
			if strings.HasPrefix(k, "--in-place") {
				inPlace = true
			}
		}
		for _, w := range ops {
			a.read(w, c, "reads")
			if inPlace {
				a.write(w, c, "rewrites", false, false)
			}
		}
		if inPlace {
			heavy = false
		}
	case "sort":
		ops, flags := parseArgs(args, "oktST --output --key --field-separator --buffer-size --temporary-directory", false)
		for _, w := range ops {
			a.read(w, c, "reads")
		}
		for _, f := range []string{"-o", "--output"} {
			if v, ok := flags[f]; ok && v.word != nil {
				a.write(v.word, c, "writes", false, false)
				heavy = false
			}
		}
	case "uniq":
		ops, _ := parseArgs(args, "fsw --skip-fields --skip-chars --check-chars", false)
		if len(ops) > 0 {
			a.read(ops[0], c, "reads")
		}
		if len(ops) > 1 {
			a.write(ops[1], c, "writes", false, false)
			heavy = false
		}
	case "jq", "yq":
		ops, flags := parseArgs(args, "f --arg --argjson --slurpfile --rawfile --indent --from-file", false)
		if !flags.has("-f") && !flags.has("--from-file") && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			a.read(w, c, "reads")
		}
	case "tee":
		ops, flags := parseArgs(args, "", false)
		app := flags.has("-a") || flags.has("--append")
		verb := "writes"
		if app {
			verb = "appends to"
		}
		for _, w := range ops {
			a.write(w, c, verb+" (tee)", app, false)
		}
	case "mv", "cp", "install":
		ops, flags := parseArgs(args, "tSm --target-directory --suffix --mode", false)
		if flags.has("-t") || flags.has("--target-directory") || len(ops) < 2 {
			break
		}
		verb := "moves a file over"
		if name != "mv" {
			verb = "copies a file over"
		}
		dst := ops[len(ops)-1]
		if l, ok := litValue(dst); ok && strings.HasSuffix(l, "/") {
			break // into a directory
		}
		a.write(dst, c, verb, false, false)
	case "touch":
		ops, _ := parseArgs(args, "drt --date --reference", false)
		for _, w := range ops {
			a.write(w, c, "creates", false, true)
		}
	case "dd":
		for _, w := range args {
			if l, ok := firstLit(w); ok {
				switch {
				case strings.HasPrefix(l, "of="):
					a.write(restWord(w, 3), c, "writes", false, false)
				case strings.HasPrefix(l, "if="):
					a.read(restWord(w, 3), c, "reads")
				}
			}
		}
	case "curl":
		_, flags := parseArgs(args, "odHXuAebcmwTFxrKEhCYyzQt --output --data --data-raw --data-binary --data-urlencode --header --request --user --user-agent --referer --cookie --cookie-jar --max-time --connect-timeout --write-out --upload-file --form --proxy --range --config --cert --key --cacert --retry --retry-delay --limit-rate --resolve --json --url", false)
		for _, f := range []string{"-o", "--output"} {
			if v, ok := flags[f]; ok && v.word != nil {
				if v.text != "-" && v.text != "/dev/null" {
					a.write(v.word, c, "writes", false, false)
				}
				heavy = false
			}
		}
		if flags.has("-O") || flags.has("--remote-name") || flags.has("--remote-name-all") {
			heavy = false
		}
	case "wget":
		_, flags := parseArgs(args, "OoaPUetTwiQ --output-document --output-file --append-output --directory-prefix --user-agent --execute --tries --timeout --wait --input-file --quota", false)
		heavy = false
		for _, f := range []string{"-O", "--output-document"} {
			if v, ok := flags[f]; ok && v.word != nil {
				if v.text == "-" {
					heavy = true
				} else {
					a.write(v.word, c, "writes", false, false)
				}
			}
		}
	case "ssh":
		_, flags := parseArgs(args, "bcDEeFIiJLlmOoPpQRSWw", false)
		if flags.has("-f") || flags.has("-N") {
			heavy = false
		}
	}
	if heavy {
		a.produce(c, at, name, true)
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
