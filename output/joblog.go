package output

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/krun-dev/krun/runner"
)

// JobLogHeader is the first line of a joblog, GNU parallel's.
const JobLogHeader = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"

// LineAppender appends one block to a file atomically; lockfile.Appender
// is one.
type LineAppender interface {
	AppendBytes(ctx context.Context, p []byte) (int, error)
}

// JobLog writes GNU parallel's joblog: a header, then one tab-separated
// line per finished job, each appended in one piece under the file's lock,
// so that a kill -9 of krun never leaves a torn line and tools that read
// GNU parallel joblogs read it. It is a runner.Observer.
type JobLog struct {
	ctx  context.Context
	w    LineAppender
	name string
	// err is the first failure to write, reported by Err.
	err errOnce
}

// NewJobLog returns a JobLog appending to w, and writes the header when
// the file is empty (size is its current size). ctx ends its waits for
// the file's lock.
func NewJobLog(ctx context.Context, w LineAppender, name string, size int64) (*JobLog, error) {
	j := &JobLog{ctx: ctx, w: w, name: name}
	if size == 0 {
		if _, err := w.AppendBytes(ctx, []byte(JobLogHeader)); err != nil {
			return nil, fmt.Errorf("joblog %s: %w", name, err)
		}
	}
	return j, nil
}

// Observe appends the line of a finished job.
func (j *JobLog) Observe(e runner.Event) {
	if e.Kind != runner.EventFinish {
		return
	}
	if _, err := j.w.AppendBytes(j.ctx, jobLogLine(e.Job, e.Status)); err != nil {
		j.err.set(fmt.Errorf("joblog %s: %w", j.name, err))
	}
}

// Err returns the first failure to write the joblog.
func (j *JobLog) Err() error { return j.err.get() }

// hostOf is the Host column of a job's line in the joblog and the
// results: the host it ran on, ":" for the local machine.
func hostOf(job *runner.Job) string {
	if job.Host == "" {
		return ":"
	}
	return job.Host
}

// jobLogLine formats one joblog line as GNU parallel does: Host ":" for
// local jobs, times with 3 decimals, Exitval -1 for a job krun ended,
// newlines in the command as NUL bytes.
func jobLogLine(job *runner.Job, st runner.Status) []byte {
	exit, sig := exitAndSignal(st)
	start := float64(st.Start.UnixNano()) / 1e9
	b := fmt.Appendf(nil, "%d\t%s\t%.3f\t%.3f\t0\t0\t%d\t%d\t", job.Seq, hostOf(job), start, st.Duration.Seconds(), exit, sig)
	b = append(b, strings.ReplaceAll(job.Command, "\n", "\x00")...)
	return append(b, '\n')
}

// exitAndSignal are the Exitval and Signal of a job as GNU parallel
// reports them: -1 and the signal for a job krun ended, 0 and the signal
// for one a signal killed on its own.
func exitAndSignal(st runner.Status) (exit, sig int) {
	exit = st.Exit
	switch {
	case st.Killed:
		exit = -1
		sig = int(st.Signal)
		if sig == 0 {
			sig = int(syscall.SIGKILL)
		}
	case st.Signal != 0:
		exit, sig = 0, int(st.Signal)
	}
	return exit, sig
}

// JobLogEntry is what --resume needs from one joblog line.
type JobLogEntry struct {
	Seq    int64
	Failed bool
}

// ReadJobLog reads the jobs recorded in a joblog; a missing file has none.
// Lines that are not job lines (the header, a line torn by a crash of
// another tool) are skipped.
func ReadJobLog(path string) (map[int64]JobLogEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[int64]JobLogEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read joblog: %w", err)
	}
	defer f.Close()
	return parseJobLog(f)
}

func parseJobLog(r io.Reader) (map[int64]JobLogEntry, error) {
	entries := map[int64]JobLogEntry{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), "\t", 9)
		if len(f) < 9 {
			continue
		}
		seq, err1 := strconv.ParseInt(f[0], 10, 64)
		exit, err2 := strconv.Atoi(f[6])
		sig, err3 := strconv.Atoi(f[7])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		// A later line for the same job (a resumed run) wins.
		entries[seq] = JobLogEntry{Seq: seq, Failed: exit != 0 || sig != 0}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read joblog: %w", err)
	}
	return entries, nil
}
