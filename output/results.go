package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/runner"
)

// ResultsLayout is how --results keeps each job's output.
type ResultsLayout uint8

const (
	// ResultsByArgs is GNU parallel's layout, DIR/1/<value>/stdout,
	// stderr and seq, with one <number>/<value> level per argument (its
	// input source or column number, and its value escaped); krun adds
	// cmd and exitval.
	ResultsByArgs ResultsLayout = iota
	// ResultsByPath is a name with {#}: a directory when it ends in "/"
	// (stdout, stderr, seq, and krun's cmd and exitval), else the files
	// NAME (stdout), NAME.err and NAME.seq, as GNU parallel's.
	ResultsByPath
	// ResultsJSON, ResultsCSV and ResultsTSV keep every job in one file,
	// a line each with its output, as GNU parallel's --results out.json,
	// out.csv and out.tsv; "-.json" and so on write to standard output.
	// The jobs' output is written there only.
	ResultsJSON
	ResultsCSV
	ResultsTSV
)

// ParseResults tells the layout of a --results name. Only {#} may stand in
// a name: an argument in a path would need GNU parallel's escaping rules
// in every place it stands.
func ParseResults(name string) (ResultsLayout, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case ext == ".json":
		return ResultsJSON, nil
	case ext == ".csv":
		return ResultsCSV, nil
	case ext == ".tsv":
		return ResultsTSV, nil
	}
	t, err := runner.ParseTemplate([]string{name}, runner.TemplateOptions{Literal: true})
	if err != nil {
		return 0, err
	}
	switch {
	case t.UsesArgs() || t.UsesSlot():
		return 0, fmt.Errorf("%q: only {#} may stand in the name (give a plain DIR for a directory per argument value, or DIR/{#}/ for one per job)", name)
	case t.UsesSeq():
		return ResultsByPath, nil
	}
	return ResultsByArgs, nil
}

// ResultsOptions configures [NewResults].
type ResultsOptions struct {
	// Name is the --results value.
	Name   string
	Layout ResultsLayout
	// File receives the lines of ResultsJSON, ResultsCSV and ResultsTSV;
	// FileName names it in errors.
	File     io.Writer
	FileName string
	// TmpDir holds each job's output until its line is written (file
	// layouts); empty means $TMPDIR.
	TmpDir string
	// Notify tells the user of a job whose output is not saved (its
	// directory is a running job's); nil drops the notice.
	Notify func(msg string)
}

// Results wraps a Sink and also saves every job's output (--results):
// under a directory, in files named by a path, or as lines of one file.
// Its methods may be called as a Sink's are.
type Results struct {
	Sink
	opt  ResultsOptions
	path *runner.Template // ResultsByPath: the name with {#}

	mu sync.Mutex
	// active are the directories of running jobs (ResultsByArgs), so
	// that two jobs with the same arguments never write the same files.
	active map[string]int64
	table  *resultsTable // the file layouts
}

// NewResults returns a Results saving as opt says. A directory name is
// created (ResultsByArgs).
func NewResults(inner Sink, opt ResultsOptions) (*Results, error) {
	r := &Results{Sink: inner, opt: opt, active: map[string]int64{}}
	switch opt.Layout {
	case ResultsByArgs:
		if err := os.MkdirAll(opt.Name, 0o777); err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
	case ResultsByPath:
		t, err := runner.ParseTemplate([]string{opt.Name}, runner.TemplateOptions{Literal: true})
		if err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		r.path = t
	default:
		r.table = newResultsTable(opt)
	}
	return r, nil
}

// Begin creates the job's files.
func (r *Results) Begin(job *runner.Job) runner.JobOutput {
	inner := r.Sink.Begin(job)
	if r.table != nil {
		return r.table.begin(job, inner)
	}
	rj := &resultsJob{JobOutput: inner, results: r, seq: job.Seq}
	switch r.opt.Layout {
	case ResultsByArgs:
		rj.dir = filepath.Join(r.opt.Name, ArgsDirName(job.Args, job.ArgNumbers))
		r.mu.Lock()
		other, busy := r.active[rj.dir]
		if !busy {
			r.active[rj.dir] = job.Seq
		}
		r.mu.Unlock()
		if busy {
			// The same arguments as a running job: their files would mix.
			if r.opt.Notify != nil {
				r.opt.Notify(fmt.Sprintf("job %d has the arguments of job %d, which is still running: its output is not saved in %s", job.Seq, other, rj.dir))
			}
			rj.skip = true
			return rj
		}
		rj.err = rj.createDir(job)
	case ResultsByPath:
		name, _ := r.path.Expand(runner.Args{Seq: job.Seq, Slot: job.Slot})
		if strings.HasSuffix(name, "/") {
			rj.dir = name
			rj.err = rj.createDir(job)
		} else {
			rj.err = rj.createFiles(name, job)
		}
	}
	return rj
}

// root is the directory the user named, below which no symbolic link is
// followed: the name for the directory layout, the part of a name with
// {#} before it.
func (r *Results) root() string {
	name := r.opt.Name
	if i := strings.IndexByte(name, '{'); i >= 0 {
		name = filepath.Dir(name[:i] + "x")
	}
	return filepath.Clean(name)
}

// mkdirBelow creates dir and the directories between root and it, but
// refuses a symbolic link below root: one planted in a results directory
// would send a job's files elsewhere. root itself may be a link: the user
// named it.
func mkdirBelow(root, dir string) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is not below %s", dir, root)
	}
	if err := os.MkdirAll(root, 0o777); err != nil {
		return err
	}
	p := root
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if c == "." || c == "" {
			continue
		}
		p = filepath.Join(p, c)
		if err := os.Mkdir(p, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: krun does not follow one inside a --results directory", p)
		case !fi.IsDir():
			return fmt.Errorf("%s is not a directory", p)
		}
	}
	return nil
}

// notLink refuses a result file that is a symbolic link (see mkdirBelow).
func notLink(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: krun does not follow one inside a --results directory", path)
	}
	return nil
}

// resultsJob tees one job's output into its result files; Discard is
// the wrapped sink's.
type resultsJob struct {
	runner.JobOutput
	results     *Results
	seq         int64
	dir         string // the job's directory, for the directory forms
	out, errOut *os.File
	exitval     string // the file for the exit status; empty for none
	skip        bool   // another job writes this directory
	err         error  // the failure to create the files, reported at End
}

// createDir creates the job's directory and its files: stdout, stderr,
// seq (GNU parallel's), cmd and exitval (krun's).
func (rj *resultsJob) createDir(job *runner.Job) error {
	if err := mkdirBelow(rj.results.root(), rj.dir); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	rj.exitval = filepath.Join(rj.dir, "exitval")
	if err := outfile.WriteFile(filepath.Join(rj.dir, "cmd"), []byte(job.Command+"\n")); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return rj.open(filepath.Join(rj.dir, "stdout"), filepath.Join(rj.dir, "stderr"), filepath.Join(rj.dir, "seq"), job)
}

// createFiles creates NAME, NAME.err and NAME.seq, as GNU parallel does
// for a --results name with a replacement string and no final slash.
func (rj *resultsJob) createFiles(name string, job *runner.Job) error {
	if dir := filepath.Dir(name); dir != "." {
		if err := mkdirBelow(rj.results.root(), dir); err != nil {
			return fmt.Errorf("results: %w", err)
		}
	}
	return rj.open(name, name+".err", name+".seq", job)
}

// open writes the seq file and opens the output files. Begin runs on the
// run loop: files are opened without waiting (a FIFO with no reader is an
// error), by the rule of package outfile.
func (rj *resultsJob) open(stdout, stderr, seq string, job *runner.Job) error {
	for _, f := range []string{stdout, stderr, seq, rj.exitval} {
		if err := notLink(f); err != nil {
			return fmt.Errorf("results: %w", err)
		}
	}
	if err := outfile.WriteFile(seq, []byte(strconv.FormatInt(job.Seq, 10))); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	var err error
	if rj.out, err = outfile.OpenNow(stdout, outfile.Truncate); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if rj.errOut, err = outfile.OpenNow(stderr, outfile.Truncate); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// tee writes to the result file first, so that the file is complete even
// when krun's own stream fails.
func tee(f *os.File, w io.Writer) io.Writer {
	if f == nil {
		return w
	}
	return io.MultiWriter(f, w)
}

func (rj *resultsJob) Stdout() io.Writer { return tee(rj.out, rj.JobOutput.Stdout()) }
func (rj *resultsJob) Stderr() io.Writer { return tee(rj.errOut, rj.JobOutput.Stderr()) }

// End writes exitval and closes the files.
func (rj *resultsJob) End(st runner.Status) error {
	errs := []error{rj.err}
	for _, f := range []*os.File{rj.out, rj.errOut} {
		if f != nil {
			if err := f.Close(); err != nil {
				errs = append(errs, fmt.Errorf("results: %w", err))
			}
		}
	}
	if rj.err == nil && !rj.skip && rj.exitval != "" {
		if err := outfile.WriteFile(rj.exitval, []byte(strconv.Itoa(st.Exit)+"\n")); err != nil {
			errs = append(errs, fmt.Errorf("results: %w", err))
		}
	}
	if rj.dir != "" && !rj.skip {
		r := rj.results
		r.mu.Lock()
		if r.active[rj.dir] == rj.seq {
			delete(r.active, rj.dir)
		}
		r.mu.Unlock()
	}
	errs = append(errs, rj.JobOutput.End(st))
	return errors.Join(errs...)
}

// maxNameLength is the longest file name most file systems allow
// (NAME_MAX); GNU parallel cuts longer argument values to it too.
const maxNameLength = 255

// ArgsDirName is the path, under a --results directory, of a job's files
// in GNU parallel's layout: for each argument its input source (or
// column) number and its value, "1/a/2/b". numbers are the arguments'
// numbers (nil: 1, 2, ...). Each value is one file name, escaped as GNU
// parallel escapes it (\ as \\, / as \_, TAB as \t, NUL as \0) and, where
// GNU parallel would climb out of the directory or into another job's,
// more: a value of "." or ".." has its dots as \. and an empty value is
// \e. A value longer than a file name may be is cut, as GNU parallel does.
func ArgsDirName(args []string, numbers []int) string {
	parts := make([]string, 0, 2*len(args))
	for i, a := range args {
		n := i + 1
		if i < len(numbers) {
			n = numbers[i]
		}
		parts = append(parts, strconv.Itoa(n), escapeName(a))
	}
	return filepath.Join(parts...)
}

// nameEscaper escapes the characters GNU parallel escapes in --results
// directory names.
var nameEscaper = strings.NewReplacer(`\`, `\\`, "/", `\_`, "\t", `\t`, "\x00", `\0`)

// escapeName turns an argument into one safe file name.
func escapeName(v string) string {
	switch v {
	case "":
		return `\e`
	case ".":
		return `\.`
	case "..":
		return `\.\.`
	}
	s := nameEscaper.Replace(v)
	if len(s) > maxNameLength {
		s = s[:maxNameLength]
	}
	return s
}
