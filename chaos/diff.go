package chaos

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// diffLines is how many lines of each side a short diff shows.
const diffLines = 4

// shortDiff shows where two contents part: the first differing lines of
// text, with their line number, or the sizes of binary content.
func shortDiff(ref, got []byte) []string {
	if !isText(ref) || !isText(got) {
		return []string{fmt.Sprintf("binary content: %d bytes in the reference, %d in this run", len(ref), len(got))}
	}
	a := strings.SplitAfter(string(ref), "\n")
	b := strings.SplitAfter(string(got), "\n")
	if a[len(a)-1] == "" {
		a = a[:len(a)-1]
	}
	if b[len(b)-1] == "" {
		b = b[:len(b)-1]
	}
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := []string{fmt.Sprintf("@@ line %d @@", pre+1)}
	side := func(sign string, lines []string) {
		for i, l := range lines {
			if i == diffLines {
				out = append(out, fmt.Sprintf("%s... (%d more lines)", sign, len(lines)-diffLines))
				break
			}
			text := strings.TrimSuffix(l, "\n")
			if len(text) > 100 {
				text = text[:100] + "..."
			}
			if !strings.HasSuffix(l, "\n") {
				text += " (no newline at the end)"
			}
			out = append(out, sign+text)
		}
	}
	side("-", a[pre:len(a)-suf])
	side("+", b[pre:len(b)-suf])
	return out
}

// isText reports whether data reads as text: UTF-8 without NUL bytes.
func isText(data []byte) bool {
	return utf8.Valid(data) && bytes.IndexByte(data, 0) < 0
}
