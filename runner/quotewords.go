package runner

import (
	"strings"

	"github.com/krun-dev/krun/quoting"
)

// quotedWordParts splits the command words of -q (--quote) into template
// parts: the text of every word is quoted so that the shell reads each
// word as one literal word, and the replacement strings in it stay where
// they are, so that their values are quoted for the place they stand in,
// as in any template. Words are joined with spaces, as without -q.
//
// Quoting the text around each replacement string, rather than the whole
// word, keeps a -I string that holds quote characters recognisable.
func quotedWordParts(words []string, so scanOptions) []part {
	var parts []part
	for i, w := range words {
		if i > 0 {
			parts = append(parts, part{kind: partLiteral, text: " "})
		}
		pieces := scanReplacements(w, so)
		if len(pieces) == 0 {
			parts = append(parts, part{kind: partLiteral, text: "''"})
			continue
		}
		for _, p := range pieces {
			if p.kind == partLiteral {
				p.text = quoting.Quote(p.text)
			}
			parts = append(parts, p)
		}
	}
	return parts
}

// partsText is the text of a parsed template, replacement strings as
// written.
func partsText(parts []part) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.text)
	}
	return b.String()
}
