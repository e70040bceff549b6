package output

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/krun-dev/krun/runner"
)

// CI is the CI system whose log format krun writes: collapsible groups per
// job and a marker per failed job.
type CI int

const (
	CINone   CI = iota // plain output
	CIGitHub           // GitHub Actions workflow commands
	CIGitLab           // GitLab CI collapsible sections
)

// DetectCI resolves --ci: "auto" looks at the environment GitHub Actions
// (GITHUB_ACTIONS=true) and GitLab CI (GITLAB_CI=true) set.
func DetectCI(flag string, getenv func(string) string) (CI, error) {
	switch flag {
	case "github":
		return CIGitHub, nil
	case "gitlab":
		return CIGitLab, nil
	case "none":
		return CINone, nil
	case "auto":
		switch {
		case getenv("GITHUB_ACTIONS") == "true":
			return CIGitHub, nil
		case getenv("GITLAB_CI") == "true":
			return CIGitLab, nil
		}
		return CINone, nil
	}
	return CINone, fmt.Errorf("invalid value %q: want auto, github, gitlab or none", flag)
}

// jobTitle names a job in reports: its tag, else its command, else its
// arguments, on one line of at most about 200 bytes.
func jobTitle(job *runner.Job) string {
	t := job.Tag
	if t == "" {
		t = job.Command
	}
	if t == "" {
		t = strings.Join(job.Args, " ")
	}
	t = strings.Join(strings.Fields(t), " ")
	if len(t) > 200 {
		t = t[:200] + "..."
	}
	return t
}

// blockTitle is the title of a job's group in a CI log.
func blockTitle(job *runner.Job) string {
	return fmt.Sprintf("job %d: %s", job.Seq, jobTitle(job))
}

// header is what comes before a job's stdout block.
func (c CI) header(job *runner.Job) []byte {
	switch c {
	case CIGitHub:
		return []byte("::group::" + githubEscape(blockTitle(job)) + "\n")
	case CIGitLab:
		return []byte(fmt.Sprintf("\x1b[0Ksection_start:%d:krun_job_%d[collapsed=true]\r\x1b[0K%s\n", time.Now().Unix(), job.Seq, blockTitle(job)))
	}
	return nil
}

// footer is what comes after a job's stdout block: the end of the group,
// and for a failed job a line the CI system marks as an error.
func (c CI) footer(job *runner.Job, st runner.Status) []byte {
	var b []byte
	switch c {
	case CIGitHub:
		b = append(b, "::endgroup::\n"...)
	case CIGitLab:
		b = fmt.Appendf(b, "\x1b[0Ksection_end:%d:krun_job_%d\r\x1b[0K\n", time.Now().Unix(), job.Seq)
	}
	return append(b, c.annotation(job, st)...)
}

// annotation is the line the CI system marks as an error for a failed job
// (a GitHub ::error annotation, a red GitLab line); nil otherwise. Every
// output mode writes it, on a line of its own.
func (c CI) annotation(job *runner.Job, st runner.Status) []byte {
	if !st.Failed() {
		return nil
	}
	switch c {
	case CIGitHub:
		return []byte("::error title=krun job " + strconv.FormatInt(job.Seq, 10) + " failed::" + githubEscape(failureLine(job, st)) + "\n")
	case CIGitLab:
		return []byte("\x1b[31;1mkrun: " + failureLine(job, st) + "\x1b[0m\n")
	}
	return nil
}

// failureLine says which job failed and how.
func failureLine(job *runner.Job, st runner.Status) string {
	how := describeExit(st)
	switch {
	case st.Err != nil:
		how = st.Err.Error()
	case st.TimedOut:
		how = "timed out"
	case st.Killed:
		how = "ended by krun"
	}
	return fmt.Sprintf("%s failed: %s", blockTitle(job), how)
}

// githubEscape escapes workflow command data.
func githubEscape(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}
