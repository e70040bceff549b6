package output

import (
	"bytes"
	"io"
	"strconv"
)

// tagColors are the ANSI colours of tags, one per job slot in turn.
var tagColors = []int{32, 33, 34, 35, 36, 31}

// tagPrefix is what goes before each line of a tagged job: the tag and a
// TAB, the tag in the slot's colour when colour is on.
func tagPrefix(tag string, slot int, color bool) []byte {
	if !color {
		return []byte(tag + "\t")
	}
	c := tagColors[(max(slot, 1)-1)%len(tagColors)]
	return []byte("\x1b[" + strconv.Itoa(c) + "m" + tag + "\x1b[0m\t")
}

var newline = []byte{'\n'}

// tagWriter puts a prefix before every line written through it. Each Write
// becomes one Write of the tagged lines, so that in ungrouped mode a
// tag is never separated from its line. It is not safe for concurrent use.
type tagWriter struct {
	w       io.Writer
	prefix  []byte
	midLine bool // the last byte written was not a newline
	scratch []byte
}

func newTagWriter(w io.Writer, prefix []byte) *tagWriter {
	return &tagWriter{w: w, prefix: prefix}
}

func (t *tagWriter) Write(p []byte) (int, error) {
	// One allocation at most: room for p and a prefix per line.
	if need := len(p) + (bytes.Count(p, newline)+1)*len(t.prefix); cap(t.scratch) < need {
		t.scratch = make([]byte, 0, need)
	}
	out := t.scratch[:0]
	for rest := p; len(rest) > 0; {
		if !t.midLine {
			out = append(out, t.prefix...)
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			out = append(out, rest...)
			t.midLine = true
			break
		}
		out = append(out, rest[:i+1]...)
		rest = rest[i+1:]
		t.midLine = false
	}
	t.scratch = out[:0]
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
