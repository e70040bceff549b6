package output

import (
	"cmp"
	"encoding/xml"
	"fmt"
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

	mu         sync.Mutex
	cases      []junitCase
	notStarted int64
}

// NewJUnit returns a JUnit report for the run; path names it in errors.
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
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemErr string        `xml:"system-err,omitempty"`
	seq       int64
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
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
	case st.Halted:
		c.Skipped = &junitSkipped{Message: "ended by krun: a --halt rule tripped"}
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

// NotStarted records how many jobs a halt left unstarted (-1: unknown,
// the input was not read to its end); the report shows them as one
// skipped testcase.
func (j *JUnit) NotStarted(n int64) {
	j.mu.Lock()
	j.notStarted = n
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

// Report returns the XML document of the jobs recorded so far, for the
// caller to write (the CLI writes files by one rule: package outfile).
func (j *JUnit) Report() ([]byte, error) {
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
		if c.Skipped != nil {
			suite.Skipped++
		}
	}
	if j.notStarted != 0 {
		what := fmt.Sprintf("%d jobs", j.notStarted)
		if j.notStarted < 0 {
			what = "the rest of the input"
		}
		suite.Cases = append(suite.Cases, junitCase{
			Name: "not started: " + what, Classname: "krun", Time: "0.000",
			Skipped: &junitSkipped{Message: what + " never started: a --halt rule tripped"},
		})
		suite.Tests++
		suite.Skipped++
	}
	doc := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time, Suites: []junitSuite{suite}}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("junit %s: %w", j.path, err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
