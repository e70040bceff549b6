package lint

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file follows what happens to the exit status of background jobs:
// wait, kill, disown, trap; and reports the statuses that are lost (KL004).

// scopeJobs returns the jobs the shell s started.
func (a *analyzer) scopeJobs(s *scope) []*job {
	var mine []*job
	for _, j := range a.jobs {
		if j.scope == s {
			mine = append(mine, j)
		}
	}
	return mine
}

// resolve returns the jobs whose pids a wait or kill operand names. all is
// true when it cannot tell which (a job spec, $(jobs -p), a variable with
// an unknown pid): the operand then stands for every job of the shell.
// many is true when the operand expands to several pids.
func (a *analyzer) resolve(w *syntax.Word, c ctx) (jobs []*job, all, many bool) {
	if _, ok := litValue(w); ok {
		return nil, true, false // %1, %%, a pid number
	}
	if mentionsJobs(w) {
		return nil, true, true
	}
	syntax.Walk(w, func(n syntax.Node) bool {
		p, ok := n.(*syntax.ParamExp)
		if !ok || p.Param == nil {
			return true
		}
		name := p.Param.Value
		switch {
		case name == "!":
			if len(c.scope.last) > 0 {
				jobs = append(jobs, c.scope.last...)
			} else {
				all = true
			}
		case a.allJobs[name]:
			all = true
		case len(a.holders[name]) > 0:
			jobs = append(jobs, a.holders[name]...)
			if a.manyPids[name] && !singleElement(p) {
				many = true
			}
		default:
			all = true
		}
		return true
	})
	if len(jobs) == 0 {
		all = true
	}
	return jobs, all, many
}

// singleElement reports whether ${a[i]} picks one element (not @ or *).
func singleElement(p *syntax.ParamExp) bool {
	if p.Index == nil {
		return false
	}
	if w, ok := p.Index.(*syntax.Word); ok {
		l := w.Lit()
		return l != "@" && l != "*"
	}
	return true
}

// waitCmd follows wait, wait -n, wait PID...: the jobs it ends, and
// whether their status is checked.
func (a *analyzer) waitCmd(args []*syntax.Word, c ctx, at loc) {
	anyN := false
	var ops []*syntax.Word
	for i := 0; i < len(args); i++ {
		lit, ok := litValue(args[i])
		if ok && len(ops) == 0 && strings.HasPrefix(lit, "-") && lit != "-" {
			if lit == "--" {
				ops = append(ops, args[i+1:]...)
				break
			}
			if strings.Contains(lit, "n") {
				anyN = true
			}
			if strings.Contains(lit, "p") && i+1 < len(args) {
				i++ // -p VAR
			}
			continue
		}
		ops = append(ops, args[i])
	}
	checked := c.checked || c.statusUsed || c.tail || a.errexit
	mine := a.scopeJobs(c.scope)
	if len(ops) == 0 {
		if anyN {
			// wait -n: one job, which one is not known.
			for _, j := range mine {
				if checked {
					j.collected = true
				} else if !j.uncheckedWait.valid() {
					j.uncheckedWait = at
				}
			}
			return
		}
		// A bare wait ends every job, and returns 0 whatever they did.
		a.removeActive(mine)
		for _, j := range mine {
			if !j.bareWait.valid() {
				j.bareWait = at
			}
		}
		return
	}
	for i, w := range ops {
		jobs, all, many := a.resolve(w, c)
		if all {
			jobs = mine
		}
		if !anyN {
			a.removeActive(jobs)
		}
		last := i == len(ops)-1
		for k, j := range jobs {
			lastOfMany := all || !many || (k == len(jobs)-1 && !j.isMulti())
			switch {
			case !checked:
				if !j.uncheckedWait.valid() {
					j.uncheckedWait = at
				}
			case anyN:
				j.collected = true
			case !last || !lastOfMany:
				if !j.manyWait.valid() {
					j.manyWait = at
				}
			default:
				j.collected = true
			}
		}
	}
}

// handedPids follows pids given to a command (wait_for_exit "$pid",
// taskset -p, a function of the script): the script manages those jobs
// its own way, so when they end and what becomes of their status cannot
// be told.
func (a *analyzer) handedPids(args []*syntax.Word, c ctx) {
	for _, w := range args {
		var jobs []*job
		for _, r := range refs(w) {
			switch {
			case r == "!":
				jobs = append(jobs, c.scope.last...)
			default:
				jobs = append(jobs, a.holders[r]...)
			}
		}
		for _, j := range jobs {
			j.exempt = true
		}
		a.removeActive(jobs)
	}
}

// savedPids follows pids written somewhere (a here-document into a pid
// file): someone else manages those jobs.
func (a *analyzer) savedPids(w *syntax.Word, c ctx) {
	if w == nil {
		return
	}
	for _, r := range refs(w) {
		if r == "!" {
			for _, j := range c.scope.last {
				j.exempt = true
			}
		}
		for _, j := range a.holders[r] {
			j.exempt = true
		}
	}
}

// killCmd follows kill PID and disown: jobs someone kills or disowns are
// managed on purpose, and their status is nobody's concern.
func (a *analyzer) killCmd(name string, args []*syntax.Word, c ctx) {
	ops, flags := parseArgs(args, "sn", false)
	if name == "disown" && (len(ops) == 0 || flags.has("-a") || flags.has("-r")) {
		if len(ops) == 0 && !flags.has("-a") && !flags.has("-r") {
			for _, j := range c.scope.last {
				j.exempt = true
			}
			return
		}
		for _, j := range a.scopeJobs(c.scope) {
			j.exempt = true
		}
		return
	}
	for _, w := range ops {
		for _, r := range refs(w) {
			a.killed[r] = true
		}
		jobs, all, _ := a.resolve(w, c)
		if all {
			jobs = a.scopeJobs(c.scope)
		}
		for _, j := range jobs {
			j.exempt = true
		}
		if name == "kill" {
			a.removeActive(jobs) // killed, and usually waited for next
		}
	}
}

// trapCmd follows trap 'kill $pid' EXIT: the jobs whose pid variables the
// handler kills are managed on purpose.
func (a *analyzer) trapCmd(args []*syntax.Word, c ctx) {
	if len(args) == 0 {
		return
	}
	handler, ok := litValue(args[0])
	if !ok {
		// trap "kill $pid" EXIT: expanded now; the variables still say
		// which jobs.
		if strings.Contains(a.print(args[0]), "kill") {
			for _, r := range refs(args[0]) {
				a.killed[r] = true
			}
		}
		return
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(handler), "")
	if err != nil {
		return
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		ce, ok := n.(*syntax.CallExpr)
		if !ok || len(ce.Args) == 0 || ce.Args[0].Lit() != "kill" {
			return true
		}
		for _, w := range ce.Args[1:] {
			for _, r := range refs(w) {
				if r != "!" {
					a.killed[r] = true
				}
			}
		}
		return true
	})
}

// lostFailures reports the jobs whose exit status nothing checks.
func (a *analyzer) lostFailures() {
	for _, j := range a.jobs {
		if j.virtual || j.collected || j.exempt || j.library || a.killedJob(j) {
			continue
		}
		var msg string
		switch {
		case j.manyWait.valid():
			msg = fmt.Sprintf("the wait at line %d is given several pids and returns the status of the last one only, so this background job's failure is lost", j.manyWait.line)
		case j.uncheckedWait.valid():
			msg = fmt.Sprintf("the wait at line %d collects this background job's exit status but nothing checks it", j.uncheckedWait.line)
		case j.bareWait.valid():
			msg = fmt.Sprintf("the bare wait at line %d returns 0 whatever the jobs did, so this background job's exit status is lost", j.bareWait.line)
		case !j.isMulti():
			// Started once and never waited for: a daemon, a browser
			// started on purpose? Cannot tell it is a mistake.
			continue
		default:
			msg = "nothing waits for this background job, so its exit status is lost"
		}
		if j.errexit {
			msg += " (set -e does not cover background jobs)"
		}
		a.report(LostFailure, Warning, j.at, msg, a.fixLost(j))
	}
}

// killedJob reports whether one of j's pid variables is killed.
func (a *analyzer) killedJob(j *job) bool {
	for v := range j.pidVars {
		if a.killed[v] {
			return true
		}
	}
	return false
}
