package timeline

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Options control how a run is drawn. The zero value draws with the
// defaults.
type Options struct {
	// Width is the width of the picture in pixels; 0 means DefaultWidth.
	// Less than 400 is taken as 400.
	Width int
	// MaxBars is the bar budget. A run with more tries than this has its
	// narrow bars merged (see [Render]) until at most MaxBars bars are
	// drawn; 0 means DefaultMaxBars.
	MaxBars int
	// MaxRows is the most rows drawn: beyond it, neighbouring slots share a
	// row; 0 means DefaultMaxRows.
	MaxRows int
}

// The defaults of [Options].
const (
	DefaultWidth   = 1200
	DefaultMaxBars = 10000
	DefaultMaxRows = 200
)

// Geometry of the chart, in pixels.
const (
	labelWidth = 130 // the row labels, left of the plot
	rightPad   = 20
	plotTop    = 14 // room for the markers' heads
	maxRowH    = 22.0
	minRowH    = 2.4
	rowsHeight = 480.0 // the plot's height once rows are no longer maxRowH
	axisHeight = 22    // tick labels under the plot
	legendRow  = 22
)

// chart is a run laid out: everything the SVG needs, in pixels.
type chart struct {
	width, height float64
	plotX, plotW  float64
	plotH, rowH   float64
	barH          float64
	t0, span      int64 // the time at the plot's left edge, and its width in ns
	rows          []string
	items         []item
	marks         []markItem
	bands         []band
	ticks         []tick
	legend        []Outcome
	sum           summary
	// quantum is the width in pixels below which bars were merged; 0
	// when every try has its own bar. merged counts the tries drawn in
	// aggregated bars.
	quantum float64
	merged  int
	maxBars int
	// slotsPerRow is how many slots share a drawn row.
	slotsPerRow int
}

// item is one bar drawn: a try, or an aggregate of neighbouring tries.
type item struct {
	row     int
	x0, x1  float64
	outcome Outcome
	bar     *Bar       // the try, when the bar is one try
	agg     *aggregate // when it stands for several
}

// aggregate sums up the tries of an aggregated bar.
type aggregate struct {
	n              int
	counts         [numOutcomes]int
	minSeq, maxSeq int64
	busy           int64 // the tries' durations added up, ns
	start, end     int64
}

// markItem is one marker: halt or breaker events at one pixel column.
type markItem struct {
	x        float64
	kind     string
	messages []string // the first few
	n        int      // how many events
	time     int64    // of the first
}

// band is a time when the circuit breaker was open.
type band struct {
	x0, x1     float64
	start, end int64
	n          int    // how many openings it stands for
	message    string // of the first opening
}

type tick struct {
	x     float64
	label string
}

// layout places the run on the chart.
func layout(run *Run, opt Options) *chart {
	if opt.Width <= 0 {
		opt.Width = DefaultWidth
	}
	opt.Width = max(opt.Width, 400)
	if opt.MaxBars <= 0 {
		opt.MaxBars = DefaultMaxBars
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	c := &chart{width: float64(opt.Width), plotX: labelWidth, maxBars: opt.MaxBars}
	c.plotW = c.width - labelWidth - rightPad
	if !slices.IsSortedFunc(run.Bars, func(a, b Bar) int { return cmp.Compare(a.Start, b.Start) }) ||
		!slices.IsSortedFunc(run.Marks, func(a, b Mark) int { return cmp.Compare(a.Time, b.Time) }) ||
		slices.ContainsFunc(run.Bars, func(b Bar) bool { return b.Outcome >= numOutcomes || b.End < b.Start }) {
		// A Run made by hand: put it in the order Read gives, with
		// outcomes and ends that Read would give.
		fixed := *run
		fixed.Bars, fixed.Marks = slices.Clone(run.Bars), slices.Clone(run.Marks)
		for i := range fixed.Bars {
			b := &fixed.Bars[i]
			if b.Outcome >= numOutcomes {
				b.Outcome = Failed
			}
			b.End = max(b.End, b.Start)
		}
		sortRun(&fixed)
		run = &fixed
	}
	bars := run.Bars
	slots, slotOf := assignSlots(bars)
	c.sum = summarize(run, slots)

	// Time: from the first start to the last end, or mark.
	c.t0, c.span = timeRange(run)
	// Rows: one per slot, or per slotsPerRow neighbouring slots.
	c.slotsPerRow = max(1, (len(slots)+opt.MaxRows-1)/opt.MaxRows)
	nrows := (len(slots) + c.slotsPerRow - 1) / c.slotsPerRow
	for r := range nrows {
		first := r * c.slotsPerRow
		last := min(first+c.slotsPerRow, len(slots)) - 1
		label := slots[first].label(c.sum.hosts)
		if last > first {
			label += " – " + strings.TrimPrefix(slots[last].label(c.sum.hosts), "slot ")
			label = strings.Replace(label, "slot ", "slots ", 1)
		}
		c.rows = append(c.rows, label)
	}
	c.rowH = maxRowH
	if nrows > 0 && rowsHeight/float64(nrows) < maxRowH {
		c.rowH = max(rowsHeight/float64(nrows), minRowH)
	}
	c.plotH = c.rowH * float64(max(nrows, 1))
	c.barH = c.rowH
	if c.rowH >= 8 {
		c.barH = c.rowH - 4
	}

	// Bars, row by row in order of start (bars is sorted so).
	byRow := make([][]int, nrows)
	for i := range bars {
		r := slotOf[i] / c.slotsPerRow
		byRow[r] = append(byRow[r], i)
	}
	m := merger{c: c, bars: bars, rows: byRow}
	if len(bars) > opt.MaxBars {
		c.quantum = 1
		for m.merge(c.quantum, false) > opt.MaxBars {
			c.quantum *= 2
		}
	}
	m.merge(c.quantum, true)

	var seen [numOutcomes]bool
	for i := range bars {
		seen[bars[i].Outcome] = true
	}
	for o := range numOutcomes {
		if seen[o] {
			c.legend = append(c.legend, o)
		}
	}
	c.layoutMarks(run.Marks)
	c.ticks = ticks(c)
	c.height = plotTop + c.plotH + axisHeight + legendRow + 8
	return c
}

// timeRange returns the start of the run and its length in ns (at least a
// millisecond, so that nothing divides by zero).
func timeRange(run *Run) (t0, span int64) {
	first := true
	var t1 int64
	see := func(a, b int64) {
		if first {
			t0, t1, first = a, b, false
			return
		}
		t0, t1 = min(t0, a), max(t1, b)
	}
	for i := range run.Bars {
		see(run.Bars[i].Start, run.Bars[i].End)
	}
	for _, m := range run.Marks {
		see(m.Time, m.Time)
	}
	return t0, max(t1-t0, 1e6)
}

// x is the horizontal position of time t.
func (c *chart) x(t int64) float64 {
	return c.plotX + float64(t-c.t0)/float64(c.span)*c.plotW
}

// merger turns the bars of each row into drawn items.
type merger struct {
	c    *chart
	bars []Bar
	rows [][]int // indexes into bars, per row, in order of start
}

// merge draws the bars of every row, merging where q > 0: a bar narrower
// than q pixels joins the aggregate before it when it starts less than q
// pixels after that aggregate's start; a bar at least q wide is drawn on
// its own. An aggregate of one bar is drawn as that bar. It returns the
// number of items, and adds them to the chart when emit is set. A row has
// at most about plotW/q aggregates, and as many wide bars (more only where
// slots share a row), so doubling q brings any run under any budget.
func (m *merger) merge(q float64, emit bool) int {
	c := m.c
	count := 0
	for r, idx := range m.rows {
		var group []int
		var gx0, gx1 float64
		flush := func() {
			if len(group) == 0 {
				return
			}
			count++
			if emit {
				c.items = append(c.items, m.item(r, group, gx0, gx1))
			}
			group = group[:0]
		}
		for _, i := range idx {
			b := &m.bars[i]
			x0, x1 := c.x(b.Start), c.x(b.End)
			switch {
			case q == 0 || x1-x0 >= q:
				flush()
				count++
				if emit {
					c.items = append(c.items, item{row: r, x0: x0, x1: x1, outcome: b.Outcome, bar: b})
				}
			case len(group) > 0 && x0 < gx0+q:
				group = append(group, i)
				gx1 = max(gx1, x1)
			default:
				flush()
				group = append(group, i)
				gx0, gx1 = x0, x1
			}
		}
		flush()
	}
	return count
}

// item returns the drawn item of a group of bars.
func (m *merger) item(row int, group []int, x0, x1 float64) item {
	if len(group) == 1 {
		b := &m.bars[group[0]]
		return item{row: row, x0: x0, x1: x1, outcome: b.Outcome, bar: b}
	}
	a := &aggregate{n: len(group)}
	it := item{row: row, x0: x0, x1: x1, agg: a}
	for k, i := range group {
		b := &m.bars[i]
		a.counts[b.Outcome]++
		a.busy += b.Duration()
		it.outcome = max(it.outcome, b.Outcome)
		if k == 0 {
			a.minSeq, a.maxSeq, a.start, a.end = b.Seq, b.Seq, b.Start, b.End
			continue
		}
		a.minSeq, a.maxSeq = min(a.minSeq, b.Seq), max(a.maxSeq, b.Seq)
		a.start, a.end = min(a.start, b.Start), max(a.end, b.End)
	}
	m.c.merged += len(group)
	return it
}

// maxMarkMessages is how many messages the hover text of a marker lists.
const maxMarkMessages = 5

// layoutMarks places the halt and breaker markers, one per kind and pixel
// column, and the times the breaker was open, merged where less than a
// pixel apart.
func (c *chart) layoutMarks(marks []Mark) {
	type key struct {
		kind string
		col  int
	}
	at := map[key]int{}
	var open *Mark
	addBand := func(end int64) {
		x0, x1 := c.x(open.Time), c.x(end)
		if n := len(c.bands); n > 0 && x0-c.bands[n-1].x1 < 1 {
			b := &c.bands[n-1]
			b.x1, b.end = max(b.x1, x1), max(b.end, end)
			b.n++
		} else {
			c.bands = append(c.bands, band{x0: x0, x1: x1, start: open.Time, end: end, n: 1, message: open.Message})
		}
		open = nil
	}
	for i := range marks {
		mk := &marks[i]
		x := c.x(mk.Time)
		k := key{mk.Kind, int(math.Floor(x))}
		if j, ok := at[k]; ok {
			it := &c.marks[j]
			it.n++
			if len(it.messages) < maxMarkMessages {
				it.messages = append(it.messages, mk.Message)
			}
		} else {
			at[k] = len(c.marks)
			c.marks = append(c.marks, markItem{x: x, kind: mk.Kind, messages: []string{mk.Message}, n: 1, time: mk.Time})
		}
		if mk.Kind != "breaker" {
			continue
		}
		switch {
		case strings.HasPrefix(mk.Message, "breaker open"):
			if open == nil {
				open = mk
			}
		case open != nil:
			addBand(mk.Time)
		}
	}
	if open != nil {
		addBand(c.t0 + c.span)
	}
}

// tickSteps are the steps of the time axis, in ns.
var tickSteps = func() []int64 {
	var s []int64
	for _, ms := range []int64{1, 2, 5, 10, 20, 50, 100, 200, 500} {
		s = append(s, ms*1e6)
	}
	for _, sec := range []int64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400} {
		s = append(s, sec*1e9)
	}
	return s
}()

// ticks returns the labelled times of the axis: about 6 to 10 of them,
// at round values.
func ticks(c *chart) []tick {
	step := int64(0)
	for _, s := range tickSteps {
		if c.span/s <= 10 {
			step = s
			break
		}
	}
	if step == 0 { // more than 10 days: whole days
		step = (c.span/10/86400e9 + 1) * 86400e9
	}
	var ts []tick
	for k := range c.span/step + 1 { // counted: t += step could overflow
		t := k * step
		ts = append(ts, tick{x: c.x(c.t0 + t), label: tickLabel(t, step)})
	}
	return ts
}
