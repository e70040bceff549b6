// Package quoting is the part of krun that no input may get past: it
// finds where each replacement string of a command template stands in the
// shell's syntax, and writes a value there so that the shell hands it to
// the program as literal text, whatever the value holds.
//
// A template is given as [Piece]s: literal shell text, and placeholders
// for values. [Analyze] parses the template as shell code of a [Dialect]
// (bash's grammar for sh, dash, ash, bash and ksh93; zsh's for zsh), with
// a sentinel word in place of each placeholder, and returns the [Context]
// of each: bare, in single, double or $'...' quotes, in a comment, in
// arithmetic, inside backquotes, in a one-word place, next to constructs
// that evaluate text as a name or arithmetic. Placeholders where no
// quoting can make a value literal (a variable name, ${...}, a
// here-document) are refused there, with an error that names the place.
// [Write] then writes a value for its context, or refuses a value that
// the context would evaluate ([UnsafeValueError]): in a template that
// makes the shell evaluate text as arithmetic or a name, values with [, $
// or ` are refused everywhere in it.
//
// The package is tested through package runner's templates: the injection
// matrix runs every value through real sh, bash, ksh and zsh, and the
// quoting fuzz test compares what the shell hands over with the value.
package quoting

// PieceKind says what a piece of a template is.
type PieceKind uint8

const (
	// Literal is template text, parsed as shell code and copied as is.
	Literal PieceKind = iota
	// Value is a placeholder for a value that may hold anything: it is
	// quoted for its context, and refused where quoting cannot help.
	Value
	// Number is a placeholder for a number krun makes itself ({#}, {%}):
	// nothing to quote or check.
	Number
)

// Piece is one piece of a template.
type Piece struct {
	Kind PieceKind
	// Text is the literal text, or the replacement string as written (for
	// error messages).
	Text string
	// Raw marks the placeholder that starts the template, whose value is a
	// command by design and is inserted unquoted (GNU parallel's rule).
	Raw bool
}

// Span is a range of byte offsets in a template's probe text: [Start, End).
type Span struct{ Start, End int }

// Analysis is what [Analyze] finds in a template.
type Analysis struct {
	// Contexts[i] is where piece i stands; set for placeholders.
	Contexts []Context
	// Offsets[i] is where piece i starts in the probe text (the template
	// with a sentinel word for each placeholder); the last is its end.
	Offsets []int
	// Words[i] is where the shell word holding placeholder i starts and
	// ends in the probe text, when it stands in one (for -X).
	Words map[int]Span
}

// Bare reports whether the value stands outside any quotes, where the
// shell splits words: the fields of {} become several words there.
func (c Context) Bare() bool { return c.kind == quoteBare }

// OneWord reports whether the value stands where the shell takes one word
// (an assignment, a redirection, a test, a case word): the fields of {}
// are joined into one.
func (c Context) OneWord() bool { return c.oneWord }

// Repeatable reports whether -X may repeat the word around the value for
// each argument: it is not inside backquotes, a comment or arithmetic,
// and stands where several words may.
func (c Context) Repeatable() bool {
	return !c.oneWord && c.backquotes == 0 && c.kind != quoteComment && c.kind != quoteArith
}
