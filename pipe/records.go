package pipe

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
)

// Records finds the record boundaries of an input: the positions where a
// record end is followed by a record start. It is immutable and safe for
// concurrent use.
type Records struct {
	// lit is record end + record start, taken literally; endLen is the
	// length of the record end in it.
	lit    []byte
	endLen int
	// re matches (record end)(record start) with --regexp.
	re *regexp.Regexp
}

// NewRecords returns the Records for a record end and a record start,
// literal strings or, with isRegexp, regular expressions.
func NewRecords(recEnd, recStart string, isRegexp bool) (*Records, error) {
	if recEnd == "" && recStart == "" {
		return nil, errors.New("the record end and the record start are both empty: records could not be told apart")
	}
	if !isRegexp {
		return &Records{lit: []byte(recEnd + recStart), endLen: len(recEnd)}, nil
	}
	for _, part := range []struct{ name, re string }{{"record end", recEnd}, {"record start", recStart}} {
		if _, err := regexp.Compile(part.re); err != nil {
			return nil, fmt.Errorf("%s %q: %w", part.name, part.re, err)
		}
	}
	re, err := regexp.Compile("(?s)(" + recEnd + ")(" + recStart + ")")
	if err != nil {
		return nil, fmt.Errorf("record end %q and start %q: %w", recEnd, recStart, err)
	}
	return &Records{re: re}, nil
}

// singleByte returns the record end when it is a single byte followed by
// no record start: then boundaries are found anywhere with no need to scan
// the records before them.
func (r *Records) singleByte() (byte, bool) {
	if r.re == nil && len(r.lit) == 1 && r.endLen == 1 {
		return r.lit[0], true
	}
	return 0, false
}

// Next returns the first record boundary in buf after from, which is 0 or
// a boundary: the end of the record that starts at from. ok is false when
// buf holds no boundary yet that more input could not change; the caller
// then reads more, or, at the end of the input (atEOF), ends the last
// record at len(buf).
func (r *Records) Next(buf []byte, from int, atEOF bool) (end int, ok bool) {
	if r.re == nil {
		start := from
		for {
			i := bytes.Index(buf[start:], r.lit)
			if i < 0 {
				return 0, false
			}
			if b := start + i + r.endLen; b > from {
				return b, true
			}
			start += i + 1 // a record start at from itself: not a boundary
		}
	}
	start := from
	for start <= len(buf) {
		loc := r.re.FindSubmatchIndex(buf[start:])
		if loc == nil {
			return 0, false
		}
		if start+loc[1] == len(buf) && !atEOF {
			// The match touches the end of what was read: more input
			// could make it longer, or another one.
			return 0, false
		}
		if b := start + loc[3]; b > from {
			return b, true
		}
		start += loc[0] + 1
	}
	return 0, false
}
