package runner

import "os"

// Stdin is the standard input of a job that reads a block of krun's own
// input (--pipe, --pipepart) instead of /dev/null.
type Stdin interface {
	// Open returns the file one try of the job reads as its standard
	// input. The runner closes it once the process has started with its
	// own copy. A block that cannot be given again says so with an error.
	Open() (*os.File, error)
	// Close is called once, when no try of the job will run again: the
	// job ended, was skipped, or ran dry (--dry-run). It releases the
	// block.
	Close()
}

// StdinSource is a RecordSource whose records each come with the
// standard input of their job.
type StdinSource interface {
	RecordSource
	// Stdin returns the standard input of the record Next returned last.
	Stdin() Stdin
}

// closeStdin releases the job's standard input, if it has one.
func closeStdin(job *Job) {
	if job.heldStdin != nil {
		job.heldStdin.Close()
		job.heldStdin = nil
	}
	if job.Stdin != nil {
		job.Stdin.Close()
	}
}
