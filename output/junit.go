package output

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/krun-dev/krun/runner"
)

// JUnitTail is how much of the end of a failed job's stderr goes into its
// JUnit failure.
const JUnitTail = 4096

// JUnit collects one testcase per job and writes a JUnit XML report, the
// format CI dashboards (GitHub, GitLab, Jenkins) show as test results. It
// is a runner.Observer; call Write after the run.
type JUnit struct {
	path  string
	start time.Time

	mu    sync.Mutex
	cases []junitCase
}

// NewJUnit returns a JUnit report to be written to path.
func NewJUnit(path string) *JUnit { return &JUnit{path: path, start: time.Now()} }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemErr string        `xml:"system-err,omitempty"`
	seq       int64
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Observe records each finished job as a testcase.
func (j *JUnit) Observe(e runner.Event) {
	if e.Kind != runner.EventFinish {
		return
	}
	st := e.Status
	c := junitCase{
		Name:      caseName(e.Job),
		Classname: "krun",
		Time:      fmt.Sprintf("%.3f", st.Duration.Seconds()),
		seq:       e.Job.Seq,
	}
	tail := xmlText(string(st.StderrTail))
	switch {
	case st.Err != nil:
		c.Error = &junitProblem{Message: xmlText(st.Err.Error()), Type: "start", Text: tail}
	case st.TimedOut:
		c.Failure = &junitProblem{Message: fmt.Sprintf("timed out after %.3fs", st.Duration.Seconds()), Type: "timeout", Text: tail}
	case st.Killed:
		c.Failure = &junitProblem{Message: "ended by krun (halt or signal)", Type: "killed", Text: tail}
	case st.Failed():
		c.Failure = &junitProblem{Message: describeExit(st), Type: "exit", Text: tail}
	}
	j.mu.Lock()
	j.cases = append(j.cases, c)
	j.mu.Unlock()
}

// describeExit says how a failed job ended.
func describeExit(st runner.Status) string {
	if st.Signal != 0 {
		return fmt.Sprintf("killed by signal %d", st.Signal)
	}
	return fmt.Sprintf("exit status %d", st.Exit)
}

// caseName names a job's testcase.
func caseName(job *runner.Job) string {
	return fmt.Sprintf("%d: %s", job.Seq, xmlText(jobTitle(job)))
}

// xmlText makes s valid XML character data: invalid UTF-8 and control
// characters other than tab, newline and carriage return become U+FFFD.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, s)
}

// Write writes the report, replacing the file at once (write and rename),
// so that a CI step never reads half a report.
func (j *JUnit) Write() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	suite := junitSuite{
		Name:      "krun",
		Time:      fmt.Sprintf("%.3f", time.Since(j.start).Seconds()),
		Timestamp: j.start.UTC().Format("2006-01-02T15:04:05"),
		Cases:     j.cases,
	}
	// Cases are recorded as jobs end; the report lists them in job order.
	slices.SortFunc(suite.Cases, func(a, b junitCase) int { return cmp.Compare(a.seq, b.seq) })
	for _, c := range j.cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Error != nil {
			suite.Errors++
		}
	}
	doc := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time, Suites: []junitSuite{suite}}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("junit %s: %w", j.path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(j.path), ".krun-junit-*")
	if err != nil {
		return fmt.Errorf("junit %s: %w", j.path, err)
	}
	_, err = tmp.Write(append([]byte(xml.Header), append(out, '\n')...))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("junit %s: %w", j.path, err)
	}
	return nil
}
