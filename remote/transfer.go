package remote

import (
	"context"

	"github.com/krun-dev/krun/runner"
)

// send sends the job's --transferfile files to the host, and the base
// files before its first job.
func (p *placement) send(ctx context.Context, job *runner.Job) error { return nil }

// fetch brings back the job's --return files.
func (p *placement) fetch(ctx context.Context, job *runner.Job) error { return nil }

// cleanup removes the job's files from the host (--cleanup) and its
// private working directory.
func (p *placement) cleanup(ctx context.Context, job *runner.Job) error { return nil }

// removeBasefiles removes the base files from the host (--cleanup).
func (h *host) removeBasefiles(c *conn) {}
