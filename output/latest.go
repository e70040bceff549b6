package output

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/krun-dev/krun/runner"
)

// LatestLines keeps the latest output line of every running job, for
// --latest-line's live rows on a terminal ([ProgressOptions.Rows]). Its
// methods are safe for concurrent use.
type LatestLines struct {
	mu   sync.Mutex
	rows map[int64]*latestRow
}

// latestRow is one running job's row.
type latestRow struct {
	label string // the job's tag, or its arguments
	line  []byte // the latest complete line, or the line being written
	part  []byte // the line being written, not yet ended
}

// NewLatestLines returns an empty set of rows.
func NewLatestLines() *LatestLines { return &LatestLines{rows: map[int64]*latestRow{}} }

// Rows returns one row per running job, in job order: its label, a
// space, and its latest line, tabs and control characters made spaces.
func (l *LatestLines) Rows() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	seqs := make([]int64, 0, len(l.rows))
	for seq := range l.rows {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	rows := make([]string, len(seqs))
	for i, seq := range seqs {
		r := l.rows[seq]
		line := r.line
		if len(r.part) > 0 {
			line = r.part
		}
		rows[i] = printable(r.label) + " " + printable(string(line))
	}
	return rows
}

// printable makes text safe to draw on one terminal row: control
// characters (tabs, escapes, carriage returns) become spaces, invalid
// UTF-8 becomes U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
}

func (l *LatestLines) begin(job *runner.Job) {
	label := job.Tag
	if label == "" {
		label = strings.Join(job.Args, " ")
	}
	l.mu.Lock()
	l.rows[job.Seq] = &latestRow{label: label}
	l.mu.Unlock()
}

// write takes bytes a job wrote.
func (l *LatestLines) write(seq int64, p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rows[seq]
	if r == nil {
		return
	}
	r.part, r.line = nextLines(r.part, r.line, p)
}

// nextLines is the line being written and the latest complete line after
// p is written (a line longer than maxLatestLine keeps its start).
func nextLines(part, line, p []byte) ([]byte, []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			part = appendCapped(part, p)
			break
		}
		line = appendCapped(part, p[:i])
		part = nil
		p = p[i+1:]
	}
	return part, line
}

// maxLatestLine bounds what is kept of one line: more than a terminal
// row shows.
const maxLatestLine = 4096

func appendCapped(b, p []byte) []byte {
	if room := maxLatestLine - len(b); room < len(p) {
		p = p[:max(room, 0)]
	}
	return append(slices.Clip(b), p...)
}

func (l *LatestLines) end(seq int64) {
	l.mu.Lock()
	delete(l.rows, seq)
	l.mu.Unlock()
}

// LatestTap wraps a sink so that lines keeps every running job's latest
// line; the output itself goes on to inner unchanged.
func LatestTap(inner Sink, lines *LatestLines) Sink {
	return &latestTap{Sink: inner, lines: lines}
}

type latestTap struct {
	Sink
	lines *LatestLines
}

func (s *latestTap) Begin(job *runner.Job) runner.JobOutput {
	s.lines.begin(job)
	return &tappedOutput{JobOutput: s.Sink.Begin(job), lines: s.lines, seq: job.Seq}
}

type tappedOutput struct {
	runner.JobOutput
	lines *LatestLines
	seq   int64
}

func (o *tappedOutput) Stdout() io.Writer { return tapWriter{o, o.JobOutput.Stdout()} }
func (o *tappedOutput) Stderr() io.Writer { return tapWriter{o, o.JobOutput.Stderr()} }

func (o *tappedOutput) End(st runner.Status) error {
	o.lines.end(o.seq)
	return o.JobOutput.End(st)
}

type tapWriter struct {
	o *tappedOutput
	w io.Writer
}

func (t tapWriter) Write(p []byte) (int, error) {
	t.o.lines.write(t.o.seq, p)
	return t.w.Write(p)
}

// LatestOnly wraps a sink for --latest-line off a terminal, as GNU
// parallel 20221122 leaves it there: of each job's standard output and
// standard error only the last line is written, when the job ends (GNU
// parallel's rows of latest lines, once its updates are drawn).
func LatestOnly(inner Sink) Sink { return &latestOnly{Sink: inner} }

type latestOnly struct{ Sink }

func (s *latestOnly) Begin(job *runner.Job) runner.JobOutput {
	return &lastLineOutput{JobOutput: s.Sink.Begin(job)}
}

// lastLineOutput keeps the last line of each stream.
type lastLineOutput struct {
	runner.JobOutput
	out, errs lastLine
}

func (o *lastLineOutput) Stdout() io.Writer { return &o.out }
func (o *lastLineOutput) Stderr() io.Writer { return &o.errs }

func (o *lastLineOutput) Discard() {
	o.out.reset()
	o.errs.reset()
	o.JobOutput.Discard()
}

func (o *lastLineOutput) End(st runner.Status) error {
	var err error
	if l, ok := o.out.last(); ok {
		_, err = o.JobOutput.Stdout().Write(append(l, '\n'))
	}
	if l, ok := o.errs.last(); ok && err == nil {
		_, err = o.JobOutput.Stderr().Write(append(l, '\n'))
	}
	if eerr := o.JobOutput.End(st); err == nil {
		err = eerr
	}
	return err
}

// lastLine is a writer that keeps the last line written to it. Each
// stream has one writer goroutine.
type lastLine struct {
	part, line []byte
	any        bool
}

func (l *lastLine) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l.any = true
	}
	l.part, l.line = nextLines(l.part, l.line, p)
	return len(p), nil
}

func (l *lastLine) reset() { *l = lastLine{} }

// last is the last line: the unterminated end, else the last complete
// line; ok is false when nothing was written.
func (l *lastLine) last() ([]byte, bool) {
	if len(l.part) > 0 {
		return l.part, true
	}
	return l.line, l.any
}
