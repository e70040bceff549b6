package lint

import "mvdan.cc/sh/v3/syntax"

// ctx is what the walk knows about the place it is at: which job runs the
// code, in which loops, under a lock or not, where output goes. It is
// passed by value: a change applies to the code below only.
type ctx struct {
	job      *job    // the background job running this code; nil for the main shell
	scope    *scope  // the shell running this code
	loops    []*loop // the loops of this shell around the code, innermost last
	locked   bool    // a lock (flock, mkdir, krun lock) is held...
	lockedBy *job    // ...taken by this job (nil: the main shell)

	checked    bool // the exit status of this statement is used (if, ||, !)
	statusUsed bool // the next statement reads $?
	tail       bool // the last statement of the script, a function or a job: its status is passed on

	stdout, stderr *stream // where descriptors 1 and 2 go; nil when discarded

	pos          *positional // $1...; nil: the script's own arguments
	posVarying   bool        // shift or set -- in the loop: $1 differs per iteration
	tokens       []token     // text that stands for outer values in an inner script
	replacements bool        // {} and friends are per-job values (parallel, krun)
	cwd          *value      // the directory after a cd, if one happened
	oneLine      bool        // the command writes one line in one write (echo, printf)

	base    *loc // where an inner script's text starts in the file; nil for the file
	library bool // walking a function nobody calls
	depth   int  // nesting of function calls and inner scripts
}

// setLock records that the code below holds a lock, taken by the job
// running it, or not.
func (c *ctx) setLock(on bool) {
	c.locked, c.lockedBy = on, c.job
}

// holdsLock reports whether the code holds a lock that separates it from
// other jobs: one its own job took. A lock the script took before
// starting its jobs (exec 9>lock; flock -n 9) is held by all of them at
// once, through the descriptor they share, and separates none.
func (c ctx) holdsLock() bool { return c.locked && c.lockedBy == c.job }

// at maps a position of the syntax tree being walked to the file.
func (c ctx) at(p syntax.Pos) loc {
	if !p.IsValid() {
		if c.base != nil {
			return *c.base
		}
		return loc{}
	}
	line, col := int(p.Line()), int(p.Col())
	if c.base == nil {
		return loc{line, col}
	}
	if line == 1 {
		return loc{c.base.line, c.base.col + col - 1}
	}
	return loc{c.base.line + line - 1, col}
}

// inJobLoop reports whether the code runs in a loop inside its job, so
// that even echo writes many lines.
func (c ctx) inJobLoop() bool { return c.job != nil && len(c.loops) > 0 }
