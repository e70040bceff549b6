package runner

import (
	"io"
	"strings"
)

// maxCommandLine is the longest command line krun builds with -X. On Linux
// one argument, here the "sh -c" string, is limited to 32 pages
// (MAX_ARG_STRLEN, 128 KiB with its terminating NUL).
const maxCommandLine = 128<<10 - 1

// RecordSource yields argument records; [Inputs] is one.
type RecordSource interface {
	Next() ([]string, error)
}

// BatchOptions configures [NewBatcher].
type BatchOptions struct {
	// MaxArgs is the most records in one job (-n). 0 means one record per
	// job, or no count limit with Pack.
	MaxArgs int
	// Pack fills each command line up to the system's limit (-X).
	Pack bool
	// Template is the command the records go into; Pack measures it.
	Template *Template
	// Slots is the number of job slots; with Pack the last records are
	// spread over that many jobs.
	Slots int
}

// Batcher groups records into the fields of one job each: one record per
// job, up to MaxArgs records (-n), or as many as fit one command line (-X).
// It is not safe for concurrent use.
type Batcher struct {
	src     RecordSource
	opt     BatchOptions
	carry   []string   // a record read that did not fit the last batch
	tail    [][]string // the last batches of -X, spread over the slots
	eof     bool
	baseLen int
}

// NewBatcher returns a Batcher reading from src.
func NewBatcher(src RecordSource, opt BatchOptions) *Batcher {
	b := &Batcher{src: src, opt: opt}
	if opt.Template != nil {
		b.baseLen = len(opt.Template.text)
	}
	return b
}

// Next returns the fields of the next job, or io.EOF.
func (b *Batcher) Next() ([]string, error) {
	switch {
	case b.opt.Pack:
		return b.nextPacked()
	case b.opt.MaxArgs > 1:
		return b.nextCounted()
	}
	return b.src.Next()
}

// nextCounted returns up to MaxArgs records.
func (b *Batcher) nextCounted() ([]string, error) {
	var fields []string
	for n := 0; n < b.opt.MaxArgs; n++ {
		rec, err := b.src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		fields = append(fields, rec...)
	}
	if fields == nil {
		return nil, io.EOF
	}
	return fields, nil
}

// nextPacked returns as many records as fit the command-line limit. When
// the input ends, the records of the last line are spread over the job
// slots, so that a short input still runs in parallel.
func (b *Batcher) nextPacked() ([]string, error) {
	if len(b.tail) > 0 {
		fields := b.tail[0]
		b.tail = b.tail[1:]
		return fields, nil
	}
	if b.eof {
		return nil, io.EOF
	}
	var records [][]string
	size := b.baseLen
	for {
		rec := b.carry
		b.carry = nil
		if rec == nil {
			var err error
			rec, err = b.src.Next()
			if err == io.EOF {
				b.eof = true
				break
			}
			if err != nil {
				return nil, err
			}
		}
		recSize := 0
		for _, f := range rec {
			recSize += quotedLen(f) + 1
		}
		full := b.opt.MaxArgs > 0 && len(records) == b.opt.MaxArgs
		if len(records) > 0 && (full || size+recSize > maxCommandLine) {
			b.carry = rec
			return flatten(records), nil
		}
		records = append(records, rec)
		size += recSize
	}
	if len(records) == 0 {
		return nil, io.EOF
	}
	// The input ended: spread the last records over the slots.
	parts := min(max(b.opt.Slots, 1), len(records))
	for i := range parts {
		lo, hi := i*len(records)/parts, (i+1)*len(records)/parts
		b.tail = append(b.tail, flatten(records[lo:hi]))
	}
	return b.nextPacked()
}

// flatten concatenates the fields of records.
func flatten(records [][]string) []string {
	var fields []string
	for _, r := range records {
		fields = append(fields, r...)
	}
	return fields
}

// quotedLen is the length of Quote(s) without building it.
func quotedLen(s string) int {
	if isBareWord(s) {
		return len(s)
	}
	return len(s) + 2 + 3*strings.Count(s, "'")
}
