package main

import (
	"fmt"

	"github.com/krun-dev/krun/runner"
)

// krun's own lines on standard error, in one style: "krun: " and the
// text; "krun: error: " for what stopped krun or the invocation,
// "krun: warning: " for what it carried on past. The libraries return
// errors and emit events; the wording for the user is here and in the
// commands that print it.
const (
	msgPrefix     = "krun: "
	errorPrefix   = msgPrefix + "error: "
	warningPrefix = msgPrefix + "warning: "
)

// errorLine is the line that reports err.
func errorLine(err error) string { return errorPrefix + err.Error() }

// warningLine is the line for a problem krun carried on past.
func warningLine(format string, args ...any) string {
	return warningPrefix + fmt.Sprintf(format, args...)
}

// noteLine is an informational line of krun's.
func noteLine(format string, args ...any) string {
	return msgPrefix + fmt.Sprintf(format, args...)
}

// wordedSink is the sink as the runner sees it: the runner's messages
// are its own words, and get krun's prefix here.
type wordedSink struct{ runner.Sink }

// Message writes msg as one of krun's lines.
func (w wordedSink) Message(msg string) { w.Sink.Message(msgPrefix + msg) }
