package chaos

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/runner"
)

// racyWindow: a file whose status changed this recently before the last
// snapshot is hashed again even when its size and times look unchanged,
// as file times are only as fine as the kernel's clock tick (git's "racy
// clean" rule).
const racyWindow = 2 * time.Second

// TraceStep is one line of a trace: the state's files that changed by the
// end of one job (all of them in step 0, before the first job).
type TraceStep struct {
	// Step counts the jobs that ended, from 0 (before the first).
	Step int `json:"step"`
	// Seq and Exit are the job's, from step 1.
	Seq  int64 `json:"seq,omitempty"`
	Exit int   `json:"exit"`
	// Files are the files that changed, came or went.
	Files []TraceFile `json:"files,omitempty"`
}

// TraceFile is the state of one file after a step.
type TraceFile struct {
	Path string `json:"path"`
	// Gone: the file no longer exists.
	Gone bool `json:"gone,omitempty"`
	// Size and Sum (SHA-256, hex) of a regular file's content, or of a
	// symbolic link's target with Link set.
	Size int64  `json:"size"`
	Sum  string `json:"sum,omitempty"`
	Link bool   `json:"link,omitempty"`
	// Unreadable: the file could not be read; Sum is empty.
	Unreadable bool `json:"unreadable,omitempty"`
}

// Tracer records, after every job of a run, which files under a root
// changed and their new content's hash, as JSON Lines ([TraceStep]). It is
// a runner.Observer for a run of one job at a time: a job's finish event
// arrives on the run loop before the next job starts, so each step shows
// what exactly one job did. Observe blocks while it walks the root.
type Tracer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	root    string
	exclude map[string]bool
	files   map[string]seen
	last    time.Time // when the previous snapshot began
	step    int
	err     error
}

// seen is what a tracer last saw of a file.
type seen struct {
	size         int64
	mtime, ctime int64
	ino          uint64
	link         bool
	file         TraceFile
}

// NewTracer returns a Tracer of the files under root, but those at the
// paths in exclude (relative to root), writing to w; it records step 0,
// every file, at once.
func NewTracer(w io.Writer, root string, exclude []string) *Tracer {
	t := &Tracer{w: bufio.NewWriter(w), root: root, exclude: map[string]bool{}, files: map[string]seen{}}
	for _, p := range exclude {
		t.exclude[filepath.Clean(p)] = true
	}
	t.snapshot(TraceStep{})
	return t
}

// Observe records the files after each job that finished.
func (t *Tracer) Observe(e runner.Event) {
	if e.Kind != runner.EventFinish || e.Job == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.step++
	t.snapshot(TraceStep{Step: t.step, Seq: e.Job.Seq, Exit: e.Status.Exit})
}

// Err returns the first failure to write the trace.
func (t *Tracer) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.w.Flush(); err != nil && t.err == nil {
		t.err = err
	}
	return t.err
}

// snapshot walks the root and writes step with the files that changed.
func (t *Tracer) snapshot(step TraceStep) {
	start := time.Now()
	racyAfter := t.last.Add(-racyWindow).UnixNano()
	now := map[string]bool{}
	filepath.WalkDir(t.root, func(path string, d fs.DirEntry, err error) error {
		rel, rerr := filepath.Rel(t.root, path)
		if rerr != nil || rel == "." {
			return nil
		}
		if t.exclude[rel] {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err != nil || d.IsDir() {
			return nil // an unreadable directory: its files are not traced
		}
		var st unix.Stat_t
		if unix.Lstat(path, &st) != nil {
			return nil
		}
		isLink := st.Mode&unix.S_IFMT == unix.S_IFLNK
		if !isLink && st.Mode&unix.S_IFMT != unix.S_IFREG {
			return nil
		}
		now[rel] = true
		s := seen{size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(), ino: uint64(st.Ino), link: isLink}
		old, had := t.files[rel]
		if had && old.size == s.size && old.mtime == s.mtime && old.ctime == s.ctime && old.ino == s.ino &&
			old.link == s.link && s.ctime < racyAfter && s.mtime < racyAfter {
			return nil
		}
		s.file = hashFile(path, rel, isLink)
		t.files[rel] = s
		if !had || s.file != old.file {
			step.Files = append(step.Files, s.file)
		}
		return nil
	})
	for rel := range t.files {
		if !now[rel] {
			delete(t.files, rel)
			step.Files = append(step.Files, TraceFile{Path: rel, Gone: true})
		}
	}
	t.last = start
	line, err := json.Marshal(step)
	if err == nil {
		_, err = t.w.Write(append(line, '\n'))
	}
	if err == nil {
		err = t.w.Flush()
	}
	if err != nil && t.err == nil {
		t.err = fmt.Errorf("chaos trace: %w", err)
	}
}

// hashFile describes the content of a regular file or a link's target.
func hashFile(path, rel string, link bool) TraceFile {
	f := TraceFile{Path: rel, Link: link}
	h := sha256.New()
	if link {
		target, err := os.Readlink(path)
		if err != nil {
			f.Unreadable = true
			return f
		}
		io.WriteString(h, target)
		f.Size = int64(len(target))
	} else {
		r, err := os.Open(path)
		if err != nil {
			f.Unreadable = true
			return f
		}
		n, err := io.Copy(h, r)
		r.Close()
		if err != nil {
			f.Unreadable = true
			return f
		}
		f.Size = n
	}
	f.Sum = hex.EncodeToString(h.Sum(nil))
	return f
}

// Trace is a run recorded by a Tracer: for each file, its content after
// each step.
type Trace struct {
	// Steps are the steps in order; Steps[0] is the state before the
	// first job.
	Steps []TraceStep
}

// ReadTrace reads a trace file.
func ReadTrace(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := &Trace{}
	dec := json.NewDecoder(f)
	for {
		var s TraceStep
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read trace %s: %w", path, err)
		}
		if s.Step != len(tr.Steps) {
			return nil, fmt.Errorf("read trace %s: step %d where %d was due", path, s.Step, len(tr.Steps))
		}
		tr.Steps = append(tr.Steps, s)
	}
	if len(tr.Steps) == 0 {
		return nil, errors.New("read trace " + path + ": empty")
	}
	return tr, nil
}

// Jobs is the number of jobs that ended.
func (tr *Trace) Jobs() int { return len(tr.Steps) - 1 }

// History returns the states of the file at path after each step, from
// step 0: a TraceFile with Gone set where it did not exist.
func (tr *Trace) History(path string) []TraceFile {
	h := make([]TraceFile, len(tr.Steps))
	cur := TraceFile{Path: path, Gone: true}
	for i, s := range tr.Steps {
		for _, f := range s.Files {
			if f.Path == path {
				cur = f
			}
		}
		h[i] = cur
	}
	return h
}
