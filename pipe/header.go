package pipe

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// maxHeader is the most input read to look for a --header REGEX match:
// a regular expression that has not matched in that much has no header
// to find.
const maxHeader = 1 << 20

// header is the --header setting: the first lines lines of the input, or
// the match of re at its start.
type header struct {
	lines int
	re    *regexp.Regexp
}

// parseHeader reads a --header value: a number of lines, or a regular
// expression matched at the start of the input.
func parseHeader(spec string) (*header, error) {
	if spec == "" {
		return nil, nil
	}
	if n, err := strconv.Atoi(spec); err == nil {
		if n < 0 {
			return nil, fmt.Errorf("%d lines: want 0 or more", n)
		}
		return &header{lines: n}, nil
	}
	re, err := regexp.Compile(`^(?:` + spec + `)`)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", spec, err)
	}
	return &header{re: re}, nil
}

// end returns the length of the header at the start of buf; ok is false
// while more input is needed to know it.
func (h *header) end(buf []byte, atEOF bool) (n int, ok bool) {
	if h.re == nil {
		for range h.lines {
			i := bytes.IndexByte(buf[n:], '\n')
			if i < 0 {
				return len(buf), atEOF
			}
			n += i + 1
		}
		return n, true
	}
	loc := h.re.FindIndex(buf)
	switch {
	case atEOF || len(buf) >= maxHeader:
		if loc == nil {
			return 0, true
		}
		return loc[1], true
	case loc != nil && loc[1] < len(buf):
		return loc[1], true
	}
	return 0, false
}

// readHeader reads the header from the start of r. It returns the header
// and the bytes read after it.
func (h *header) read(r io.Reader) (head, rest []byte, eof bool, err error) {
	buf := make([]byte, 0, 64<<10)
	for {
		if n, ok := h.end(buf, eof); ok {
			return buf[:n:n], buf[n:], eof, nil
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			eof = true
		} else if rerr != nil {
			return nil, nil, false, rerr
		}
	}
}
