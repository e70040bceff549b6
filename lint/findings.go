package lint

import (
	"fmt"
	"strings"
)

// Code identifies a kind of finding. Codes are stable: once published, a
// code keeps its meaning and is never reused or renumbered.
type Code string

// The codes krun lint reports.
const (
	// SharedWrite: background jobs (or the copies of one job started in a
	// loop) write the same file, with no lock held.
	SharedWrite Code = "KL001"
	// ReadModifyWrite: a background job reads a file and writes it back
	// while other copies of it, or other jobs, do the same.
	ReadModifyWrite Code = "KL002"
	// UnboundedFanout: a loop starts a background job per iteration with
	// nothing that caps how many run at once.
	UnboundedFanout Code = "KL003"
	// LostFailure: the exit status of a background job is never collected
	// by a wait whose status is checked.
	LostFailure Code = "KL004"
	// SharedTemp: background jobs write the same fixed path under /tmp or
	// $TMPDIR.
	SharedTemp Code = "KL005"
	// MixedOutput: several background jobs write many lines of output to
	// the same terminal or file at once.
	MixedOutput Code = "KL006"
)

// codeInfo describes a code: its readable name and default severity.
type codeInfo struct {
	name     string
	severity Severity
	summary  string
}

// info returns what is known about c; ok is false for an unknown code.
func (c Code) info() (codeInfo, bool) {
	switch c {
	case SharedWrite:
		return codeInfo{"shared-write", Error, "background jobs write the same file with no lock held"}, true
	case ReadModifyWrite:
		return codeInfo{"read-modify-write", Error, "background jobs read a file and write it back, concurrently"}, true
	case UnboundedFanout:
		return codeInfo{"unbounded-fanout", Warning, "a loop starts background jobs with no cap on how many run at once"}, true
	case LostFailure:
		return codeInfo{"lost-failure", Warning, "the exit status of a background job is never checked"}, true
	case SharedTemp:
		return codeInfo{"shared-tmp", Error, "background jobs write the same fixed path under /tmp or $TMPDIR"}, true
	case MixedOutput:
		return codeInfo{"mixed-output", Warning, "background jobs write to the same output at once"}, true
	}
	return codeInfo{}, false
}

// Name returns the readable name of the code, such as "shared-write", or
// "" for an unknown code.
func (c Code) Name() string {
	i, _ := c.info()
	return i.name
}

// Summary returns a one-line description of what the code means.
func (c Code) Summary() string {
	i, _ := c.info()
	return i.summary
}

// Codes returns every code, in order.
func Codes() []Code {
	return []Code{SharedWrite, ReadModifyWrite, UnboundedFanout, LostFailure, SharedTemp, MixedOutput}
}

// ParseCode accepts a code ("KL001") or its name ("shared-write"), in any
// case, and returns the code.
func ParseCode(s string) (Code, bool) {
	for _, c := range Codes() {
		if strings.EqualFold(s, string(c)) || strings.EqualFold(s, c.Name()) {
			return c, true
		}
	}
	return "", false
}

// Severity says how sure and how serious a finding is.
type Severity int

const (
	// Note: something the linter cannot tell statically (a path built at
	// run time, eval). Notes are shown but do not count as findings for
	// the exit status.
	Note Severity = iota
	// Warning: a mistake that loses information or resources (an exit
	// status, a cap on jobs, readable output) but not data.
	Warning
	// Error: a race that can corrupt or lose data.
	Error
)

func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Finding is one mistake found in a script.
type Finding struct {
	Code     Code
	Severity Severity
	File     string // the name given to Lint
	Line     int    // 1-based
	Col      int    // 1-based, in bytes
	Message  string // one sentence
	Fix      string // the suggested rewrite: a krun command or a small change
}

// Pos returns the position of f as "file:line:col".
func (f Finding) Pos() string { return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Col) }
