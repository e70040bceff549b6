package lint

import (
	"bytes"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Limits that keep the analysis linear on hostile input: how many function
// bodies and inner scripts (sh -c, eval, xargs, parallel) are followed in
// all, and how deeply they may nest.
const (
	maxInlines = 400
	maxDepth   = 12
	// maxActive bounds the jobs one new job is compared with, and
	// maxRunning the jobs kept as running; a real script has a handful
	// running at any point.
	maxActive  = 256
	maxRunning = 1024
	// maxJobs bounds the jobs of one script: past it, a & starts no
	// new job in the analysis.
	maxJobs = 4096
)

// loc is a position in the linted file.
type loc struct{ line, col int }

func (l loc) valid() bool { return l.line > 0 }

// analyzer holds the state of one run over one script.
type analyzer struct {
	name string
	file *syntax.File
	src  []byte

	funcs   map[string]*syntax.FuncDecl
	order   []string        // function names in order of declaration
	called  map[string]bool // functions followed from a call
	calling map[string]int  // functions being followed now (no recursion)
	budget  int             // inlines left

	vars    map[string]*binding // the variables, as far as they are known
	nextID  int
	seq     int  // access counter: orders reads before writes
	errexit bool // set -e is on

	jobs   []*job // every job started, in order
	active []*job // jobs that may be running at this point of the walk

	// holders: variables that hold the pids of jobs ($! saved); allJobs:
	// variables that hold every pid ($(jobs -p)); manyPids: variables
	// that hold several pids (arrays, appended lists).
	holders   map[string][]*job
	allJobs   map[string]bool
	manyPids  map[string]bool
	killed    map[string]bool // pid variables given to kill, disown or a trap
	terminal  *stream         // the script's own standard output
	devices   map[string]*stream
	errStream *stream // and standard error

	findings []Finding
	reported map[reportKey]bool
	printer  *syntax.Printer
}

// scope is one shell process: the main script, a subshell, a background
// job's own shell. A bare wait collects the jobs its own shell started.
type scope struct {
	parent *scope
	last   []*job // the jobs $! may refer to: one, or one per branch of an if
}

// job is a background job (cmd &), or the copies of a command that xargs
// -P, parallel or krun runs at once (virtual).
type job struct {
	id      int
	at      loc
	stmt    *syntax.Stmt // the & statement; nil when virtual
	parent  *job         // the job this one was started in
	scope   *scope       // the shell that started it
	own     *scope       // its own shell
	loop    *loop        // the innermost loop it was started in (its shell's)
	multi   bool         // copies of it run at once
	virtual bool
	tool    string // for a virtual job: "xargs -P", "parallel", "krun"
	errexit bool   // set -e was on when it started
	library bool   // started in a function nobody calls: the caller waits
	exempt  bool   // nohup, setsid, sleep, disowned: nobody wants its status

	accesses []*access // its files, and those of the jobs it started
	outputs  []*output // its output to descriptors it inherited
	pidVars  map[string]bool
	ix       *fileIndex // index of accesses, built for ixLen of them
	ixLen    int

	collected     bool
	bareWait      loc // a bare wait reached it
	uncheckedWait loc // a wait with its pid whose status nobody checks
	manyWait      loc // a wait with several pids, of which it is not the last
}

// within reports whether j is k or was started inside k.
func (j *job) within(k *job) bool {
	for ; j != nil; j = j.parent {
		if j == k {
			return true
		}
	}
	return false
}

// isMulti reports whether copies of j run at once: it or a job it runs in
// was started in a loop and outlives an iteration.
func (j *job) isMulti() bool {
	for ; j != nil; j = j.parent {
		if j.multi {
			return true
		}
	}
	return false
}

// loop is a for, while or until loop of the shell being walked.
type loop struct {
	at      loc
	stmt    *syntax.Stmt
	node    syntax.Command
	capped  bool // something in it limits the jobs running at once
	bounded bool // a short literal list: the fan-out is bounded
	started []*job
}

// stream is where a file descriptor writes: the terminal, a file opened
// once, a pipe. Jobs writing to the same stream mix their output.
type stream struct {
	what  string
	owner *job // the job whose redirection opened it; nil for the main shell
	// shown: a terminal or a file, which people read. Output mixed in a
	// pipe or $(...) goes to code (sort, grep -c) that may not mind.
	shown bool
}

// accessKind is what a command does to a file.
type accessKind uint8

const (
	accRead  accessKind = iota // reads it, or tests that it exists
	accWrite                   // writes, appends, truncates or replaces it
)

// access is one read or write of a file by a job.
type access struct {
	kind   accessKind
	path   value
	word   string // the path as written in the script
	at     loc
	locked bool
	seq    int
	verb   string           // "appends to", "writes", ...
	append bool             // >> or tee -a
	job    *job             // the innermost job it belongs to
	redir  *syntax.Redirect // the redirection that writes it, if one does
	stmt   *syntax.Stmt     // the statement of that redirection
	weak   bool             // touch: only counts as part of a read-modify-write
	atomic bool             // one short line appended in one write: never torn
	note   string           // for a dynamic path: why it cannot be told
}

// output is a command writing to a descriptor its job inherited.
type output struct {
	stream *stream
	at     loc
	what   string
	job    *job
}

func newAnalyzer(name string, file *syntax.File, src []byte) *analyzer {
	a := &analyzer{
		name:     name,
		file:     file,
		src:      src,
		funcs:    map[string]*syntax.FuncDecl{},
		called:   map[string]bool{},
		calling:  map[string]int{},
		budget:   maxInlines,
		vars:     map[string]*binding{},
		holders:  map[string][]*job{},
		allJobs:  map[string]bool{},
		manyPids: map[string]bool{},
		killed:   map[string]bool{},
		reported: map[reportKey]bool{},
		devices:  map[string]*stream{},
		printer:  syntax.NewPrinter(syntax.SingleLine(true), syntax.SpaceRedirects(true)),
	}
	a.terminal = &stream{what: "standard output", shown: true}
	a.errStream = &stream{what: "standard error", shown: true}
	syntax.Walk(file, func(n syntax.Node) bool {
		if fd, ok := n.(*syntax.FuncDecl); ok && fd.Name != nil && fd.Body != nil {
			if _, dup := a.funcs[fd.Name.Value]; !dup {
				a.funcs[fd.Name.Value] = fd
				a.order = append(a.order, fd.Name.Value)
			}
		}
		return true
	})
	return a
}

// run walks the script, then the functions it never calls, then reports
// the jobs whose exit status was lost.
func (a *analyzer) run() {
	a.errexit = shebangErrexit(a.src)
	top := a.topCtx()
	top.tail = true
	a.stmts(a.file.Stmts, top)
	for _, name := range a.order {
		if a.called[name] {
			continue
		}
		// A library function: analysed as if called once; its caller,
		// elsewhere, is the one that waits.
		lib := a.topCtx()
		lib.library = true
		lib.tail = true
		a.active = nil
		a.callFunc(a.funcs[name], nil, lib)
	}
	a.lostFailures()
}

// topCtx is the context of the script's main shell.
func (a *analyzer) topCtx() ctx {
	return ctx{scope: &scope{}, stdout: a.terminal, stderr: a.errStream}
}

// report adds a finding, once per code and position (a function called
// twice is walked twice). Writes share one family: a position gets only
// the first of KL001, KL002 and KL005.
func (a *analyzer) report(code Code, sev Severity, at loc, msg, fix string) {
	key := keyOf(code, at)
	if a.reported[key] || !at.valid() {
		return
	}
	a.reported[key] = true
	a.findings = append(a.findings, Finding{
		Code: code, Severity: sev, File: a.name, Line: at.line, Col: at.col,
		Message: flat(msg), Fix: flat(fix),
	})
}

// reportKey is what report dedups on: a position and a code, where the
// three codes of shared writes count as one.
type reportKey struct {
	family Code
	at     loc
}

func keyOf(code Code, at loc) reportKey {
	if code == ReadModifyWrite || code == SharedTemp {
		code = SharedWrite
	}
	return reportKey{code, at}
}

// isReported tells whether a finding of code's family is already at at:
// a cheap test before the message is built.
func (a *analyzer) isReported(code Code, at loc) bool {
	return a.reported[keyOf(code, at)]
}

// flat keeps a message on one line: a path may hold a newline.
func flat(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// print returns the shell text of a node on one line.
func (a *analyzer) print(n syntax.Node) string {
	var b bytes.Buffer
	if err := a.printer.Print(&b, n); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

// shebangErrexit reports whether the first line is a shebang that turns
// on errexit, like "#!/bin/bash -e".
func shebangErrexit(src []byte) bool {
	line, _, _ := bytes.Cut(src, []byte("\n"))
	if !bytes.HasPrefix(line, []byte("#!")) {
		return false
	}
	fields := strings.Fields(string(line[2:]))
	if len(fields) < 2 {
		return false
	}
	for _, f := range fields[1:] {
		if strings.HasPrefix(f, "-") && !strings.HasPrefix(f, "--") && strings.Contains(f, "e") {
			return true
		}
	}
	return false
}
