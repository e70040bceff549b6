package runner

import (
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/krun-dev/krun/quoting"
)

// RecordSource yields argument records; [Inputs] is one.
type RecordSource interface {
	Next() ([]string, error)
}

// fieldNumberer is a RecordSource that also tells, after each Next, the
// input source or column number of each field it returned ([Batcher]).
type fieldNumberer interface {
	fieldNumbers() []int
}

// BatchOptions configures [NewBatcher].
type BatchOptions struct {
	// MaxArgs is the most records in one job (-n). 0 means one record per
	// job, or no count limit with Pack.
	MaxArgs int
	// Pack fills each command line up to MaxLine (-X, -m).
	Pack bool
	// MaxLine is the longest command line Pack builds (see
	// CommandLineLimit); 0 means the limit on one argument.
	MaxLine int
	// Template is the command the records go into; Pack measures each
	// command line with it.
	Template *Template
	// Slots is the number of job slots; with Pack the last records are
	// spread over that many jobs.
	Slots int
	// Check makes MaxLine a hard limit (xargs -s, -x): a command line
	// over it is an error, [ErrLineTooLong], that ends the input, instead
	// of a job that fails to start. With MaxArgs, a batch over it is
	// shortened to fit, unless Exit is set.
	Check bool
	// Exit, with Check, makes a batch of MaxArgs records over MaxLine an
	// error instead of a shorter batch (xargs -x).
	Exit bool
}

// Batcher groups records into the fields of one job each: one record per
// job, up to MaxArgs records (-n), or as many as fit one command line (-X,
// -m). It is not safe for concurrent use.
type Batcher struct {
	src     RecordSource
	opt     BatchOptions
	pending [][]string // records read that did not fit the last batch
	tail    [][]string // the last batches of -X, spread over the slots
	eof     bool
	base    int // the estimated length of the command line without fields
	// numbers are the field numbers of the last batch; tailNumbers those
	// of the batches in tail.
	numbers     []int
	tailNumbers [][]int
}

// NewBatcher returns a Batcher reading from src.
func NewBatcher(src RecordSource, opt BatchOptions) *Batcher {
	if opt.MaxLine <= 0 {
		opt.MaxLine = maxCommandLine
	}
	b := &Batcher{src: src, opt: opt}
	if opt.Template != nil {
		b.base = opt.Template.baseCost()
	}
	return b
}

// Next returns the fields of the next job, or io.EOF.
func (b *Batcher) Next() ([]string, error) {
	b.numbers = nil
	switch {
	case b.opt.Pack:
		return b.nextPacked()
	case b.opt.MaxArgs > 1:
		return b.nextCounted()
	}
	rec, err := b.src.Next()
	if err == nil && b.opt.Check {
		err = b.check(rec)
	}
	return rec, err
}

// fieldNumbers returns the input source or column number of each field
// Next returned last: they start again from 1 with each record. Nil
// means 1, 2, 3, ...
func (b *Batcher) fieldNumbers() []int { return b.numbers }

// numbered returns the field numbers of records.
func numbered(records [][]string) []int {
	total := 0
	for _, r := range records {
		total += len(r)
	}
	if total == 0 {
		return nil
	}
	n := make([]int, 0, total)
	for _, r := range records {
		for i := range r {
			n = append(n, i+1)
		}
	}
	return n
}

// nextCounted returns up to MaxArgs records.
func (b *Batcher) nextCounted() ([]string, error) {
	var records [][]string
	for n := 0; n < b.opt.MaxArgs; n++ {
		rec, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		records = append(records, rec)
	}
	if records == nil {
		return nil, io.EOF
	}
	if b.opt.Check {
		var err error
		if records, err = b.checkBatch(records); err != nil {
			return nil, err
		}
	}
	b.numbers = numbered(records)
	return slices.Concat(records...), nil
}

// next returns the next record: a pending one, else one read.
func (b *Batcher) next() ([]string, error) {
	if len(b.pending) > 0 {
		rec := b.pending[0]
		b.pending = b.pending[1:]
		return rec, nil
	}
	if b.eof {
		return nil, io.EOF
	}
	rec, err := b.src.Next()
	if err == io.EOF {
		b.eof = true
	}
	return rec, err
}

// nextPacked returns as many records as fit the command-line limit: the
// records are counted by an estimate of their length as they are read,
// then the command line is built to check, and shortened when it is over.
// When the input ends, the records of the last line are spread over the
// job slots, so that a short input still runs in parallel.
func (b *Batcher) nextPacked() ([]string, error) {
	if len(b.tail) > 0 {
		fields := b.tail[0]
		b.tail, b.numbers, b.tailNumbers = b.tail[1:], b.tailNumbers[0], b.tailNumbers[1:]
		return fields, nil
	}
	var records [][]string
	size := b.base
	for {
		rec, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		cost := b.recordCost(rec)
		full := b.opt.MaxArgs > 0 && len(records) == b.opt.MaxArgs
		if len(records) > 0 && (full || size+cost > b.opt.MaxLine) {
			b.pending = append([][]string{rec}, b.pending...)
			break
		}
		records = append(records, rec)
		size += cost
	}
	if len(records) == 0 {
		return nil, io.EOF
	}
	n := b.fit(records)
	if b.opt.Check {
		var err error
		if records, n, err = b.fill(records, n); err != nil {
			return nil, err
		}
	}
	if n < len(records) || len(b.pending) > 0 || !b.eof {
		b.pending = append(records[n:len(records):len(records)], b.pending...)
		b.numbers = numbered(records[:n])
		return slices.Concat(records[:n]...), nil
	}
	// The input ended: spread the last records over the slots.
	parts := min(max(b.opt.Slots, 1), len(records))
	for i := range parts {
		lo, hi := i*len(records)/parts, (i+1)*len(records)/parts
		b.tail = append(b.tail, slices.Concat(records[lo:hi]...))
		b.tailNumbers = append(b.tailNumbers, numbered(records[lo:hi]))
	}
	return b.nextPacked()
}

// fit returns how many of records, from the first, make a command line
// within MaxLine, built as a job would build it (with the longest {#} and
// {%}); at least one. A command that cannot be built is left as it is: the
// job reports why.
func (b *Batcher) fit(records [][]string) int {
	t := b.opt.Template
	if t == nil {
		return len(records)
	}
	fits := func(n int) bool {
		cmd, err := t.Expand(Args{Fields: slices.Concat(records[:n]...), Seq: math.MaxInt64, Slot: math.MaxInt32})
		return err != nil || len(cmd) <= b.opt.MaxLine
	}
	if fits(len(records)) {
		return len(records)
	}
	// The largest n that fits; the line grows with n.
	return max(sort.Search(len(records), func(n int) bool { return !fits(n + 1) }), 1)
}

// recordCost estimates how much a record adds to a command line.
func (b *Batcher) recordCost(rec []string) int {
	if b.opt.Template == nil {
		n := 0
		for _, f := range rec {
			n += quotedLen(f) + 1
		}
		return n
	}
	n := 0
	for _, f := range rec {
		n += b.opt.Template.fieldCost(f)
	}
	return n
}

// quotedLen is the length of Quote(s) without building it.
func quotedLen(s string) int {
	if quoting.IsBareWord(s) {
		return len(s)
	}
	return len(s) + 2 + 3*strings.Count(s, "'")
}
