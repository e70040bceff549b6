package timeline

import (
	"bytes"
	"encoding/xml"
	"io"
	"path/filepath"
	"strings"
)

// Format is the kind of file [Render] writes.
type Format int

const (
	// HTML is a web page: the header as HTML, the chart as inline SVG,
	// with a Content-Security-Policy that allows no script and no load.
	HTML Format = iota
	// SVG is one SVG picture, the header included.
	SVG
)

// FormatOf returns the format a file name asks for: SVG for a name
// ending in .svg (in any case), HTML for any other.
func FormatOf(path string) Format {
	if strings.EqualFold(filepath.Ext(path), ".svg") {
		return SVG
	}
	return HTML
}

// Render draws run to w as one self-contained file in the given format:
// no script, nothing loaded from elsewhere, every text from the input
// escaped. It writes w once, with the whole file.
//
// Each try is a bar on the row of its slot, from its start to its end.
// When the run has more tries than opt.MaxBars, bars are merged: on each
// row, a bar narrower than q pixels that starts less than q pixels after
// the start of the bar before it joins that bar, which then stands for
// all of them: it spans them, takes the colour of the worst outcome
// among them (a failure is never hidden by the jobs around it), and its
// hover text gives the count of each outcome. q starts at one pixel and
// doubles until at most MaxBars bars are drawn; bars at least q wide are
// always drawn alone. With more slots than opt.MaxRows, neighbouring
// slots share a row. So a file holds at most MaxBars bars of at most a
// few hundred bytes each, however long the run.
func Render(w io.Writer, run *Run, format Format, opt Options) error {
	c := layout(run, opt)
	var buf bytes.Buffer
	if format == SVG {
		c.writeSVG(&buf, true)
	} else {
		c.writeHTML(&buf)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// esc writes s escaped for XML and HTML, in text and in quoted
// attributes alike: & < > " ' and control characters become references,
// and invalid characters U+FFFD.
func esc(w *bytes.Buffer, s string) {
	xml.EscapeText(w, []byte(s)) // writing to a bytes.Buffer does not fail
}
