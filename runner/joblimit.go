package runner

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ParseJobs interprets a -j/--jobs value for a machine with ncpu CPUs:
// "N" jobs, "N%" of the CPUs, "+N" or "-N" relative to the CPUs, "0" for
// as many as the input allows. It returns 0 for no limit; computed values
// are at least 1.
func ParseJobs(s string, ncpu int) (int, error) {
	bad := func() (int, error) {
		return 0, fmt.Errorf("invalid jobs value %q: want N, N%%, +N, -N or 0", s)
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return bad()
	}
	switch {
	case strings.HasSuffix(t, "%"):
		n, err := strconv.ParseUint(t[:len(t)-1], 10, 31)
		if err != nil {
			return bad()
		}
		return max(ncpu*int(n)/100, 1), nil
	case t[0] == '+' || t[0] == '-':
		n, err := strconv.ParseUint(t[1:], 10, 31)
		if err != nil {
			return bad()
		}
		if t[0] == '+' {
			return ncpu + int(n), nil
		}
		return max(ncpu-int(n), 1), nil
	}
	n, err := strconv.ParseUint(t, 10, 31)
	if err != nil {
		return bad()
	}
	return int(n), nil
}

// JobsFile is a -j value kept in a file, as GNU parallel's -j FILE: it is
// read again when the file changes, so the number of jobs can be changed
// while krun runs. It is not safe for concurrent use.
type JobsFile struct {
	path  string
	ncpu  int
	jobs  int
	mtime time.Time
	size  int64
}

// OpenJobsFile reads the -j value in the file at path (N, N%, +N, -N or
// 0, as for -j itself) for a machine with ncpu CPUs.
func OpenJobsFile(path string, ncpu int) (*JobsFile, error) {
	f := &JobsFile{path: path, ncpu: ncpu}
	if _, err := f.Reread(); err != nil {
		return nil, err
	}
	return f, nil
}

// Jobs returns the number of jobs the file said when it was last read.
func (f *JobsFile) Jobs() int { return f.jobs }

// Reread reads the file again if it changed since it was last read, and
// returns the number of jobs: the new value, or the last one when the
// file cannot be read or holds no valid value (the error says why).
func (f *JobsFile) Reread() (int, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return f.jobs, fmt.Errorf("-j file: %w", err)
	}
	if fi.ModTime().Equal(f.mtime) && fi.Size() == f.size {
		return f.jobs, nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return f.jobs, fmt.Errorf("-j file: %w", err)
	}
	n, err := ParseJobs(strings.TrimSpace(string(data)), f.ncpu)
	if err != nil {
		return f.jobs, fmt.Errorf("-j file %s: %w", f.path, err)
	}
	f.jobs, f.mtime, f.size = n, fi.ModTime(), fi.Size()
	return n, nil
}
