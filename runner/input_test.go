package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readAll drains src into records joined with "|" for easy comparison.
func readAll(t *testing.T, src RecordSource) []string {
	t.Helper()
	var out []string
	for {
		rec, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(rec, "|"))
	}
}

func TestInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x\ny\nz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		opt   InputOptions
		stdin string
		want  string
	}{
		{"stdin", InputOptions{}, "a\nb\n", "a b"},
		{"stdin-no-final-newline", InputOptions{}, "a\nb", "a b"},
		{"blank-line-is-empty-arg", InputOptions{}, "a\n\nb\n", "a  b"},
		{"skip-blank", InputOptions{SkipBlank: true}, "a\n \n\nb\n", "a b"},
		{"empty", InputOptions{}, "", ""},
		{"product", InputOptions{Sources: []Source{{Values: []string{"a", "b"}}, {Values: []string{"1", "2"}}}}, "", "a|1 a|2 b|1 b|2"},
		{"linked-shorter", InputOptions{Sources: []Source{{Values: []string{"a", "b", "c"}}, {Values: []string{"1", "2"}, Linked: true}}}, "", "a|1 b|2"},
		{"link-wraps-shorter", InputOptions{Link: true, Sources: []Source{{Values: []string{"a", "b", "c"}}, {Values: []string{"1", "2"}}, {Values: []string{"X", "Y", "Z", "W"}, Linked: true}}}, "", "a|1|X b|2|Y c|1|Z a|2|W"},
		{"link-stdin-longest", InputOptions{Link: true, Sources: []Source{{Values: []string{"a"}}, {Path: "-"}}}, "p\nq\n", "a|p a|q"},
		{"link-empty-source", InputOptions{Link: true, Sources: []Source{{Values: []string{"a"}}, {Values: []string{}}}}, "", ""},
		{"link-skip-blank", InputOptions{Link: true, SkipBlank: true, Sources: []Source{{Values: []string{"a", " ", "c"}}, {Values: []string{""}}}}, "", "a| c|"},
		{"split-values", InputOptions{Delimiter: " ", SplitValues: true, Sources: []Source{{Values: []string{"1 done ", "x"}}, {Values: []string{"a b"}}}}, "", "1|a 1|b done|a done|b |a |b x|a x|b"},
		{"values-whole-by-default", InputOptions{Delimiter: ":", Sources: []Source{{Values: []string{"1:done", "x"}}}}, "", "1:done x"},
		{"linked-first", InputOptions{Sources: []Source{{Values: []string{"1", "2", "3"}, Linked: true}, {Values: []string{"a", "b"}, Linked: true}, {Values: []string{"x", "y"}}}}, "", "1|a|x 1|a|y 2|b|x 2|b|y"},
		{"file-and-list", InputOptions{Sources: []Source{{Path: file}, {Values: []string{"1"}}}}, "", "x|1 y|1 z|1"},
		{"stdin-as-later-source", InputOptions{Sources: []Source{{Values: []string{"a"}}, {Path: "-"}}}, "p\nq\n", "a|p a|q"},
		{"empty-later-source", InputOptions{Sources: []Source{{Values: []string{"a"}}, {Values: []string{}}}}, "", ""},
		{"null", InputOptions{Delimiter: "\x00"}, "a b\x00c\nd\x00", "a b c\nd"},
		{"delimiter-keeps-final-newline", InputOptions{Delimiter: ":"}, "a:b\n", "a b\n"},
		{"multi-byte-delimiter", InputOptions{Delimiter: "--"}, "a--b--", "a b"},
		{"colsep", InputOptions{ColSep: regexp.MustCompile(`\t`)}, "a\tb\nc\td\n", "a|b c|d"},
		{"crlf-kept", InputOptions{}, "a\r\n", "a\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := tt.opt
			opt.Stdin = strings.NewReader(tt.stdin)
			in, err := OpenInputs(opt)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			if got := strings.Join(readAll(t, in), " "); got != tt.want {
				t.Errorf("records %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenInputsErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, opt := range []InputOptions{
		{Sources: []Source{{Path: filepath.Join(dir, "missing")}}},
		{Sources: []Source{{Path: dir}}},
	} {
		if _, err := OpenInputs(opt); err == nil {
			t.Errorf("OpenInputs(%+v) succeeded, want an error", opt.Sources)
		}
	}
}

// endless yields records forever, to prove the first source is streamed.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	e.n++
	return copy(p, "line\n"), nil
}

func TestInputsStreamFirstSource(t *testing.T) {
	t.Parallel()
	in, err := OpenInputs(InputOptions{Sources: []Source{{Path: "-"}, {Values: []string{"1", "2"}}}, Stdin: &endless{}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if _, err := in.Next(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseDelimiter(t *testing.T) {
	t.Parallel()
	good := map[string]string{`\n`: "\n", `\t`: "\t", `\0`: "\x00", `:`: ":", `\\`: `\`, `\x41`: "A", `ab`: "ab"}
	for in, want := range good {
		if got, err := ParseDelimiter(in); err != nil || got != want {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", `\q`, `\x4`, `\xZZ`} {
		if _, err := ParseDelimiter(in); err == nil {
			t.Errorf("ParseDelimiter(%q) succeeded, want an error", in)
		}
	}
}

func TestParseJobs(t *testing.T) {
	t.Parallel()
	good := map[string]int{"4": 4, "0": 0, "50%": 4, "1%": 1, "+2": 10, "-2": 6, "-20": 1, "200%": 16}
	for in, want := range good {
		if got, err := ParseJobs(in, 8); err != nil || got != want {
			t.Errorf("ParseJobs(%q, 8) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-", "+", "1.5", "%", "-1%", "99999999999"} {
		if _, err := ParseJobs(in, 8); err == nil {
			t.Errorf("ParseJobs(%q) succeeded, want an error", in)
		}
	}
}

// list is a RecordSource over fixed records.
type list struct{ recs [][]string }

func (l *list) Next() ([]string, error) {
	if len(l.recs) == 0 {
		return nil, io.EOF
	}
	r := l.recs[0]
	l.recs = l.recs[1:]
	return r, nil
}

func records(n int) *list {
	l := &list{}
	for i := 1; i <= n; i++ {
		l.recs = append(l.recs, []string{strings.Repeat("x", i%7+1)})
	}
	return l
}

func TestBatcher(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseTemplate([]string{"echo"}, TemplateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	count := func(opt BatchOptions, n int) (jobs, args int) {
		opt.Template = tmpl
		b := NewBatcher(records(n), opt)
		for {
			f, err := b.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			jobs++
			args += len(f)
		}
	}
	if j, a := count(BatchOptions{MaxArgs: 3}, 10); j != 4 || a != 10 {
		t.Errorf("-n 3 over 10: %d jobs, %d args; want 4, 10", j, a)
	}
	if j, a := count(BatchOptions{Pack: true, Slots: 1}, 10); j != 1 || a != 10 {
		t.Errorf("-X -j1 over 10: %d jobs, %d args; want 1, 10", j, a)
	}
	if j, a := count(BatchOptions{Pack: true, Slots: 3}, 10); j != 3 || a != 10 {
		t.Errorf("-X -j3 over 10: %d jobs, %d args; want 3, 10", j, a)
	}
	if j, a := count(BatchOptions{Pack: true, MaxArgs: 4, Slots: 1}, 10); j != 3 || a != 10 {
		t.Errorf("-X -n4 over 10: %d jobs, %d args; want 3, 10", j, a)
	}
	// 100,000 args cannot fit one 128 KiB command line.
	if j, a := count(BatchOptions{Pack: true, Slots: 1}, 100000); j < 3 || a != 100000 {
		t.Errorf("-X over 100000: %d jobs, %d args; want several jobs, 100000 args", j, a)
	}
}

// TestBatcherLimit: -X and -m fill each command line up to MaxLine and
// never beyond it, however many times the arguments stand in the command
// and however long the words around them (GNU parallel's
// par_too_long_line_X: 14 {} in one command).
func TestBatcherLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("y", 300)
	for _, tc := range []struct {
		tmpl    string
		context bool
		maxLine int
		first   string
	}{
		{"echo {} {} {} {} {} {} {} {} {} {} {} {} {} {} | wc", false, maxCommandLine, ""},
		{"echo {} {} {} {} {} {} {} {} {} {} {} {} {} {} | wc", true, maxCommandLine, ""},
		{"echo pre-{}-post 'quoted {}' \"{}\"", true, 4000, ""},
		// {1} is counted only when the line is built: the check shortens it.
		{"echo {1}{1}{1}{1}{1} {}", false, 2000, long},
		{"echo {1}{1}{1}{1}{1} x{}y", true, 2000, long},
	} {
		tmpl, err := ParseTemplate([]string{tc.tmpl}, TemplateOptions{Context: tc.context})
		if err != nil {
			t.Fatal(err)
		}
		src := &list{}
		n := 3850
		for i := 1; i <= n; i++ {
			v := strconv.Itoa(i)
			if i == 1 && tc.first != "" {
				v = tc.first
			}
			src.recs = append(src.recs, []string{v})
		}
		b := NewBatcher(src, BatchOptions{Pack: true, MaxLine: tc.maxLine, Template: tmpl, Slots: 1})
		jobs, args := 0, 0
		for {
			f, err := b.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			jobs++
			args += len(f)
			cmd, err := tmpl.Expand(Args{Fields: f, Seq: int64(jobs), Slot: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(cmd) > tc.maxLine && len(f) > 1 {
				t.Errorf("%q: job %d is %d bytes with %d arguments, over %d", tc.tmpl, jobs, len(cmd), len(f), tc.maxLine)
			}
			if len(cmd) < tc.maxLine/3 && args < n {
				t.Errorf("%q: job %d is only %d bytes: not filled", tc.tmpl, jobs, len(cmd))
			}
		}
		if args != n || jobs < 2 {
			t.Errorf("%q: %d jobs, %d arguments; want several jobs, %d arguments", tc.tmpl, jobs, args, n)
		}
	}
}

func TestCommandLineLimit(t *testing.T) {
	t.Parallel()
	if got := CommandLineLimit(nil); got != maxCommandLine {
		t.Errorf("CommandLineLimit(nil) = %d, want %d", got, maxCommandLine)
	}
	big := strings.Repeat("x", 100000)
	var env []string
	for (len(env)+1)*100010 < argMax()-90000 {
		env = append(env, "BIG="+big)
	}
	if got, want := CommandLineLimit(env), argMax()-execMargin-len(env)*(len(big)+5+pointerSize); got != min(want, maxCommandLine) || got >= maxCommandLine {
		t.Errorf("with %d bytes of environment: %d, want %d", len(env)*len(big), got, want)
	}
}

// TestBatcherFieldNumbers: each field of a job is numbered by its input
// source or column, starting again with each record (GNU parallel's
// --results levels).
func TestBatcherFieldNumbers(t *testing.T) {
	t.Parallel()
	recs := func() *list { return &list{recs: [][]string{{"a", "1"}, {"b", "2"}, {"c", "3", "x"}}} }
	for _, tc := range []struct {
		opt  BatchOptions
		want string
	}{
		{BatchOptions{MaxArgs: 2}, "[1 2 1 2] [1 2 3]"},
		{BatchOptions{Pack: true, Slots: 1}, "[1 2 1 2 1 2 3]"},
		{BatchOptions{Pack: true, Slots: 2}, "[1 2] [1 2 1 2 3]"},
		{BatchOptions{}, "[] [] []"},
	} {
		b := NewBatcher(recs(), tc.opt)
		var got []string
		for {
			if _, err := b.Next(); err == io.EOF {
				break
			}
			got = append(got, fmt.Sprint(b.fieldNumbers()))
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%+v: numbers %s, want %s", tc.opt, s, tc.want)
		}
	}
}
