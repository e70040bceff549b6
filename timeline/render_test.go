package timeline

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// hostile are commands and messages that would act if pasted into a page
// unescaped.
var hostile = []string{
	`echo </script><script>alert(1)</script>`,
	`echo "><svg onload=alert(1)>`,
	`echo '><img src=x onerror=alert(1)>`,
	`</title><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject>`,
	`]]><!-- <![CDATA[ &amp; &#60;script&#62; -->`,
	"bidi \u202e and control \x1b[31m \x00 \x7f and invalid \xff\xfe utf-8",
	`</style><style>*{display:none}</style>`,
}

// allowedElements are the only elements a chart may hold.
var allowedElements = map[string]bool{
	"html": true, "head": true, "meta": true, "link": true, "title": true, "style": true,
	"body": true, "h1": true, "h2": true, "p": true, "dl": true, "div": true, "dt": true,
	"dd": true, "ol": true, "li": true, "span": true, "code": true,
	"svg": true, "g": true, "rect": true, "text": true, "line": true, "path": true,
}

// hostileRun is a run whose commands, error, host and messages are the
// hostile texts.
func hostileRun() *Run {
	run := &Run{Format: "krun events"}
	for i, h := range hostile {
		run.Bars = append(run.Bars, Bar{Seq: int64(i + 1), Attempt: 1, Slot: i%2 + 1, Host: normHost(h),
			Start: ms(int64(i) * 100), End: ms(int64(i)*100 + 300), Outcome: Failed, Exit: 1,
			Command: clip(h, maxText), Error: clip(h, maxText)})
		run.Marks = append(run.Marks, Mark{Kind: "halt", Time: ms(int64(i) * 100), Message: clip(h, maxText)})
	}
	return run
}

// TestRenderInert: every text from the input is escaped, in HTML and in
// SVG: the file parses as strict XML, holds only the chart's own
// elements, no event-handler attribute and no script, and shows each
// hostile command as text.
func TestRenderInert(t *testing.T) {
	run := hostileRun()
	for _, f := range []Format{HTML, SVG} {
		var out bytes.Buffer
		if err := Render(&out, run, f, Options{}); err != nil {
			t.Fatal(err)
		}
		texts := checkMarkup(t, out.Bytes())
		for _, b := range run.Bars {
			want := strings.ToValidUTF8(b.Command, "")
			found := false
			for _, s := range texts {
				if strings.Contains(strings.ToValidUTF8(s, ""), strings.Map(xmlChar, want)) {
					found = true
				}
			}
			if !found {
				t.Errorf("format %d: the command %q is not shown as text", f, b.Command)
			}
		}
		lower := strings.ToLower(out.String())
		for _, bad := range []string{"<script", "<iframe", "<foreignobject", "<img", "<svg onload"} {
			if strings.Contains(lower, bad) {
				t.Errorf("format %d: the file holds %q", f, bad)
			}
		}
	}
}

// xmlChar is what XML escaping makes of a character that XML cannot
// carry (as encoding/xml.EscapeText does).
func xmlChar(r rune) rune {
	if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF && (r < 0xD800 || r > 0xDFFF) {
		return r
	}
	return '\uFFFD'
}

// checkMarkup parses a chart as strict XML and checks its elements and
// attributes; it returns the texts of its elements.
func checkMarkup(t *testing.T, data []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var texts []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !allowedElements[tok.Name.Local] {
				t.Errorf("element <%s>", tok.Name.Local)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || a.Name.Local == "href" && a.Value != "data:," || a.Name.Local == "src" {
					t.Errorf("<%s %s=%q>", tok.Name.Local, a.Name.Local, a.Value)
				}
			}
		case xml.CharData:
			texts = append(texts, string(tok))
		case xml.ProcInst, xml.Comment:
			t.Errorf("%T in the chart", tok)
		}
	}
	return texts
}

// TestRenderHTMLPolicy: the page forbids scripts and loads, whatever it
// holds.
func TestRenderHTMLPolicy(t *testing.T) {
	var out bytes.Buffer
	Render(&out, hostileRun(), HTML, Options{})
	page := out.String()
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") {
		t.Error("no doctype")
	}
	const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>`
	if i := strings.Index(page, csp); i < 0 || i > strings.Index(page, "<title>") {
		t.Error("no Content-Security-Policy before the first text from the input")
	}
}

func TestFormatOf(t *testing.T) {
	for in, want := range map[string]Format{"run.svg": SVG, "RUN.SVG": SVG, "run.html": HTML, "run": HTML, "/dev/stdout": HTML, "a.svg/b": HTML} {
		if got := FormatOf(in); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestEmptyRun(t *testing.T) {
	for _, f := range []Format{HTML, SVG} {
		var out bytes.Buffer
		if err := Render(&out, &Run{}, f, Options{}); err != nil {
			t.Fatal(err)
		}
		checkMarkup(t, out.Bytes())
		if !strings.Contains(out.String(), "no jobs") && !strings.Contains(out.String(), "No jobs") {
			t.Errorf("format %d: an empty run does not say it has no jobs", f)
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteError(t *testing.T) {
	if err := Render(failingWriter{}, hostileRun(), HTML, Options{}); err == nil || err.Error() != "disk full" {
		t.Errorf("error %v, want the writer's", err)
	}
}
