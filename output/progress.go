package output

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/krun-dev/krun/runner"
)

// Progress draws a live progress line (--progress, --bar, --eta) at the
// bottom of a terminal, below the jobs' output and never inside it: every
// write of krun's own streams to that terminal first erases the line, and
// the line is drawn again only where the output left the cursor at the
// start of a line. It draws the line itself: a progress line needs no
// library (the one krun used before linked an HTTP client and TLS into the
// binary, which every krun start paid for). It is a runner.Observer; its
// methods are safe for concurrent use.
type Progress struct {
	mu    sync.Mutex
	tty   io.Writer // the terminal the line is drawn on (krun's stderr)
	opt   ProgressOptions
	start time.Time
	spin  int
	line  []byte // the latest rendering
	drawn bool   // the line is on the screen now
	// rows is how many terminal rows the drawn block takes (--latest-line
	// rows above the line).
	rows, drawnRows int
	midLine         bool // the output left the cursor inside a line
	closed          bool

	counts sync.Mutex
	done   int
	failed int
	stop   chan struct{} // ends the redraw ticker
	ticker sync.WaitGroup
}

// progressTick is how often the line is brought up to date.
const progressTick = 150 * time.Millisecond

// ProgressOptions configures [NewProgress].
type ProgressOptions struct {
	// Total is the number of jobs, or -1 when unknown (streamed input).
	Total int64
	// Bar draws a bar; otherwise only counts.
	Bar bool
	// ETA shows the estimated time left (needs Total).
	ETA bool
	// Rows, when set, gives rows drawn above the progress line (the
	// running jobs' latest lines of --latest-line); NoLine draws them
	// without the line. Width and Height are the terminal's size (0:
	// unknown), to cut rows to one screen line each and to show no more
	// rows than fit.
	Rows          func() []string
	NoLine        bool
	Width, Height int
}

// NewProgress returns a Progress drawing on tty.
func NewProgress(tty io.Writer, o ProgressOptions) *Progress {
	p := &Progress{tty: tty, opt: o, start: time.Now(), stop: make(chan struct{})}
	p.show(0, 0)
	// Jobs may finish thousands a second: the line is redrawn on a tick,
	// not on every job, and still moves while a long job runs.
	p.ticker.Add(1)
	go p.tick()
	return p
}

// tick brings the line up to date until Close.
func (p *Progress) tick() {
	defer p.ticker.Done()
	t := time.NewTicker(progressTick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		p.counts.Lock()
		done, failed := p.done, p.failed
		p.counts.Unlock()
		p.show(done, failed) // the elapsed time moves even when no job ends
	}
}

// spinner are the frames of the line when the total is unknown.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// show renders the line for done jobs (failed of them) and draws it.
func (p *Progress) show(done, failed int) {
	var lines []string
	if p.opt.Rows != nil {
		lines = p.fitRows(p.opt.Rows())
	}
	if !p.opt.NoLine {
		lines = append(lines, p.render(done, failed, time.Since(p.start)))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Erased and drawn again in full: the number of rows changes.
	p.erase()
	p.line = []byte(strings.Join(lines, "\n\x1b[K"))
	p.rows = len(lines)
	p.draw()
}

// fitRows cuts each row to the terminal's width and keeps as many as fit
// its height, the last one saying how many more there are.
func (p *Progress) fitRows(rows []string) []string {
	width, height := p.opt.Width, p.opt.Height
	if width <= 0 {
		width = 80
	}
	width = max(width, 4)
	if height <= 0 {
		height = 24
	}
	if most := max(height-2, 1); len(rows) > most {
		more := len(rows) - most + 1
		rows = append(rows[:most-1:most-1], fmt.Sprintf("... %d more running", more))
	}
	for i, r := range rows {
		if n := utf8.RuneCountInString(r); n >= width {
			rs := []rune(r)
			rows[i] = string(rs[:width-2]) + ">"
		}
	}
	return rows
}

// render is the line: "krun  50% |█████     | (3/6) [1s:1s]", with a bar
// when the total is known (30 wide for --bar, 10 for --progress), the
// time left with --eta, and a spinner and "(3/-)" when it is not known.
func (p *Progress) render(done, failed int, elapsed time.Duration) string {
	var b strings.Builder
	b.WriteString("krun")
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	total := p.opt.Total
	if total < 0 {
		p.spin = (p.spin + 1) % len(spinner)
		fmt.Fprintf(&b, " %s (%d/-) [%s]", spinner[p.spin], done, roundSeconds(elapsed))
		return b.String()
	}
	width := 10
	if p.opt.Bar {
		width = 30
	}
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	full := int(frac * float64(width))
	fmt.Fprintf(&b, " %3d%% |%s%s| (%d/%d) [%s", int(frac*100), strings.Repeat("█", full), strings.Repeat(" ", width-full), done, total, roundSeconds(elapsed))
	if p.opt.ETA && done > 0 && int64(done) < total {
		left := time.Duration(float64(elapsed) / float64(done) * float64(total-int64(done)))
		fmt.Fprintf(&b, ":%s", roundSeconds(left))
	}
	b.WriteString("]")
	return b.String()
}

// roundSeconds shows a duration in whole seconds: 0s, 42s, 3m5s.
func roundSeconds(d time.Duration) string { return d.Round(time.Second).String() }

// Observe counts finished jobs.
func (p *Progress) Observe(e runner.Event) {
	if e.Kind != runner.EventFinish {
		return
	}
	p.counts.Lock()
	defer p.counts.Unlock()
	p.done++
	if e.Status.Failed() {
		p.failed++
	}
}

// Wrap returns a writer to w, which shows on the same terminal, that keeps
// the progress line out of the way.
func (p *Progress) Wrap(w io.Writer) io.Writer { return screenWriter{p, w} }

// Close stops the updates and erases the progress line for good.
func (p *Progress) Close() {
	close(p.stop)
	p.ticker.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	p.closed = true
}

// erase removes the line from the screen. p.mu must be held.
func (p *Progress) erase() {
	if p.drawn {
		io.WriteString(p.tty, "\r\x1b[K"+strings.Repeat("\x1b[1A\x1b[K", max(p.drawnRows-1, 0)))
		p.drawn = false
	}
}

// draw puts the line on the screen if the cursor is at a line start.
// p.mu must be held.
func (p *Progress) draw() {
	if p.closed || p.midLine || len(p.line) == 0 {
		return
	}
	p.tty.Write(append([]byte("\r\x1b[K"), p.line...))
	p.drawn, p.drawnRows = true, p.rows
}

// screenWriter writes output to the terminal around the progress line.
type screenWriter struct {
	p *Progress
	w io.Writer
}

func (s screenWriter) Write(b []byte) (int, error) {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	n, err := s.w.Write(b)
	if n > 0 {
		p.midLine = b[n-1] != '\n'
	}
	p.draw()
	return n, err
}
