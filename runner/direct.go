package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// directExec runs simple commands without a shell. A command qualifies
// when the shell parser finds it is one plain command, a program and
// words, with nothing a shell would expand (no variables, substitutions,
// globs, tildes, braces, redirections, assignments), and the program is
// not a builtin of the shell: then exec'ing the program with those words
// is what the shell would do, minus a fork and an exec. The environment
// gets what the shell would add (PWD; for bash SHLVL and _), and anything
// unusual (program not found, not executable) goes through the shell, so
// the result, messages included, is the shell's.
type directExec struct {
	kind  string // "dash" or "bash": the shells whose behaviour is mirrored
	pwd   string
	paths sync.Map // program name → path, or "" when not found
	pool  sync.Pool
	// bashFuncs are the names of functions exported to bash in the
	// environment, which bash would run instead of a program.
	bashFuncs map[string]bool
	// prefix is the argv of a template whose arguments are appended, when
	// it is one plain command: each job's argv is prefix and its arguments,
	// with no parsing per job (they are quoted words in that case).
	prefix []string
}

// newDirectExec returns the direct path for shell, or nil when shell is
// not one whose behaviour krun mirrors. tmpl may be nil.
func newDirectExec(shell string, env []string, tmpl *Template) *directExec {
	real, err := filepath.EvalSymlinks(shell)
	if err != nil {
		return nil
	}
	kind := filepath.Base(real)
	if kind != "dash" && kind != "bash" {
		return nil
	}
	pwd, err := os.Getwd() // $PWD when it names the directory, as shells do
	if err != nil {
		return nil
	}
	d := &directExec{kind: kind, pwd: pwd, bashFuncs: map[string]bool{}}
	d.pool.New = func() any { return syntax.NewParser(syntax.Variant(syntax.LangBash)) }
	if tmpl != nil {
		d.prefix = d.appendedArgv(tmpl)
	}
	for _, kv := range env {
		if name, ok := strings.CutPrefix(kv, "BASH_FUNC_"); ok {
			if i := strings.Index(name, "%%="); i >= 0 {
				d.bashFuncs[name[:i]] = true
			}
		}
	}
	return d
}

// shellBuiltins are builtins of dash or bash: the shell would run its own
// code rather than a program of that name.
var shellBuiltins = map[string]bool{}

func init() {
	for _, b := range strings.Fields(`. : [ alias bg bind break builtin caller cd command compgen complete
		compopt continue declare dirs disown echo enable eval exec exit export false fc fg getopts
		hash help history jobs kill let local logout mapfile popd printf pushd pwd read readarray
		readonly return set shift shopt source suspend test times trap true type typeset ulimit
		umask unalias unset wait`) {
		shellBuiltins[b] = true
	}
}

// appendedArgv returns the argv before the arguments of a template whose
// arguments are appended, when each argument then is simply one more word:
// the template parsed with a word after it must give its own words and
// that word (not so after "echo #", "echo \\" or "a |").
func (d *directExec) appendedArgv(tmpl *Template) []string {
	text, ok := tmpl.appendedPrefix()
	if !ok {
		return nil
	}
	const probe = "__KRUN_ARG__"
	with, ok1 := d.argv(text + " " + probe)
	alone, ok2 := d.argv(text)
	if !ok1 || !ok2 || len(with) != len(alone)+1 || with[len(alone)] != probe || !slices.Equal(with[:len(alone)], alone) {
		return nil
	}
	return alone
}

// program returns what to exec for a job's command without a shell, or
// false when the command needs one. args are the job's arguments.
func (d *directExec) program(command string, args []string, env []string) (program, bool) {
	var argv []string
	ok := false
	if d.prefix != nil {
		argv, ok = append(append(make([]string, 0, len(d.prefix)+len(args)), d.prefix...), args...), true
	} else {
		argv, ok = d.argv(command)
	}
	if !ok || !d.sameAsBuiltin(argv) {
		return program{}, false
	}
	path := d.lookPath(argv[0])
	if path == "" {
		return program{}, false // let the shell say "not found"
	}
	penv, ok := d.env(env, path)
	if !ok {
		return program{}, false
	}
	return program{path: path, argv: argv, env: penv}, true
}

// argv parses command and returns its words when it is one plain command.
func (d *directExec) argv(command string) ([]string, bool) {
	p := d.pool.Get().(*syntax.Parser)
	defer d.pool.Put(p)
	file, err := p.Parse(strings.NewReader(command), "")
	if err != nil || len(file.Stmts) != 1 || len(file.Last) > 0 {
		return nil, false
	}
	st := file.Stmts[0]
	if st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(st.Comments) > 0 {
		return nil, false
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	argv := make([]string, 0, len(call.Args))
	for _, w := range call.Args {
		s, ok := literalWord(w)
		if !ok {
			return nil, false
		}
		argv = append(argv, s)
	}
	return argv, true
}

// literalWord returns the value of a word that is only literal text, after
// quote removal: quoted text, and unquoted text without characters a shell
// expands. It reports false for any other word.
func literalWord(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			// bash expands a tilde after = and : too (a=~/x), so any
			// unquoted tilde goes to the shell.
			if strings.ContainsAny(p.Value, "*?[{~") {
				return "", false
			}
			unescape(&b, p.Value, "")
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", false
			}
			for _, q := range p.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				unescape(&b, lit.Value, "$`\"\\\n")
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unescape writes s with its backslashes removed as the shell removes them:
// before any character when special is "" (unquoted text), else only
// before the characters in special (double quotes). A backslash before a
// newline removes both.
func unescape(b *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		next := s[i+1]
		switch {
		case next == '\n':
			i++
		case special == "" || strings.IndexByte(special, next) >= 0:
			b.WriteByte(next)
			i++
		default:
			b.WriteByte(c)
		}
	}
}

// sameAsBuiltin reports whether running the program gives what the shell
// would: always for programs that are not builtins; for true and false
// unless asked for --help or --version (which only coreutils' answer), and
// for echo when no argument is an option or has a backslash (dash's echo
// reads escapes, coreutils' does not).
func (d *directExec) sameAsBuiltin(argv []string) bool {
	name := argv[0]
	if d.kind == "bash" && d.bashFuncs[name] {
		return false
	}
	if !shellBuiltins[name] {
		return true
	}
	switch name {
	case "true", "false":
		return len(argv) != 2 || (argv[1] != "--help" && argv[1] != "--version")
	case "echo":
		for _, a := range argv[1:] {
			if strings.HasPrefix(a, "-") || strings.Contains(a, `\`) {
				return false
			}
		}
		return true
	}
	return false
}

// lookPath finds a program as the shell would, through $PATH, once per
// name; "" when it is not found or found only relative to ".".
func (d *directExec) lookPath(name string) string {
	if v, ok := d.paths.Load(name); ok {
		return v.(string)
	}
	path, err := exec.LookPath(name)
	if err != nil || !filepath.IsAbs(path) && !strings.Contains(name, "/") {
		path = ""
	}
	d.paths.Store(name, path)
	return path
}

// env adds to env what the shell would export to its command: PWD, and
// for bash SHLVL and _ (the program's path). It reports false for a SHLVL
// whose handling by bash krun does not mirror (not 0 to 998 as plain
// digits): then the shell runs the command.
func (d *directExec) env(env []string, path string) ([]string, bool) {
	out := make([]string, 0, len(env)+3)
	shlvl := ""
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, "PWD="), d.kind == "bash" && strings.HasPrefix(kv, "_="):
			continue
		case d.kind == "bash" && strings.HasPrefix(kv, "SHLVL="):
			shlvl = kv[len("SHLVL="):]
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "PWD="+d.pwd)
	if d.kind == "bash" {
		switch n, err := strconv.Atoi(shlvl); {
		case shlvl == "":
			shlvl = "0" // bash -c exports 0 when SHLVL was unset
		case err != nil || n < 0 || n > 998 || strconv.Itoa(n) != shlvl:
			return nil, false
		}
		out = append(out, "SHLVL="+shlvl, "_="+path)
	}
	return out, true
}
