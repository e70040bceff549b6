package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is an output format for findings.
type Format string

// The output formats.
const (
	// FormatText: "file:line:col: severity: message [CODE name]" and the
	// suggested fix on the next line, indented.
	FormatText Format = "text"
	// FormatJSON: JSON Lines, one object per finding.
	FormatJSON Format = "json"
	// FormatGitHub: GitHub Actions workflow commands (::error file=...),
	// which show as annotations on the pull request.
	FormatGitHub Format = "github"
)

// ParseFormat checks that s names a format.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatText, FormatJSON, FormatGitHub:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: want text, json or github", s)
}

// jsonFinding is the JSON form of a finding. Its field names are part of
// krun lint's interface: add fields, never rename them.
type jsonFinding struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
}

// Write writes findings to w in format f.
func Write(w io.Writer, f Format, findings []Finding) error {
	for _, fd := range findings {
		var err error
		switch f {
		case FormatJSON:
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false) // <stdin>, 2>&1: as written
			err = enc.Encode(jsonFinding{
				File: fd.File, Line: fd.Line, Col: fd.Col,
				Code: string(fd.Code), Name: fd.Code.Name(), Severity: fd.Severity.String(),
				Message: fd.Message, Fix: fd.Fix,
			})
		case FormatGitHub:
			_, err = fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,title=%s::%s\n",
				githubLevel(fd.Severity), githubProperty(fd.File), fd.Line, fd.Col,
				githubProperty("krun lint "+string(fd.Code)+" "+fd.Code.Name()),
				githubData(fd.Message+" Fix: "+fd.Fix))
		default:
			_, err = fmt.Fprintf(w, "%s: %s: %s [%s %s]\n", fd.Pos(), fd.Severity, oneLine(fd.Message), fd.Code, fd.Code.Name())
			if err == nil && fd.Fix != "" {
				_, err = fmt.Fprintf(w, "\tfix: %s\n", oneLine(fd.Fix))
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// githubLevel maps a severity to a workflow command.
func githubLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "notice"
}

// githubData escapes the message of a workflow command.
func githubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubProperty escapes a property value of a workflow command.
func githubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// oneLine keeps a message or fix on one line of text output.
func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", "; ")
}
