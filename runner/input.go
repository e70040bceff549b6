package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// maxInputItem is the longest single input item krun reads. Linux passes
// at most 128 KiB in one argument (MAX_ARG_STRLEN), and a job's command
// line is one argument of "sh -c", so a longer item could never run; the
// bound keeps a runaway line (a binary file read as text) from costing
// many times its size in memory.
const maxInputItem = 1 << 20

// Source is one input source: the values of a ":::" list, or the items of
// a file (":::: FILE", "-a FILE") or of standard input.
type Source struct {
	// Values are literal arguments (":::"). Used when Path is empty.
	Values []string
	// Path is a file of items; "-" is standard input.
	Path string
	// Linked joins this source element by element with the previous one
	// (":::+", "::::+") instead of forming a cartesian product with it.
	// On the first source it does nothing.
	Linked bool
}

// name describes the source in error messages.
func (s Source) name() string {
	switch s.Path {
	case "":
		return "::: arguments"
	case "-":
		return "standard input"
	}
	return s.Path
}

// InputOptions configures [OpenInputs].
type InputOptions struct {
	// Sources are the input sources in command-line order. None means
	// standard input.
	Sources []Source
	// Stdin is read for the path "-"; it is never closed.
	Stdin io.Reader
	// Delimiter separates the items of files and standard input.
	// Empty means a newline.
	Delimiter string
	// SplitValues splits ":::" values at Delimiter too, as GNU parallel
	// does when -d is given: "1 done" with -d " " is two items.
	SplitValues bool
	// ColSep, when set, splits every item into columns.
	ColSep *regexp.Regexp
	// TrimLeft and TrimRight remove the white space (space, \t, \n, \v,
	// \f, \r) at the start and the end of every field: a column with
	// ColSep, else a whole item (GNU parallel's --trim).
	TrimLeft, TrimRight bool
	// SkipBlank drops items that are empty or only white space (-r).
	SkipBlank bool
	// Warn, when set, receives krun's warnings about the input, as one
	// line each: a NUL byte replaced (once per run).
	Warn func(line string)
	// Link joins every source element by element (--link), as GNU
	// parallel does: the shorter sources start again from their first
	// item until the longest one ends. Every source is held in memory.
	Link bool
	// Header takes the column names from the input (--header, see
	// header.go); [Inputs.Names] returns them.
	Header HeaderMode
	// CSV, when not 0, splits every item into columns by CSV's rules with
	// this separator (--csv), instead of ColSep; an item of a file or
	// stdin ends at a delimiter outside double quotes.
	CSV rune
	// EOF, when not empty, is the logical end of each source (xargs -E):
	// the source ends before the first item equal to it.
	EOF string
}

// Inputs yields the argument records of a run: the cartesian product of the
// input sources (first source outermost), with linked sources zipped.
// The first group of sources is streamed, so its length does not matter;
// the later groups are read into memory, as every combination needs them.
// An Inputs is not safe for concurrent use.
type Inputs struct {
	first   []itemReader   // the streamed group, zipped
	cycles  []*cycleReader // with Link: every source, started again when short
	rest    [][][]string   // later groups: their records, each a list of fields
	odo     []int          // the position in each later group
	cur     []string       // the current record of the first group
	opt     InputOptions
	closers []io.Closer
	done    bool
	// warnedNUL: the NUL warning was given.
	warnedNUL bool
	// names are the column names of --header.
	names []string
	// slab is room for the next records (newRecord).
	slab []string
}

// OpenInputs opens every input source up front, so that an unreadable file
// is reported before any job starts, and reads all but the first group of
// sources into memory. Close the result to release the files.
func OpenInputs(opt InputOptions) (*Inputs, error) {
	if opt.Delimiter == "" {
		opt.Delimiter = "\n"
	}
	sources := opt.Sources
	if len(sources) == 0 {
		sources = []Source{{Path: "-"}}
	}
	in := &Inputs{opt: opt}
	if opt.Link {
		for _, src := range sources {
			r, err := in.openSource(src)
			if err == nil {
				err = in.readHeader(src, r)
			}
			if err != nil {
				in.Close()
				return nil, err
			}
			in.cycles = append(in.cycles, &cycleReader{r: r})
		}
		return in, nil
	}
	var groups [][]itemReader
	for _, src := range sources {
		r, err := in.openSource(src)
		if err == nil {
			err = in.readHeader(src, r)
		}
		if err != nil {
			in.Close()
			return nil, err
		}
		if src.Linked && len(groups) > 0 {
			// The first source starts a group even when linked (GNU
			// parallel: "::::+ a b c" links a, b and c).
			groups[len(groups)-1] = append(groups[len(groups)-1], r)
		} else {
			groups = append(groups, []itemReader{r})
		}
	}
	in.first = groups[0]
	for _, g := range groups[1:] {
		var records [][]string
		for {
			rec, err := in.readRecord(g)
			if err == io.EOF {
				break
			}
			if err != nil {
				in.Close()
				return nil, err
			}
			records = append(records, rec)
		}
		in.rest = append(in.rest, records)
		if len(records) == 0 {
			in.done = true // the product with an empty source is empty
		}
	}
	in.odo = make([]int, len(in.rest))
	return in, nil
}

// open returns a reader of one source's items.
func (in *Inputs) open(src Source) (itemReader, error) {
	if src.Path == "" {
		if !in.opt.SplitValues {
			return &listReader{values: src.Values}, nil
		}
		var values []string
		for _, v := range src.Values {
			values = append(values, strings.Split(v, in.opt.Delimiter)...)
		}
		return &listReader{values: values}, nil
	}
	var r io.Reader
	if src.Path == "-" {
		if in.opt.Stdin == nil {
			return nil, errors.New("standard input is not available")
		}
		r = in.opt.Stdin
	} else {
		f, err := os.Open(src.Path)
		if err != nil {
			return nil, fmt.Errorf("input file: %w", err)
		}
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			return nil, fmt.Errorf("input file %s: is a directory", src.Path)
		}
		in.closers = append(in.closers, f)
		r = f
	}
	sr := newStreamReader(r, src.name(), in.opt.Delimiter)
	if in.opt.CSV != 0 {
		return &csvItems{r: sr, delim: in.opt.Delimiter}, nil
	}
	return sr, nil
}

// Total returns the number of records when it is known before reading
// them (every source of the first group is a ::: list, and no blank items
// are skipped), else -1.
func (in *Inputs) Total() int64 {
	if in.opt.SkipBlank {
		return -1
	}
	if in.cycles != nil {
		n := int64(0)
		for _, c := range in.cycles {
			l, ok := c.r.(*listReader)
			if !ok {
				return -1
			}
			if len(l.values) == 0 {
				return 0
			}
			n = max(n, int64(len(l.values)))
		}
		return n
	}
	n := int64(-1)
	for _, r := range in.first {
		l, ok := r.(*listReader)
		if !ok {
			return -1
		}
		if n < 0 || int64(len(l.values)) < n {
			n = int64(len(l.values))
		}
	}
	for _, records := range in.rest {
		n *= int64(len(records))
	}
	return n
}

// Next returns the fields of the next record: one per source, or one per
// column with a column separator. It returns io.EOF after the last record.
func (in *Inputs) Next() ([]string, error) {
	if in.done {
		return nil, io.EOF
	}
	if in.cycles != nil {
		rec, err := in.readLinked()
		if err != nil {
			in.done = true
		}
		return rec, err
	}
	// Advance the odometer of the later groups; the last one turns fastest.
	if in.cur != nil {
		i := len(in.odo) - 1
		for ; i >= 0; i-- {
			in.odo[i]++
			if in.odo[i] < len(in.rest[i]) {
				break
			}
			in.odo[i] = 0
		}
		if i < 0 {
			in.cur = nil
		}
	}
	if in.cur == nil {
		rec, err := in.readRecord(in.first)
		if err != nil {
			in.done = true
			return nil, err
		}
		in.cur = rec
	}
	if len(in.rest) == 0 {
		rec := in.cur
		in.cur = nil
		return rec, nil
	}
	rec := append([]string(nil), in.cur...)
	for i, records := range in.rest {
		rec = append(rec, records[in.odo[i]]...)
	}
	return rec, nil
}

// readRecord reads one item from each reader of a group (zipping linked
// sources, stopping at the shortest) and splits them into fields.
func (in *Inputs) readRecord(group []itemReader) ([]string, error) {
	for {
		items := in.newRecord(len(group))
		for i, r := range group {
			item, err := r.next()
			if err != nil {
				return nil, err
			}
			items[i] = item
		}
		if rec, ok := in.fields(items); ok {
			return rec, nil
		}
	}
}

// newRecord returns room for a record of n items: a piece of a larger
// slice, shared with the next records, which saves an allocation per
// record. Each piece's capacity ends with it, so no append runs into
// another record.
func (in *Inputs) newRecord(n int) []string {
	const slab = 256
	if n > slab/4 {
		return make([]string, n)
	}
	if len(in.slab) < n {
		in.slab = make([]string, slab)
	}
	rec := in.slab[:n:n]
	in.slab = in.slab[n:]
	return rec
}

// fields turns the items of one record into its fields, split into
// columns with a column separator. It reports false for a record that -r
// skips: every item empty or white space.
func (in *Inputs) fields(items []string) ([]string, bool) {
	blank := true
	rec := items // the fields are the items, without columns
	if in.opt.ColSep != nil || in.opt.CSV != 0 {
		rec = make([]string, 0, len(items))
	}
	for _, item := range items {
		if blank && !isBlank(item) {
			blank = false
		}
		if in.opt.CSV != 0 {
			rec = append(rec, splitCSV(item, in.opt.CSV)...)
		} else if in.opt.ColSep != nil {
			rec = append(rec, in.opt.ColSep.Split(item, -1)...)
		}
	}
	if in.opt.SkipBlank && blank {
		return nil, false
	}
	for i, f := range rec {
		if strings.IndexByte(f, 0) >= 0 {
			rec[i] = in.replaceNUL(f) // after --colsep, as GNU parallel
		}
	}
	if in.opt.TrimLeft || in.opt.TrimRight {
		for i, f := range rec {
			if in.opt.TrimLeft {
				f = strings.TrimLeft(f, trimmedSpace)
			}
			if in.opt.TrimRight {
				f = strings.TrimRight(f, trimmedSpace)
			}
			rec[i] = f
		}
	}
	return rec, true
}

// isBlank reports whether s is empty or only spaces, tabs, CRs and
// newlines, the white space -r skips.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// nulWarning is the warning for a NUL byte in the input, given once.
const nulWarning = `krun: warning: a NUL byte in the input was replaced with \0: no command line can carry NUL (split the input at NULs with -0)`

// replaceNUL replaces each NUL byte of item with the two characters \0,
// as GNU parallel does, and warns once per run.
func (in *Inputs) replaceNUL(item string) string {
	if !in.warnedNUL && in.opt.Warn != nil {
		in.opt.Warn(nulWarning)
	}
	in.warnedNUL = true
	return strings.ReplaceAll(item, "\x00", `\0`)
}

// trimmedSpace is the white space --trim removes: Perl's \s, as GNU
// parallel's.
const trimmedSpace = " \t\n\v\f\r"

// ParseTrim interprets a --trim value: n (nothing), l (left), r (right),
// lr or rl (both).
func ParseTrim(s string) (left, right bool, err error) {
	switch s {
	case "n":
		return false, false, nil
	case "l":
		return true, false, nil
	case "r":
		return false, true, nil
	case "lr", "rl":
		return true, true, nil
	}
	return false, false, fmt.Errorf("invalid value %q: want n, l, r, lr or rl", s)
}

// readLinked reads one item from every source (--link), starting the
// sources that ended again from their first item, until a round where no
// source has an item of its own: the longest source has ended.
func (in *Inputs) readLinked() ([]string, error) {
	for {
		items := make([]string, len(in.cycles))
		fresh := false
		for i, c := range in.cycles {
			item, own, err := c.next()
			if err != nil {
				return nil, err
			}
			items[i], fresh = item, fresh || own
		}
		if !fresh {
			return nil, io.EOF
		}
		if rec, ok := in.fields(items); ok {
			return rec, nil
		}
	}
}

// Close closes the input files. Standard input is left open.
func (in *Inputs) Close() error {
	var errs []error
	for _, c := range in.closers {
		errs = append(errs, c.Close())
	}
	in.closers = nil
	return errors.Join(errs...)
}

// itemReader yields the items of one source, then io.EOF.
type itemReader interface {
	next() (string, error)
}

// listReader yields literal ":::" values.
type listReader struct {
	values []string
	i      int
}

func (r *listReader) next() (string, error) {
	if r.i >= len(r.values) {
		return "", io.EOF
	}
	r.i++
	return r.values[r.i-1], nil
}

// cycleReader yields the items of a source, then the same items again
// from the first, for ever (--link); it keeps them all.
type cycleReader struct {
	r     itemReader
	items []string
	ended bool
	i     int
}

// next returns the next item and whether it is the source's own (read for
// the first time) rather than one given again. A source with no items at
// all ends the input: io.EOF.
func (c *cycleReader) next() (item string, own bool, err error) {
	if !c.ended {
		item, err := c.r.next()
		if err == nil {
			c.items = append(c.items, item)
			return item, true, nil
		}
		if err != io.EOF {
			return "", false, err
		}
		c.ended = true
	}
	if len(c.items) == 0 {
		return "", false, io.EOF
	}
	item = c.items[c.i%len(c.items)]
	c.i++
	return item, false, nil
}

// streamReader yields the delimited items of a file or stream, reading only
// as far as the next item.
type streamReader struct {
	sc   *bufio.Scanner
	name string
	item int
}

func newStreamReader(r io.Reader, name, delim string) *streamReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxInputItem)
	sep := []byte(delim)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.Index(data, sep); i >= 0 {
			return i + len(sep), data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil // a last item without delimiter
		}
		return 0, nil, nil
	})
	return &streamReader{sc: sc, name: name}
}

func (r *streamReader) next() (string, error) {
	if r.sc.Scan() {
		r.item++
		return r.sc.Text(), nil
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return "", fmt.Errorf("read %s: item %d is longer than %d MiB, more than any command line can carry", r.name, r.item+1, maxInputItem>>20)
		}
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err // the path is already in the message
		}
		return "", fmt.Errorf("read %s: %w", r.name, err)
	}
	return "", io.EOF
}

// ParseDelimiter turns a -d argument into the delimiter string, with the
// escapes \n, \t, \r, \0, \\ and \xHH.
func ParseDelimiter(s string) (string, error) {
	if s == "" {
		return "", errors.New("the delimiter is empty")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case '\\':
			b.WriteByte('\\')
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("bad escape in delimiter %q: \\x needs two hex digits", s)
			}
			c, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("bad escape in delimiter %q: \\x needs two hex digits", s)
			}
			b.WriteByte(byte(c))
			i += 2
		default:
			return "", fmt.Errorf("unknown escape \\%c in delimiter %q", s[i], s)
		}
	}
	return b.String(), nil
}
