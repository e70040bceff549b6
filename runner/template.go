package runner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/krun-dev/krun/quoting"
)

// modifier is the path transformation of a replacement string:
// the part between the braces after the optional column number.
type modifier uint8

const (
	modNone      modifier = iota // {}   the value as is
	modNoExt                     // {.}  without the last extension
	modBase                      // {/}  the base name
	modDir                       // {//} the directory
	modBaseNoExt                 // {/.} the base name without extension
)

var modifiers = map[string]modifier{
	"":   modNone,
	".":  modNoExt,
	"/":  modBase,
	"//": modDir,
	"/.": modBaseNoExt,
}

// apply transforms one argument the way GNU parallel does.
func (m modifier) apply(s string) string {
	switch m {
	case modNoExt:
		return trimExt(s)
	case modBase:
		return baseName(s)
	case modDir:
		return dirName(s)
	case modBaseNoExt:
		return trimExt(baseName(s))
	}
	return s
}

// trimExt removes the last ".ext" when it is in the last path element:
// GNU parallel's s:\.[^/.]*$::, so "{.}" of ".hidden" is empty.
func trimExt(s string) string {
	i := strings.LastIndexByte(s, '.')
	if i < 0 || strings.IndexByte(s[i:], '/') >= 0 {
		return s
	}
	return s[:i]
}

// baseName is everything after the last slash (GNU parallel's s:^.*/::).
func baseName(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

// dirName is the directory part, as GNU parallel computes it with Perl's
// File::Basename::dirname (POSIX dirname): trailing slashes are ignored,
// "." when there is no slash, "/" for a path at the top level.
func dirName(s string) string {
	t := strings.TrimRight(s, "/")
	if t == "" {
		if s == "" {
			return "."
		}
		return "/"
	}
	i := strings.LastIndexByte(t, '/')
	if i < 0 {
		return "."
	}
	if d := strings.TrimRight(t[:i], "/"); d != "" {
		return d
	}
	return "/"
}

// partKind tells what a piece of a template stands for.
type partKind uint8

const (
	partLiteral partKind = iota // template text, copied as is
	partArg                     // {} {.} {/} {//} {/.} and their {N...} forms
	partSeq                     // {#}
	partSlot                    // {%}
)

// part is one piece of a parsed template.
type part struct {
	kind partKind
	text string   // the literal text, or the replacement string as written
	col  int      // 0: all arguments; N: argument or column N
	mod  modifier // path transformation of partArg
	// raw marks the replacement string that starts the template: its value
	// is a command and is inserted unquoted (GNU parallel's rule).
	raw bool
	// ctx is where the replacement string stands in the shell syntax of the
	// template; it decides how the value is quoted.
	ctx quoting.Context
}

// pieces is the template's parts as package quoting sees them: literal
// text, values to quote, and numbers krun makes.
func pieces(parts []part) []quoting.Piece {
	ps := make([]quoting.Piece, len(parts))
	for i, p := range parts {
		ps[i] = quoting.Piece{Kind: quoting.Number, Text: p.text, Raw: p.raw}
		switch p.kind {
		case partLiteral:
			ps[i].Kind = quoting.Literal
		case partArg:
			ps[i].Kind = quoting.Value
		}
	}
	return ps
}

// Template is a parsed command template. Build one with [ParseTemplate];
// it is immutable afterwards and safe for concurrent use.
type Template struct {
	parts []part
	// text is the template as given, for messages.
	text string
	// appended: the template had no replacement string, so the arguments
	// are appended after it.
	appended bool
	// groupEnd marks the words repeated for each argument (-X, see
	// contextreplace.go): groupEnd[i] > i when one starts at part i; nil
	// when there are none.
	groupEnd []int
}

// TemplateOptions configures [ParseTemplate].
type TemplateOptions struct {
	// Replace is the string that stands for the arguments instead of "{}"
	// (xargs -I). Empty means "{}".
	Replace string
	// Literal makes a template of plain text, not a shell command: values
	// are inserted as they are and nothing is appended (--tagstring).
	Literal bool
	// Shell is the shell that will run the command ("" means /bin/sh). The
	// template is parsed with its grammar, and refused when it has values
	// to quote and the shell is not one krun knows how to quote for.
	Shell string
	// Context repeats the word around a {}-style replacement string for
	// each argument of a job with several (-X, GNU parallel's context
	// replace): "pre-{}-post" with A and B is "pre-A-post pre-B-post".
	Context bool
}

// ParseTemplate parses a command template: the command words joined with
// spaces. When the template contains no replacement string the arguments
// are appended at the end; when it is empty each input is a whole command.
// It returns an error when a replacement string stands where no value can
// be inserted safely (after a backslash or a "$", in a here-document),
// and for GNU parallel's Perl expressions, {= ... =}.
func ParseTemplate(words []string, opt TemplateOptions) (*Template, error) {
	text := strings.Join(words, " ")
	if i := strings.Index(text, "{="); i >= 0 {
		if j := strings.Index(text[i+2:], "=}"); j >= 0 {
			return nil, fmt.Errorf("%s: GNU parallel's Perl expressions are not supported, krun runs no Perl (use {}, {.}, {/}, {//}, {/.} and shell code)", text[i:i+2+j+2])
		}
	}
	parts := scanReplacements(text, opt.Replace)
	appended := false
	if opt.Literal {
		var groupEnd []int
		if opt.Context {
			offsets, wordSpans := textWords(parts)
			parts, groupEnd = contextGroups(parts, offsets, wordSpans)
		}
		for i := range parts {
			parts[i].raw = true
		}
		return &Template{parts: parts, text: text, groupEnd: groupEnd}, nil
	}
	hasRepl := false
	for _, p := range parts {
		if p.kind != partLiteral {
			hasRepl = true
			break
		}
	}
	switch {
	case len(words) == 0 || strings.TrimSpace(text) == "":
		// No command: each input is itself the command.
		parts = []part{{kind: partArg, text: "{}"}}
	case !hasRepl:
		parts = append(parts, part{kind: partLiteral, text: " "}, part{kind: partArg, text: "{}"})
		appended = true
	}
	if parts[0].kind != partLiteral {
		parts[0].raw = true
	}
	an, err := quoting.Analyze(pieces(parts), quoting.DialectOf(opt.Shell))
	if err != nil {
		return nil, fmt.Errorf("command template %q: %w", text, err)
	}
	for i := range parts {
		parts[i].ctx = an.Contexts[i]
	}
	var groupEnd []int
	if opt.Context {
		parts, groupEnd = contextGroups(parts, an.Offsets, an.Words)
	}
	return &Template{parts: parts, text: text, appended: appended, groupEnd: groupEnd}, nil
}

// appendedPrefix returns the command before the arguments when they are
// appended because the template has no replacement string of its own.
func (t *Template) appendedPrefix() (string, bool) {
	if !t.appended {
		return "", false
	}
	return t.text, true
}

// scanReplacements splits text into literal parts and replacement strings.
// Braces that do not form a replacement string are literal text.
func scanReplacements(text, replace string) []part {
	var parts []part
	lit := 0
	flush := func(end int) {
		if end > lit {
			parts = append(parts, part{kind: partLiteral, text: text[lit:end]})
		}
	}
	for i := 0; i < len(text); {
		if replace != "" && strings.HasPrefix(text[i:], replace) {
			flush(i)
			parts = append(parts, part{kind: partArg, text: replace})
			i += len(replace)
			lit = i
			continue
		}
		if text[i] == '{' {
			if end := strings.IndexByte(text[i+1:], '}'); end >= 0 {
				inner := text[i+1 : i+1+end]
				if p, ok := parseReplacement(inner, replace == ""); ok {
					flush(i)
					p.text = text[i : i+end+2]
					parts = append(parts, p)
					i += end + 2
					lit = i
					continue
				}
			}
		}
		i++
	}
	flush(len(text))
	return parts
}

// parseReplacement recognises the text between braces. bare tells whether
// "{}" itself is a replacement string (it is not under -I).
func parseReplacement(inner string, bare bool) (part, bool) {
	switch inner {
	case "#":
		return part{kind: partSeq}, true
	case "%":
		return part{kind: partSlot}, true
	}
	digits := 0
	for digits < len(inner) && inner[digits] >= '0' && inner[digits] <= '9' {
		digits++
	}
	mod, ok := modifiers[inner[digits:]]
	if !ok {
		return part{}, false
	}
	if digits == 0 {
		if inner == "" && !bare {
			return part{}, false
		}
		return part{kind: partArg, mod: mod}, true
	}
	col, err := strconv.Atoi(inner[:digits])
	if err != nil || col < 1 {
		return part{}, false
	}
	return part{kind: partArg, col: col, mod: mod}, true
}

// String returns the template as given.
func (t *Template) String() string { return t.text }

// UsesArgs reports whether the template contains a replacement string
// for the arguments: {} and its forms, {N}, or -I's string.
func (t *Template) UsesArgs() bool {
	for _, p := range t.parts {
		if p.kind == partArg {
			return true
		}
	}
	return false
}

// UsesSeq reports whether the template contains {#}.
func (t *Template) UsesSeq() bool {
	for _, p := range t.parts {
		if p.kind == partSeq {
			return true
		}
	}
	return false
}

// UsesSlot reports whether the template contains {%}.
func (t *Template) UsesSlot() bool {
	for _, p := range t.parts {
		if p.kind == partSlot {
			return true
		}
	}
	return false
}
