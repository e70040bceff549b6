package timeline

import (
	"bytes"
	"fmt"
)

// pageStyle styles the HTML page around the chart.
const pageStyle = `body{font:14px/1.45 system-ui,sans-serif;margin:16px 20px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 2px}
h2{font-size:15px;margin:14px 0 4px}
.meta{color:#555;margin:0 0 10px}
.totals{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
.totals div{min-width:90px}
.totals dt{font-size:12px;color:#666}
.totals dd{margin:0;font-size:20px;font-weight:600}
.longest{margin:0;padding-left:24px}
.longest .d{display:inline-block;min-width:70px;font-weight:600}
.longest code{font-size:13px;white-space:pre-wrap;word-break:break-all}
.chart{margin-top:14px}
.chart svg{width:100%;height:auto;max-width:1600px}
.note{color:#555;font-size:13px}
`

// writeHTML writes the chart as a web page: the header in HTML, the chart
// as inline SVG. The page is also well-formed XML, and its
// Content-Security-Policy lets it run no script and load nothing, so even
// a text that escaped escaping could not act.
func (c *chart) writeHTML(w *bytes.Buffer) {
	s := &c.sum
	w.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<link rel="icon" href="data:,"/>
<title>`)
	esc(w, c.title())
	w.WriteString("</title>\n<style>\n" + pageStyle + "</style>\n</head>\n<body>\n<h1>krun timeline</h1>\n")
	w.WriteString(`<p class="meta">`)
	if s.tries == 0 {
		w.WriteString("No jobs. ")
	}
	for i, f := range c.facts() {
		if i > 0 {
			w.WriteString(" · ")
		}
		esc(w, f)
	}
	w.WriteString("</p>\n")
	if s.tries > 0 {
		w.WriteString(`<dl class="totals">` + "\n")
		for _, kv := range [][2]string{
			{"jobs", num(s.jobs)},
			{"failed", num(s.failed)},
			{"wall time", duration(s.wall)},
			{"slot utilisation", percent(s.util)},
			{"slots", num(s.slots)},
		} {
			w.WriteString("<div><dt>")
			esc(w, kv[0])
			w.WriteString("</dt><dd>")
			esc(w, kv[1])
			w.WriteString("</dd></div>\n")
		}
		w.WriteString("</dl>\n<h2>Longest jobs</h2>\n" + `<ol class="longest">` + "\n")
		for _, b := range s.longest {
			w.WriteString(`<li><span class="d">`)
			esc(w, duration(b.Duration()))
			w.WriteString("</span> ")
			esc(w, fmt.Sprintf("seq %d%s ", b.Seq, tryNote(b)))
			w.WriteString("<code>")
			esc(w, b.Command)
			w.WriteString("</code></li>\n")
		}
		w.WriteString("</ol>\n")
	}
	w.WriteString(`<div class="chart">` + "\n")
	c.writeSVG(w, false)
	w.WriteString("</div>\n")
	for _, n := range c.notes() {
		w.WriteString(`<p class="note">`)
		esc(w, n)
		w.WriteString("</p>\n")
	}
	w.WriteString("</body>\n</html>\n")
}
