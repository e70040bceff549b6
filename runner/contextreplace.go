package runner

import (
	"slices"
	"strings"

	"github.com/krun-dev/krun/quoting"
)

// Context replace (-X) is GNU parallel's rule for a job with several
// arguments: the word around a {} replacement string is repeated for each
// argument, so "pre-{}-post" with A and B becomes "pre-A-post pre-B-post".
// The word is the shell word that holds the replacement string, as krun's
// parser sees it; in a --tagstring, the text between white space.
//
// Every copy of the word is written exactly as the word is for one value:
// each value goes through quoting.Write with the context the analysis
// found for its replacement string, so repeating adds no way for a value
// to leave its quotes.

// repeatable reports whether p's value may be repeated with the word around
// it: a {}-style replacement string (not {N}, which names one argument),
// standing in a word of a list of words (a command's arguments, a for
// list, an array), not in a one-word place, arithmetic, a comment or
// backquotes (whose text the shell reads twice).
func (p *part) repeatable() bool {
	return p.kind == partArg && p.col == 0 && !p.raw && p.ctx.Repeatable()
}

// contextGroups returns parts with their literal text cut at the bounds of
// the words that are repeated, and groupEnd: groupEnd[i] > i when a
// repeated word starts at part i and ends before part groupEnd[i].
// offsets[i] is where part i starts in the text the spans are measured
// in (offsets[len(parts)] is its length); words[i] is the word of the
// repeatable part i. A word that would cut a replacement string, or
// that holds the raw command word, is not repeated.
func contextGroups(parts []part, offsets []int, words map[int]quoting.Span) ([]part, []int) {
	var spans []quoting.Span
	for i := range parts {
		if w, ok := words[i]; ok && parts[i].repeatable() {
			spans = append(spans, w)
		}
	}
	if len(spans) == 0 {
		return parts, nil
	}
	// Nested or overlapping words are repeated as one: the outermost.
	slices.SortFunc(spans, func(a, b quoting.Span) int { return a.Start - b.Start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.Start < last.End {
			last.End = max(last.End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	// Cut the literal parts at the bounds of the words.
	cuts := map[int]bool{}
	for _, s := range merged {
		cuts[s.Start], cuts[s.End] = true, true
	}
	var out []part
	var starts []int // where each part of out starts
	for i, p := range parts {
		lo, hi := offsets[i], offsets[i+1]
		if p.kind != partLiteral {
			for c := range cuts {
				if lo < c && c < hi {
					return parts, nil // a word bound inside a replacement string
				}
			}
			out, starts = append(out, p), append(starts, lo)
			continue
		}
		from := lo
		for c := lo + 1; c < hi; c++ {
			if cuts[c] {
				q := p
				q.text = p.text[from-lo : c-lo]
				out, starts = append(out, q), append(starts, from)
				from = c
			}
		}
		q := p
		q.text = p.text[from-lo:]
		out, starts = append(out, q), append(starts, from)
	}
	end := offsets[len(parts)]
	groupEnd := make([]int, len(out))
	for _, s := range merged {
		first, ok := slices.BinarySearch(starts, s.Start)
		if !ok {
			continue
		}
		last := len(out)
		if s.End < end {
			if last, ok = slices.BinarySearch(starts, s.End); !ok {
				continue
			}
		}
		if slices.ContainsFunc(out[first:last], func(p part) bool { return p.raw }) {
			continue
		}
		groupEnd[first] = last
	}
	return out, groupEnd
}

// textWords returns, for each {}-style replacement string of a plain-text
// template (--tagstring), the bounds of the text between white space that
// holds it, in the text the parts make.
func textWords(parts []part) (offsets []int, words map[int]quoting.Span) {
	offsets = make([]int, len(parts)+1)
	var text strings.Builder
	for i, p := range parts {
		offsets[i] = text.Len()
		text.WriteString(p.text)
	}
	offsets[len(parts)] = text.Len()
	all := text.String()
	words = map[int]quoting.Span{}
	for i, p := range parts {
		if p.kind != partArg || p.col != 0 {
			continue
		}
		start := strings.LastIndexAny(all[:offsets[i]], " \t\n") + 1
		end := len(all)
		if j := strings.IndexAny(all[offsets[i+1]:], " \t\n"); j >= 0 {
			end = offsets[i+1] + j
		}
		words[i] = quoting.Span{Start: start, End: end}
	}
	return offsets, words
}

// numberCost is room for the digits of a {#} or {%}.
const numberCost = 20

// baseCost estimates the length of the command line before any field is
// added: the template's text, room for {#} and {%}, and a little for the
// quotes a joined value may need.
func (t *Template) baseCost() int {
	n := 0
	for i := range t.parts {
		switch p := &t.parts[i]; p.kind {
		case partLiteral:
			n += len(p.text)
		case partSeq, partSlot:
			n += numberCost
		case partArg:
			n += 4
		}
	}
	return n
}

// fieldCost estimates how much one more field f adds to the command line:
// for each {}-style replacement string its value written for its context
// and a space, and under -X each repeated word, written for f, and a
// space. ({N} names one field, counted in the check that follows.)
func (t *Template) fieldCost(f string) int {
	var b strings.Builder
	n := 0
	for i := 0; i < len(t.parts); i++ {
		end := i + 1
		if t.groupEnd != nil && t.groupEnd[i] > i {
			end = t.groupEnd[i]
		} else if p := &t.parts[i]; p.kind != partArg || p.col != 0 {
			continue
		}
		b.Reset()
		for j := i; j < end; j++ {
			p := &t.parts[j]
			switch {
			case p.kind == partArg && p.col == 0:
				if writeValue(&b, p, p.mod.apply(f)) != nil {
					b.WriteString(f) // refused: the job will say why
				}
			case p.kind == partLiteral:
				b.WriteString(p.text)
			default:
				n += numberCost // {#}, {%}, {N}
			}
		}
		n += b.Len() + 1
		i = end - 1
	}
	return n
}
