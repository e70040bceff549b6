package timeline

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// svgStyle styles the chart; every rule is scoped to the chart's class.
const svgStyle = `.krun-timeline text{fill:#333}
.krun-timeline .h1{font-size:16px;font-weight:bold}
.krun-timeline .lbl{font-size:11px;text-anchor:end}
.krun-timeline .zebra{fill:#f2f2f2}
.krun-timeline .grid{stroke:#d8d8d8}
.krun-timeline .tl{font-size:11px;text-anchor:middle;fill:#555}
.krun-timeline .band{fill:#4e79a7;fill-opacity:.14}
.krun-timeline .halt line{stroke:#222;stroke-width:2}
.krun-timeline .halt path{fill:#222}
.krun-timeline .breaker line{stroke:#4e79a7;stroke-width:1.5;stroke-dasharray:4 3}
.krun-timeline .breaker path{fill:#4e79a7}
.krun-timeline .agg{fill-opacity:.75}
`

// outcomeStyle styles the bars, one colour per outcome.
func outcomeStyle() string {
	var b strings.Builder
	for o := range numOutcomes {
		fmt.Fprintf(&b, ".krun-timeline .%s{fill:%s}\n", outcomeInfo[o].class, outcomeInfo[o].colour)
	}
	return b.String()
}

// headerLine is one line of the header of a standalone SVG.
type headerLine struct {
	class, text string
}

const headerLineHeight = 18

// headerLines is the header, as the SVG shows it.
func (c *chart) headerLines() []headerLine {
	s := &c.sum
	lines := []headerLine{{"h1", c.title()}, {"", strings.Join(c.facts(), " · ")}}
	if len(s.longest) > 0 {
		lines = append(lines, headerLine{"", "Longest jobs:"})
		for i, b := range s.longest {
			lines = append(lines, headerLine{"", fmt.Sprintf("%d. %s · seq %d%s · %s", i+1, duration(b.Duration()), b.Seq, tryNote(b), oneLine(b.Command))})
		}
	}
	for _, n := range c.notes() {
		lines = append(lines, headerLine{"", n})
	}
	return lines
}

// title is the header's first line.
func (c *chart) title() string {
	s := &c.sum
	if s.tries == 0 {
		return "krun timeline: no jobs"
	}
	return fmt.Sprintf("krun timeline: %s, %s failed, wall time %s, slot utilisation %s",
		plural(s.jobs, "job"), num(s.failed), duration(s.wall), percent(s.util))
}

// facts are the header's other totals.
func (c *chart) facts() []string {
	s := &c.sum
	var f []string
	if s.tries > 0 {
		f = append(f, "started "+clock(s.start))
		slots := plural(s.slots, "slot")
		if s.hosts > 1 {
			slots += fmt.Sprintf(" on %d hosts", s.hosts)
		}
		f = append(f, slots)
	}
	for _, x := range []struct {
		n    int
		what string
	}{
		{s.outcomes[Retried], "retried try"}, {s.outcomes[TimedOut], "timed out"},
		{s.outcomes[Halted], "ended by a halt or signal"}, {s.outcomes[Killed], "killed (Exitval -1)"},
		{s.outcomes[Unfinished], "unfinished try"},
		{s.halts, "halt"}, {s.breakers, "breaker event"},
	} {
		if x.n > 0 {
			f = append(f, plural(x.n, x.what))
		}
	}
	if s.format != "" {
		f = append(f, "from "+s.format)
	}
	return f
}

// notes say how the chart was simplified, if it was.
func (c *chart) notes() []string {
	var n []string
	if c.merged > 0 {
		n = append(n, fmt.Sprintf("%s of %s tries are drawn merged: past %s bars, tries narrower than %s px that start within %s px on a row are one bar, coloured by the worst outcome among them (hover for counts).",
			num(c.merged), num(c.sum.tries), num(c.maxBars), px(c.quantum), px(c.quantum)))
	}
	if c.slotsPerRow > 1 {
		n = append(n, fmt.Sprintf("%d slots share each row.", c.slotsPerRow))
	}
	return n
}

// tryNote is ", try N" for a job's try after the first.
func tryNote(b *Bar) string {
	if b.Attempt > 1 {
		return ", try " + strconv.Itoa(b.Attempt)
	}
	return ""
}

// writeSVG writes the chart as an <svg> element; standalone adds the XML
// namespace's header lines.
func (c *chart) writeSVG(w *bytes.Buffer, standalone bool) {
	var lines []headerLine
	top := 0.0
	if standalone {
		lines = c.headerLines()
		top = float64(len(lines))*headerLineHeight + 12
	}
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" class="krun-timeline" width="%s" height="%s" viewBox="0 0 %s %s" font-family="sans-serif" font-size="12" role="img" aria-label="krun timeline">`+"\n",
		px(c.width), px(c.height+top), px(c.width), px(c.height+top))
	w.WriteString("<style>\n" + svgStyle + outcomeStyle() + "</style>\n")
	if standalone {
		w.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
		for i, l := range lines {
			fmt.Fprintf(w, `<text x="8" y="%d"`, (i+1)*headerLineHeight)
			if l.class != "" {
				fmt.Fprintf(w, ` class="%s"`, l.class)
			}
			w.WriteString(">")
			esc(w, l.text)
			w.WriteString("</text>\n")
		}
	}
	fmt.Fprintf(w, `<g transform="translate(0,%s)">`+"\n", px(top))
	c.writeRows(w)
	c.writeTicks(w)
	c.writeBands(w)
	c.writeBars(w)
	c.writeMarks(w)
	c.writeLegend(w)
	w.WriteString("</g>\n</svg>\n")
}

// rowY is the top of row r.
func (c *chart) rowY(r int) float64 { return plotTop + float64(r)*c.rowH }

func (c *chart) writeRows(w *bytes.Buffer) {
	w.WriteString(`<g class="rows">` + "\n")
	every := max(1, int(math.Ceil(12/c.rowH))) // labels at least 12 px apart
	for r, label := range c.rows {
		y := c.rowY(r)
		if r%2 == 1 {
			fmt.Fprintf(w, `<rect class="zebra" x="%s" y="%s" width="%s" height="%s"/>`+"\n", px(c.plotX), px(y), px(c.plotW), px(c.rowH))
		}
		if r%every == 0 {
			fmt.Fprintf(w, `<text class="lbl" x="%s" y="%s">`, px(c.plotX-6), px(y+c.rowH/2+4))
			esc(w, clip(label, 20))
			w.WriteString("</text>\n")
		}
	}
	w.WriteString("</g>\n")
}

func (c *chart) writeTicks(w *bytes.Buffer) {
	w.WriteString(`<g class="axis">` + "\n")
	bottom := plotTop + c.plotH
	for _, t := range c.ticks {
		fmt.Fprintf(w, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, px(t.x), px(plotTop), px(t.x), px(bottom+4))
		fmt.Fprintf(w, `<text class="tl" x="%s" y="%s">`, px(t.x), px(bottom+17))
		esc(w, t.label)
		w.WriteString("</text>\n")
	}
	w.WriteString("</g>\n")
}

func (c *chart) writeBands(w *bytes.Buffer) {
	if len(c.bands) == 0 {
		return
	}
	w.WriteString(`<g class="bands">` + "\n")
	for _, b := range c.bands {
		fmt.Fprintf(w, `<rect class="band" x="%s" y="%s" width="%s" height="%s"><title>`, px(b.x0), px(plotTop), px(max(b.x1-b.x0, 1)), px(c.plotH))
		if b.n == 1 {
			esc(w, fmt.Sprintf("breaker open for %s, from %s\n%s", duration(b.end-b.start), offset(b.start-c.t0), b.message))
		} else {
			esc(w, fmt.Sprintf("breaker open %d times between %s and %s\n%s", b.n, offset(b.start-c.t0), offset(b.end-c.t0), b.message))
		}
		w.WriteString("</title></rect>\n")
	}
	w.WriteString("</g>\n")
}

func (c *chart) writeBars(w *bytes.Buffer) {
	w.WriteString(`<g class="bars">` + "\n")
	for i := range c.items {
		it := &c.items[i]
		class := outcomeInfo[it.outcome].class
		if it.agg != nil {
			class += " agg"
		}
		y := c.rowY(it.row) + (c.rowH-c.barH)/2
		width := it.x1 - it.x0
		if width >= 4 {
			width-- // a gap between a bar and the next one on its row
		}
		fmt.Fprintf(w, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"><title>`, class, px(it.x0), px(y), px(max(width, 1)), px(c.barH))
		if it.agg != nil {
			esc(w, c.aggTitle(it.agg))
		} else {
			esc(w, c.barTitle(it.bar))
		}
		w.WriteString("</title></rect>\n")
	}
	w.WriteString("</g>\n")
}

// barTitle is the hover text of a try's bar: seq, try, how it ended,
// when, and the command.
func (c *chart) barTitle(b *Bar) string {
	var t strings.Builder
	fmt.Fprintf(&t, "seq %d%s", b.Seq, tryNote(b))
	if b.Host != "" {
		fmt.Fprintf(&t, " on %s", b.Host)
	}
	if b.Slot > 0 {
		fmt.Fprintf(&t, ", slot %d", b.Slot)
	}
	fmt.Fprintf(&t, "\n%s", outcomeInfo[b.Outcome].label)
	if b.TimedOut {
		t.WriteString(" (timed out)")
	}
	if b.Outcome != Unfinished {
		fmt.Fprintf(&t, ": exit %d", b.Exit)
		if b.Signal != 0 {
			fmt.Fprintf(&t, ", signal %d", b.Signal)
		}
	}
	fmt.Fprintf(&t, "\n%s, from %s to %s", duration(b.Duration()), offset(b.Start-c.t0), offset(b.End-c.t0))
	if b.Command != "" {
		t.WriteString("\n" + b.Command)
	}
	if b.Error != "" {
		t.WriteString("\nerror: " + b.Error)
	}
	return t.String()
}

// aggTitle is the hover text of an aggregated bar: how many tries, how
// they ended, and when.
func (c *chart) aggTitle(a *aggregate) string {
	var t strings.Builder
	fmt.Fprintf(&t, "%s tries drawn as one bar: seq %d to %d\n", num(a.n), a.minSeq, a.maxSeq)
	sep := ""
	for i := int(numOutcomes) - 1; i >= 0; i-- { // the worst first
		if o := Outcome(i); a.counts[o] > 0 {
			fmt.Fprintf(&t, "%s%s %s", sep, num(a.counts[o]), outcomeInfo[o].label)
			sep = ", "
		}
	}
	fmt.Fprintf(&t, "\nbusy %s between %s and %s", duration(a.busy), offset(a.start-c.t0), offset(a.end-c.t0))
	return t.String()
}

func (c *chart) writeMarks(w *bytes.Buffer) {
	if len(c.marks) == 0 {
		return
	}
	w.WriteString(`<g class="marks">` + "\n")
	bottom := plotTop + c.plotH
	for _, m := range c.marks {
		fmt.Fprintf(w, `<g class="%s"><title>`, m.kind)
		var t strings.Builder
		if m.n > 1 {
			fmt.Fprintf(&t, "%d %s events from %s", m.n, m.kind, offset(m.time-c.t0))
		} else {
			fmt.Fprintf(&t, "%s at %s", m.kind, offset(m.time-c.t0))
		}
		for _, msg := range m.messages {
			t.WriteString("\n" + msg)
		}
		if extra := m.n - len(m.messages); extra > 0 {
			fmt.Fprintf(&t, "\nand %d more", extra)
		}
		esc(w, t.String())
		fmt.Fprintf(w, `</title><line x1="%s" y1="%s" x2="%s" y2="%s"/><path d="M%s %sh10l-5 7z"/></g>`+"\n",
			px(m.x), px(plotTop-6), px(m.x), px(bottom), px(m.x-5), px(plotTop-13))
	}
	w.WriteString("</g>\n")
}

func (c *chart) writeLegend(w *bytes.Buffer) {
	y := plotTop + c.plotH + axisHeight + 6
	x := c.plotX
	w.WriteString(`<g class="legend">` + "\n")
	item := func(swatch func(x, y string) string, label string) {
		w.WriteString(swatch(px(x), px(y)))
		fmt.Fprintf(w, `<text x="%s" y="%s">`, px(x+16), px(y+10))
		esc(w, label)
		w.WriteString("</text>\n")
		x += 16 + 6.5*float64(len(label)) + 18
	}
	box := func(class string) func(x, y string) string {
		return func(x, y string) string {
			return `<rect class="` + class + `" x="` + x + `" y="` + y + `" width="12" height="12"/>`
		}
	}
	for _, o := range c.legend {
		item(box(outcomeInfo[o].class), outcomeInfo[o].label)
	}
	if c.merged > 0 {
		item(box("ok agg"), "merged tries (paler)")
	}
	kinds := map[string]bool{}
	for _, m := range c.marks {
		kinds[m.kind] = true
	}
	for _, k := range []string{"halt", "breaker"} {
		if kinds[k] {
			line := func(xs, ys string) string {
				return fmt.Sprintf(`<g class="%s"><line x1="%s" y1="%s" x2="%s" y2="%s"/></g>`, k, px(x+6), ys, px(x+6), px(y+12))
			}
			item(line, k)
		}
	}
	if len(c.bands) > 0 {
		item(box("band"), "breaker open")
	}
	w.WriteString("</g>\n")
}
