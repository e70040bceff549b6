package runner

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// eofReader ends a source at the first item equal to its logical end of
// input (xargs -E): that item and the rest are not read.
type eofReader struct {
	r   itemReader
	eof string
	hit bool
}

func (e *eofReader) next() (string, error) {
	if e.hit {
		return "", io.EOF
	}
	item, err := e.r.next()
	if err == nil && item == e.eof {
		e.hit = true
		return "", io.EOF
	}
	return item, err
}

// openSource opens src with open, ended at InputOptions.EOF when set.
func (in *Inputs) openSource(src Source) (itemReader, error) {
	r, err := in.open(src)
	if err != nil || in.opt.EOF == "" {
		return r, err
	}
	return &eofReader{r: r, eof: in.opt.EOF}, nil
}

// LineJoiner is the RecordSource of xargs -L: it drops blank lines and
// continues a line that ends in a blank (space or tab) with the next one,
// so that each record it returns is one logical line. Records of more
// than one field (several sources, columns) pass through as they are.
// It is not safe for concurrent use.
type LineJoiner struct {
	src RecordSource
}

// NewLineJoiner returns a LineJoiner reading from src.
func NewLineJoiner(src RecordSource) *LineJoiner { return &LineJoiner{src: src} }

// Next returns the next logical line, or io.EOF.
func (l *LineJoiner) Next() ([]string, error) {
	var line strings.Builder
	pending := false
	for {
		rec, err := l.src.Next()
		if err == io.EOF && pending {
			return []string{line.String()}, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) != 1 {
			if pending {
				// A continued line ends where a record of columns starts;
				// not a case xargs has.
				return nil, errors.New("-L: a line ending in a blank is continued by a record of several fields")
			}
			return rec, nil
		}
		item := rec[0]
		if strings.Trim(item, " \t") == "" && !pending {
			continue // a blank line
		}
		line.WriteString(item)
		pending = true
		if !strings.HasSuffix(item, " ") && !strings.HasSuffix(item, "\t") {
			return []string{line.String()}, nil
		}
	}
}

// ErrLineTooLong is the error of a command line over the size limit of
// [BatchOptions.Check] (xargs -s, -x).
var ErrLineTooLong = errors.New("command line too long")

// lineTooLong describes a command line over max bytes.
func lineTooLong(cmd string, max int) error {
	shown := cmd
	if len(shown) > 40 {
		shown = shown[:40] + "..."
	}
	return fmt.Errorf("%w: %q is %d bytes with its terminating NUL; the limit is %d", ErrLineTooLong, shown, len(cmd)+1, max+1)
}

// check returns ErrLineTooLong when the command line of fields is over
// MaxLine.
func (b *Batcher) check(fields []string) error {
	if b.opt.Template == nil {
		return nil
	}
	cmd, err := b.opt.Template.Expand(Args{Fields: fields, Seq: math.MaxInt64, Slot: math.MaxInt32})
	if err != nil || len(cmd) <= b.opt.MaxLine {
		return nil // a command that cannot be built: the job says why
	}
	return lineTooLong(cmd, b.opt.MaxLine)
}

// checkBatch returns the records of a -n batch that fit MaxLine, the rest
// put back to be read next; with Exit, a batch that does not fit whole
// is an error.
func (b *Batcher) checkBatch(records [][]string) ([][]string, error) {
	n := b.fit(records)
	if n == 1 {
		if err := b.check(records[0]); err != nil {
			return nil, err
		}
	}
	if n == len(records) {
		return records, nil
	}
	if b.opt.Exit {
		return nil, b.check(slices.Concat(records...))
	}
	b.pending = append(records[n:len(records):len(records)], b.pending...)
	return records[:n], nil
}

// fill makes the estimate of nextPacked exact for -s: n of records fit
// MaxLine; when all do, more are taken while the command line still fits,
// so that each line is as full as xargs would make it. A single record
// over MaxLine is an error.
func (b *Batcher) fill(records [][]string, n int) ([][]string, int, error) {
	if n == 1 {
		if err := b.check(records[0]); err != nil {
			return nil, 0, err
		}
	}
	for n == len(records) && (b.opt.MaxArgs == 0 || n < b.opt.MaxArgs) {
		rec, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		more := append(records[:n:n], rec)
		if b.check(slices.Concat(more...)) != nil {
			b.pending = append([][]string{rec}, b.pending...)
			break
		}
		records, n = more, n+1
	}
	return records, n, nil
}
