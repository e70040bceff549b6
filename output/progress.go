package output

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/krun-dev/krun/runner"
)

// Progress draws a live progress line (--progress, --bar, --eta) at the
// bottom of a terminal, below the jobs' output and never inside it: every
// write of krun's own streams to that terminal first erases the line, and
// the line is drawn again only where the output left the cursor at the
// start of a line. Rendering is done by github.com/schollz/progressbar.
// It is a runner.Observer; its methods are safe for concurrent use.
type Progress struct {
	mu      sync.Mutex
	tty     io.Writer // the terminal the line is drawn on (krun's stderr)
	bar     *progressbar.ProgressBar
	line    []byte // the latest rendering, without carriage returns
	drawn   bool   // the line is on the screen now
	midLine bool   // the output left the cursor inside a line
	closed  bool

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
}

// NewProgress returns a Progress drawing on tty.
func NewProgress(tty io.Writer, o ProgressOptions) *Progress {
	p := &Progress{tty: tty, stop: make(chan struct{})}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(barWriter{p}),
		progressbar.OptionSetDescription("krun"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(o.ETA && o.Total > 0),
		progressbar.OptionSetRenderBlankState(true),
	}
	switch {
	case o.Total < 0:
		opts = append(opts, progressbar.OptionSpinnerType(14))
	case o.Bar:
		opts = append(opts, progressbar.OptionSetWidth(30))
	default:
		opts = append(opts, progressbar.OptionSetWidth(10))
	}
	p.bar = progressbar.NewOptions64(o.Total, opts...)
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
	shown, shownFailed := -1, -1
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		p.counts.Lock()
		done, failed := p.done, p.failed
		p.counts.Unlock()
		if done == shown && failed == shownFailed {
			continue
		}
		if failed != shownFailed && failed > 0 {
			p.bar.Describe(fmt.Sprintf("krun (%d failed)", failed))
		}
		p.bar.Set(done)
		shown, shownFailed = done, failed
	}
}

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
		io.WriteString(p.tty, "\r\x1b[K")
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
	p.drawn = true
}

// barWriter receives the library's renderings.
type barWriter struct{ p *Progress }

func (b barWriter) Write(r []byte) (int, error) {
	p := b.p
	p.mu.Lock()
	defer p.mu.Unlock()
	line := bytes.ReplaceAll(r, []byte("\r"), nil)
	line = bytes.ReplaceAll(line, []byte("\x1b[J"), nil)
	if len(bytes.TrimSpace(line)) > 0 {
		p.line = bytes.TrimRight(line, " ")
		p.draw()
	}
	return len(r), nil
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
