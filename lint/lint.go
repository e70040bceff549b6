package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// ParseError is a script that is not valid shell syntax.
type ParseError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Lint reads a bash or POSIX sh script from src, to the end, and returns
// its findings, ordered by position. name is the file name used in the
// findings and in errors. Findings on lines with a "# krun-lint
// disable=CODE" comment, or in the statement below one, are left out. A
// script that is not valid shell syntax returns a *ParseError; a failing
// src returns its error. Lint keeps no state between calls: it may be
// called from several goroutines at once. Its time and memory stay
// bounded on any input (function calls and inner scripts are followed a
// limited number of times).
func Lint(name string, src io.Reader) ([]Finding, error) {
	data, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	parser := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash))
	file, err := parser.Parse(bytes.NewReader(data), name)
	if err != nil {
		return nil, parseError(name, err)
	}
	a := newAnalyzer(name, file, data)
	a.run()
	found := newSuppressions(file, data).filter(a.findings)
	slices.SortStableFunc(found, func(x, y Finding) int {
		if x.Line != y.Line {
			return x.Line - y.Line
		}
		if x.Col != y.Col {
			return x.Col - y.Col
		}
		return strings.Compare(string(x.Code), string(y.Code))
	})
	return found, nil
}

// parseError turns the parser's error into a *ParseError with a position.
func parseError(name string, err error) error {
	var pe syntax.ParseError
	if errors.As(err, &pe) {
		return &ParseError{File: name, Line: int(pe.Pos.Line()), Col: int(pe.Pos.Col()), Msg: pe.Text}
	}
	var le syntax.LangError
	if errors.As(err, &le) {
		msg := le.Error()
		if i := strings.Index(msg, le.Pos.String()+": "); i >= 0 {
			msg = msg[i+len(le.Pos.String())+2:]
		}
		return &ParseError{File: name, Line: int(le.Pos.Line()), Col: int(le.Pos.Col()), Msg: msg}
	}
	return &ParseError{File: name, Line: 1, Col: 1, Msg: err.Error()}
}
