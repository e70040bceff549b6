package runner

import (
	"encoding/csv"
	"io"
	"strings"
)

// csvItems joins the items of a source into whole CSV records (--csv): a
// quoted field may hold the delimiter (a newline), so an item with an odd
// number of double quotes goes on with the next item.
type csvItems struct {
	r     itemReader
	delim string
}

func (c *csvItems) next() (string, error) {
	item, err := c.r.next()
	if err != nil {
		return "", err
	}
	for strings.Count(item, `"`)%2 == 1 {
		more, err := c.r.next()
		if err == io.EOF {
			return item, nil // an unterminated quote: the rest of the input
		}
		if err != nil {
			return "", err
		}
		item += c.delim + more
	}
	return item, nil
}

// splitCSV splits one record into its fields by CSV's rules (RFC 4180,
// with comma as the separator): "a,""b"",c" is a and "b",c. An empty
// record is one empty field. Quotes that CSV does not allow where they
// stand are taken as text, and so is a newline outside quotes (in a :::
// value, or with -d).
func splitCSV(record string, comma rune) []string {
	r := csv.NewReader(strings.NewReader(record))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var fields []string
	for {
		more, err := r.Read()
		if err != nil {
			break // io.EOF: LazyQuotes leaves no other error
		}
		if len(fields) > 0 {
			fields[len(fields)-1] += "\n" + more[0]
			more = more[1:]
		}
		fields = append(fields, more...)
	}
	if len(fields) == 0 {
		return []string{""}
	}
	return fields
}
