package output

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// resultsTable writes --results out.json, out.csv or out.tsv: one line
// per finished job, in the order they end, as GNU parallel writes them
// (Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal,
// Command, the arguments, Stdout, Stderr). Each job's output is held in
// an unlinked temporary file until its line is written, so memory does not
// grow with it.
type resultsTable struct {
	opt ResultsOptions
	sep byte // ',' or '\t'; 0 for JSON

	mu     sync.Mutex // one line at a time
	header bool       // the CSV header was written
}

func newResultsTable(opt ResultsOptions) *resultsTable {
	t := &resultsTable{opt: opt}
	switch opt.Layout {
	case ResultsCSV:
		t.sep = ','
	case ResultsTSV:
		t.sep = '\t'
	}
	return t
}

// begin captures a job's output into temporary files.
func (t *resultsTable) begin(job *runner.Job, inner runner.JobOutput) runner.JobOutput {
	tj := &tableJob{JobOutput: inner, table: t, job: job}
	for _, f := range []**os.File{&tj.out, &tj.errOut} {
		if tj.err != nil {
			break
		}
		if *f, tj.err = os.CreateTemp(t.opt.TmpDir, "krun-results-*"); tj.err == nil {
			os.Remove((*f).Name()) // nothing is left behind, whatever happens
		}
	}
	if tj.err != nil {
		tj.err = fmt.Errorf("results %s: hold the output of job %d: %w", t.opt.FileName, job.Seq, tj.err)
	}
	return tj
}

// tableJob is one job's output on its way to a line of the table;
// Discard is the wrapped sink's.
type tableJob struct {
	runner.JobOutput
	table       *resultsTable
	job         *runner.Job
	out, errOut *os.File
	err         error
}

// Stdout and Stderr go to the temporary files only: as in GNU parallel,
// the output is in the table and not on krun's streams.
func (tj *tableJob) Stdout() io.Writer { return writerOrDiscard(tj.out) }
func (tj *tableJob) Stderr() io.Writer { return writerOrDiscard(tj.errOut) }

func writerOrDiscard(f *os.File) io.Writer {
	if f == nil {
		return io.Discard
	}
	return f
}

// End writes the job's line.
func (tj *tableJob) End(st runner.Status) error {
	err := tj.err
	if err == nil {
		err = tj.table.write(tj.job, st, tj.out, tj.errOut)
	}
	for _, f := range []*os.File{tj.out, tj.errOut} {
		if f != nil {
			f.Close()
		}
	}
	return errors.Join(err, tj.JobOutput.End(st))
}

// write appends the line of a finished job.
func (t *resultsTable) write(job *runner.Job, st runner.Status, out, errOut *os.File) error {
	outSize, err := out.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("results %s: %w", t.opt.FileName, err)
	}
	errSize, err := errOut.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("results %s: %w", t.opt.FileName, err)
	}
	stdout := io.NewSectionReader(out, 0, outSize)
	stderr := io.NewSectionReader(errOut, 0, errSize)
	exit, sig := exitAndSignal(st)
	start := strconv.FormatFloat(float64(st.Start.UnixNano())/1e9, 'f', 3, 64)
	runtime := strconv.FormatFloat(st.Duration.Seconds(), 'f', 3, 64)
	t.mu.Lock()
	defer t.mu.Unlock()
	w := bufio.NewWriterSize(t.opt.File, 64<<10)
	if t.sep == 0 {
		err = writeJSONLine(w, job, start, runtime, outSize, exit, sig, stdout, stderr)
	} else {
		err = t.writeCSVLine(w, job, start, runtime, outSize, exit, sig, stdout, stderr)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("results %s: %w", t.opt.FileName, err)
	}
	return nil
}

// writeJSONLine writes GNU parallel's JSON line for a job.
func writeJSONLine(w *bufio.Writer, job *runner.Job, start, runtime string, received int64, exit, sig int, stdout, stderr io.Reader) error {
	fmt.Fprintf(w, `{ "Seq": %d, "Host": ":", "Starttime": %s, "JobRuntime": %s, "Send": 0, "Receive": %d, "Exitval": %d, "Signal": %d, "Command": "`,
		job.Seq, start, runtime, received, exit, sig)
	jsonEscape(w, []byte(job.Command))
	w.WriteString(`", "V": [ `)
	for i, a := range job.Args {
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString(`"`)
		jsonEscape(w, []byte(a))
		w.WriteString(`"`)
	}
	w.WriteString(` ], "Stdout": "`)
	if err := jsonEscapeFrom(w, stdout); err != nil {
		return err
	}
	w.WriteString(`", "Stderr": "`)
	if err := jsonEscapeFrom(w, stderr); err != nil {
		return err
	}
	_, err := w.WriteString("\" }\n")
	return err
}

// jsonEscape writes p as GNU parallel quotes it in JSON: backslash and
// double quote escaped, bytes below 32 as \u00XX, the rest as they are.
func jsonEscape(w *bufio.Writer, p []byte) {
	for _, c := range p {
		switch {
		case c == '\\' || c == '"':
			w.WriteByte('\\')
			w.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(w, `\u%04x`, c)
		default:
			w.WriteByte(c)
		}
	}
}

// jsonEscapeFrom escapes what r holds.
func jsonEscapeFrom(w *bufio.Writer, r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		jsonEscape(w, buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// writeCSVLine writes GNU parallel's CSV (or TSV) line for a job, and the
// header before the first one, with a V column per argument of that job.
func (t *resultsTable) writeCSVLine(w *bufio.Writer, job *runner.Job, start, runtime string, received int64, exit, sig int, stdout, stderr *io.SectionReader) error {
	sep := []byte{t.sep}
	if !t.header {
		t.header = true
		cols := []string{"Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command"}
		for i := range job.Args {
			cols = append(cols, "V"+strconv.Itoa(i+1))
		}
		cols = append(cols, "Stdout", "Stderr")
		for i, c := range cols {
			if i > 0 {
				w.Write(sep)
			}
			w.WriteString(c)
		}
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "%d%c:%c%s%c%s%c0%c%d%c%d%c%d%c", job.Seq, t.sep, t.sep, start, t.sep, runtime, t.sep, t.sep, received, t.sep, exit, t.sep, sig, t.sep)
	t.csvField(w, bytes.NewReader([]byte(job.Command)), int64(len(job.Command)))
	for _, a := range job.Args {
		w.Write(sep)
		t.csvField(w, bytes.NewReader([]byte(a)), int64(len(a)))
	}
	w.Write(sep)
	if err := t.csvField(w, stdout, stdout.Size()); err != nil {
		return err
	}
	w.Write(sep)
	if err := t.csvField(w, stderr, stderr.Size()); err != nil {
		return err
	}
	_, err := w.WriteString("\n")
	return err
}

// csvField writes one field as GNU parallel does (its combine_ref): in
// double quotes, with quotes doubled, when it holds a quote, white space,
// the separator or NUL; else as it is. r is read twice: to decide, then
// to write.
func (t *resultsTable) csvField(w *bufio.Writer, r io.ReaderAt, size int64) error {
	buf := make([]byte, 32<<10)
	quote := false
	err := eachChunk(r, size, buf, func(p []byte) bool {
		quote = slices.ContainsFunc(p, func(c byte) bool {
			return c == '"' || c == t.sep || c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
		})
		return !quote
	})
	if err != nil {
		return err
	}
	if quote {
		w.WriteByte('"')
	}
	err = eachChunk(r, size, buf, func(p []byte) bool {
		if quote {
			w.Write(bytes.ReplaceAll(p, []byte{'"'}, []byte{'"', '"'}))
		} else {
			w.Write(p)
		}
		return true
	})
	if quote {
		w.WriteByte('"')
	}
	return err
}

// eachChunk reads the first size bytes of r into buf a chunk at a time and
// calls f with each, until f returns false.
func eachChunk(r io.ReaderAt, size int64, buf []byte, f func([]byte) bool) error {
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n > 0 && !f(buf[:n]) {
			return nil
		}
		off += int64(n)
		if err != nil && err != io.EOF {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}
