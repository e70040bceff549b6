package timeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// InputError is a line of the input that is neither a krun event nor a
// joblog line, or a file that cannot be read.
type InputError struct {
	Name string // the file, as given
	Line int    // from 1; 0 when the error is not about one line
	Msg  string // one line, saying what is wrong
}

func (e *InputError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
}

// maxLine is the longest line read; a job's command can be long.
const maxLine = 16 << 20

// ReadFile reads the run recorded in the file at path: see [Read].
func ReadFile(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &InputError{Name: path, Msg: oneLine(err.Error())}
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads a run from r: krun's --events stream (JSON Lines) or a
// joblog in GNU parallel's format (krun's, or GNU parallel's own), told
// apart by the first line that is not blank. name names the input in
// errors. Blank lines are skipped; any other line that is not an event,
// or not a joblog line, is an *InputError naming the line. Events of
// kinds a timeline does not draw are skipped, so that a newer krun's
// events still read. Empty input is a run with no jobs.
func Read(r io.Reader, name string) (*Run, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var (
		format string
		events = newBuilder()
		bars   []Bar
		n      int
	)
	fail := func(err error) (*Run, error) {
		return nil, &InputError{Name: name, Line: n, Msg: err.Error()}
	}
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if format == "" {
			switch {
			case line[0] == '{':
				format = "krun events"
			case looksLikeJobLog(string(line)):
				format = "joblog"
			default:
				return fail(errors.New("neither krun --events (a JSON object per line) nor a joblog (tab-separated: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command)"))
			}
		}
		switch format {
		case "krun events":
			e, err := parseEvent(line)
			if err != nil {
				return fail(err)
			}
			events.add(e)
		case "joblog":
			s := string(line)
			if isJobLogHeader(s) {
				continue
			}
			b, err := parseJobLogLine(s)
			if err != nil {
				return fail(err)
			}
			bars = append(bars, b)
		}
	}
	if err := sc.Err(); err != nil {
		n++
		if errors.Is(err, bufio.ErrTooLong) {
			return fail(fmt.Errorf("a line longer than %d MiB", maxLine>>20))
		}
		return nil, &InputError{Name: name, Msg: oneLine(err.Error())}
	}
	if format == "joblog" {
		run := &Run{Format: format, Bars: bars}
		sortRun(run)
		return run, nil
	}
	return events.run(), nil
}

// oneLine makes s fit on one line of a terminal: control characters
// become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, clip(s, 200))
}
