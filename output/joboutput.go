package output

import (
	"io"

	"github.com/krun-dev/krun/runner"
)

// jobOutput is what the output of one job is in every mode: the job and
// the two writers its streams go to (tagged when tagging is on). Each
// mode embeds it and adds End.
type jobOutput struct {
	job     *runner.Job
	writers [2]io.Writer
}

func (j *jobOutput) Stdout() io.Writer { return j.writers[0] }
func (j *jobOutput) Stderr() io.Writer { return j.writers[1] }

// Discard has nothing to drop: a job that may be tried again is wrapped
// by [Held], above every mode, which drops a failed try before a mode
// sees a byte of it.
func (j *jobOutput) Discard() {}
