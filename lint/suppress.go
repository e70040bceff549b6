package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// directivePrefix starts a suppression comment:
//
//	cmd >> log &   # krun-lint disable=KL001
//	# krun-lint disable=KL003,lost-failure
//	for f in *; do ...; done
//
// A directive after code on a line silences findings on that line; a
// directive on a line of its own silences findings in the whole statement
// that follows it (a loop, a function, a subshell). "all" silences every
// code.
const directivePrefix = "krun-lint"

// suppressions holds the directives of one script.
type suppressions struct {
	// byLine: the codes silenced on each line ("" for all).
	byLine map[int][]Code
}

// newSuppressions collects the directives in file and works out the lines
// each one covers.
func newSuppressions(file *syntax.File, src []byte) *suppressions {
	s := &suppressions{byLine: map[int][]Code{}}
	lines := strings.Split(string(src), "\n")
	// stmtEnd: for each line where a statement starts, the last line of
	// the longest statement starting there.
	stmtEnd := map[int]int{}
	var directives []syntax.Comment
	syntax.Walk(file, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			start, end := int(n.Pos().Line()), int(n.End().Line())
			if end > stmtEnd[start] {
				stmtEnd[start] = end
			}
		case *syntax.Comment:
			if _, ok := parseDirective(n.Text); ok {
				directives = append(directives, *n)
			}
		}
		return true
	})
	for _, c := range directives {
		codes, _ := parseDirective(c.Text)
		line := int(c.Hash.Line())
		col := int(c.Hash.Col())
		if line < 1 {
			continue
		}
		s.byLine[line] = append(s.byLine[line], codes...)
		if line > len(lines) || !onlySpace(prefixBytes(lines[line-1], col-1)) {
			continue // after code: this line only
		}
		// On a line of its own: the next statement, past blank lines and
		// further comments.
		next := line + 1
		for next <= len(lines) && isBlankOrComment(lines[next-1]) {
			next++
		}
		end, ok := stmtEnd[next]
		if !ok {
			continue
		}
		for l := next; l <= end; l++ {
			s.byLine[l] = append(s.byLine[l], codes...)
		}
	}
	return s
}

// parseDirective reads "krun-lint disable=KL001,KL003" from the text of a
// comment (after the #). Unknown codes are ignored; "all" stands for every
// code and is returned as "".
func parseDirective(text string) ([]Code, bool) {
	f := strings.Fields(text)
	if len(f) < 2 || f[0] != directivePrefix || !strings.HasPrefix(f[1], "disable=") {
		return nil, false
	}
	var codes []Code
	for _, name := range strings.Split(strings.TrimPrefix(f[1], "disable="), ",") {
		if strings.EqualFold(name, "all") {
			codes = append(codes, "")
		} else if c, ok := ParseCode(name); ok {
			codes = append(codes, c)
		}
	}
	return codes, len(codes) > 0
}

// filter returns the findings that no directive silences.
func (s *suppressions) filter(found []Finding) []Finding {
	var kept []Finding
	for _, f := range found {
		silenced := false
		for _, c := range s.byLine[f.Line] {
			if c == "" || c == f.Code {
				silenced = true
				break
			}
		}
		if !silenced {
			kept = append(kept, f)
		}
	}
	return kept
}

func prefixBytes(line string, n int) string {
	if n > len(line) {
		n = len(line)
	}
	if n < 0 {
		n = 0
	}
	return line[:n]
}

func onlySpace(s string) bool { return strings.TrimSpace(s) == "" }

func isBlankOrComment(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || strings.HasPrefix(t, "#")
}
