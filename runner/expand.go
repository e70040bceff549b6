package runner

import (
	"strconv"
	"strings"

	"github.com/krun-dev/krun/quoting"
)

// Args are the values one job's command is built from.
type Args struct {
	// Fields are the job's arguments: one per input source, or per column
	// with --colsep, or several inputs' worth with -n and -X.
	Fields []string
	// Seq is the job's sequence number, from 1.
	Seq int64
	// Slot is the job slot the job runs in, from 1.
	Slot int
}

// Expand builds the shell command line of one job: each replacement
// string becomes its value, quoted for the place it stands in. It fails,
// with an *UnsafeValueError, for a value that no quoting makes safe where
// it stands (see quoting.Write).
//
// With context replace (TemplateOptions.Context) and several fields, each
// repeated word is written once per field, the copies separated by a
// space, each copy with that one field for its {}-style replacement
// strings.
func (t *Template) Expand(a Args) (string, error) {
	var b strings.Builder
	b.Grow(len(t.text) + 16*len(a.Fields))
	for i := 0; i < len(t.parts); i++ {
		if t.groupEnd != nil && t.groupEnd[i] > i && len(a.Fields) > 1 {
			end := t.groupEnd[i]
			for k, f := range a.Fields {
				if k > 0 {
					b.WriteByte(' ')
				}
				for j := i; j < end; j++ {
					if err := writePart(&b, &t.parts[j], a, []string{f}); err != nil {
						return "", err
					}
				}
			}
			i = end - 1
			continue
		}
		if err := writePart(&b, &t.parts[i], a, a.Fields); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// writePart writes one part of a template for a job: {}-style
// replacement strings stand for fields, {N} for field N of the job.
func writePart(b *strings.Builder, p *part, a Args, fields []string) error {
	switch p.kind {
	case partLiteral:
		b.WriteString(p.text)
	case partSeq:
		b.WriteString(strconv.FormatInt(a.Seq, 10))
	case partSlot:
		b.WriteString(strconv.Itoa(a.Slot))
	case partArg:
		if p.col > 0 {
			fields = a.Fields
		}
		return writeArg(b, p, fields)
	}
	return nil
}

// writeArg writes the value of one {}-style replacement string.
func writeArg(b *strings.Builder, p *part, fields []string) error {
	if p.col > 0 {
		if p.col > len(fields) {
			// A missing {N} is an empty value: an empty word where it
			// stands alone, so that the words after it keep their places.
			if !p.raw && p.ctx.Bare() {
				return quoting.Write(b, "", p.ctx)
			}
			return nil
		}
		return writeValue(b, p, p.mod.apply(fields[p.col-1]))
	}
	// {} stands for all fields, separated by spaces: separate words where
	// the template leaves it bare, one string inside quotes.
	if p.raw || !p.ctx.Bare() || p.ctx.OneWord() || len(fields) == 1 {
		return writeValue(b, p, joinFields(fields, p.mod))
	}
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		if err := writeValue(b, p, p.mod.apply(f)); err != nil {
			return err
		}
	}
	return nil
}

// writeValue writes one value of p: as is when p is the raw command word,
// else quoted for p's context.
func writeValue(b *strings.Builder, p *part, v string) error {
	if p.raw {
		b.WriteString(v)
		return nil
	}
	return quoting.Write(b, v, p.ctx)
}

// joinFields applies mod to every field and joins them with spaces.
func joinFields(fields []string, mod modifier) string {
	if len(fields) == 1 {
		return mod.apply(fields[0])
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(mod.apply(f))
	}
	return b.String()
}
