package runner

import (
	"strconv"
	"strings"
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
// string becomes its value, quoted for the place it stands in.
func (t *Template) Expand(a Args) string {
	var b strings.Builder
	b.Grow(len(t.text) + 16*len(a.Fields))
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partLiteral:
			b.WriteString(p.text)
		case partSeq:
			b.WriteString(strconv.FormatInt(a.Seq, 10))
		case partSlot:
			b.WriteString(strconv.Itoa(a.Slot))
		case partArg:
			t.writeArg(&b, p, a.Fields)
		}
	}
	return b.String()
}

// writeArg writes the value of one {}-style replacement string.
func (t *Template) writeArg(b *strings.Builder, p *part, fields []string) {
	if p.col > 0 {
		if p.col > len(fields) {
			return // a missing {N} expands to nothing
		}
		v := p.mod.apply(fields[p.col-1])
		if p.raw {
			b.WriteString(v)
		} else {
			writeInContext(b, v, p.ctx)
		}
		return
	}
	// {} stands for all fields, separated by spaces: separate words where
	// the template leaves it bare, one string inside quotes.
	if p.raw || p.ctx.kind != quoteBare || len(fields) == 1 {
		v := joinFields(fields, p.mod)
		if p.raw {
			b.WriteString(v)
		} else {
			writeInContext(b, v, p.ctx)
		}
		return
	}
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeInContext(b, p.mod.apply(f), p.ctx)
	}
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
