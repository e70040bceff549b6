package output

import (
	"io"
	"strings"
	"testing"

	"github.com/krun-dev/krun/runner"
)

// TestLatestLinesRows: each running job has a row with its latest line
// (the line being written, else the last complete one), in job order,
// control characters made spaces; an ended job's row goes.
func TestLatestLinesRows(t *testing.T) {
	t.Parallel()
	var out, errs syncBuffer
	lines := NewLatestLines()
	s := LatestTap(New(Options{Stdout: &out, Stderr: &errs}), lines)
	b := s.Begin(&runner.Job{Seq: 2, Args: []string{"b"}})
	a := s.Begin(&runner.Job{Seq: 1, Args: []string{"x", "y"}, Tag: "A"})
	io.WriteString(a.Stdout(), "one\ntwo\n")
	io.WriteString(b.Stderr(), "par")
	io.WriteString(b.Stderr(), "tial\tx\x1b[31m")
	if got := strings.Join(lines.Rows(), "|"); got != "A two|b partial x [31m" {
		t.Errorf("rows %q", got)
	}
	io.WriteString(b.Stderr(), "\n")
	if got := strings.Join(lines.Rows(), "|"); got != "A two|b partial x [31m" {
		t.Errorf("after the newline: rows %q", got)
	}
	a.End(runner.Status{})
	if got := strings.Join(lines.Rows(), "|"); got != "b partial x [31m" {
		t.Errorf("after job 1 ended: rows %q", got)
	}
	b.End(runner.Status{})
	s.Close()
	if out.String() != "one\ntwo\n" || errs.String() != "partial\tx\x1b[31m\n" {
		t.Errorf("output changed: %q %q", out.String(), errs.String())
	}
	long := strings.Repeat("z", 3*maxLatestLine)
	part, line := nextLines(nil, nil, []byte(long))
	if len(part) != maxLatestLine || line != nil {
		t.Errorf("a long line keeps %d bytes", len(part))
	}
}

// TestProgressRowsFit: rows are cut to less than the terminal's width (a
// full row would wrap at the last column) and their number to its height
// less the progress line and one, the last row counting the rest.
func TestProgressRowsFit(t *testing.T) {
	t.Parallel()
	p := &Progress{opt: ProgressOptions{Width: 10, Height: 5}}
	rows := p.fitRows([]string{"short", "a row that is too long", "3", "4", "5"})
	want := []string{"short", "a row th>", "... 3 mo>"}
	if strings.Join(rows, "|") != strings.Join(want, "|") {
		t.Errorf("rows %q, want %q", rows, want)
	}
	p.opt.Height = 24
	if rows := p.fitRows([]string{"ééééééééééé"}); rows[0] != "éééééééé>" {
		t.Errorf("cut by characters, not bytes: %q", rows[0])
	}
}
