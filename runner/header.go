package runner

import (
	"fmt"
	"io"
	"strings"
)

// HeaderMode is what --header takes from the input sources (GNU parallel's
// --header without --pipe).
type HeaderMode uint8

const (
	// NoHeader: every item is an argument.
	NoHeader HeaderMode = iota
	// HeaderLine: the first item of each input source names its columns
	// (--header : or any REGEX: GNU parallel reads the first line whatever
	// the regular expression); it is not an argument.
	HeaderLine
	// HeaderPaths: each input file's name names its source, and no item
	// is taken (--header 0).
	HeaderPaths
)

// readHeader takes the header of one source (r, just opened) when
// opt.Header asks for one, and adds its names to in.names: one per column
// with ColSep, else one. A source with no items names nothing.
func (in *Inputs) readHeader(src Source, r itemReader) error {
	switch in.opt.Header {
	case HeaderPaths:
		in.names = append(in.names, src.Path) // "" for ::: values: no name
		return nil
	case HeaderLine:
	default:
		return nil
	}
	var line string
	if l, ok := r.(*listReader); ok {
		// Taken out of the list, so that Total counts the arguments only.
		if len(l.values) == 0 {
			return nil
		}
		line, l.values = l.values[0], l.values[1:]
	} else {
		item, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		line = item
	}
	line = strings.TrimSuffix(line, "\r") // as GNU parallel
	in.names = append(in.names, in.splitHeader(line)...)
	return nil
}

// splitHeader splits a header item into its column names, as items are
// split into columns (--colsep, --csv, --trim).
func (in *Inputs) splitHeader(line string) []string {
	skip := in.opt.SkipBlank
	in.opt.SkipBlank = false
	names, _ := in.fields([]string{line})
	in.opt.SkipBlank = skip
	return names
}

// Names returns the column names read by --header, in column order
// (Names()[i] names column i+1; "" is no name), or nil without --header.
func (in *Inputs) Names() []string { return in.names }
