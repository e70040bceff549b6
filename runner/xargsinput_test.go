package runner

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestLineJoiner: -L's logical lines: blank lines dropped, a line ending
// in a blank continued by the next, records of several fields as they are.
func TestLineJoiner(t *testing.T) {
	t.Parallel()
	l := &list{recs: [][]string{{"a"}, {""}, {"b "}, {"c\t"}, {"d"}, {"  "}, {"e", "f"}, {"g "}}}
	got := readAll(t, NewLineJoiner(l))
	want := []string{"a", "b c\td", "e|f", "g "}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A continued line followed by columns is an error, not a guess.
	l = &list{recs: [][]string{{"a "}, {"b", "c"}}}
	if _, err := NewLineJoiner(l).Next(); err == nil {
		t.Error("a line continued by a record of two fields: no error")
	}
}

// TestInputsEOF: -E ends each source at its first item equal to the
// string, ::: lists and files alike; the later items are not read.
func TestInputsEOF(t *testing.T) {
	t.Parallel()
	in, err := OpenInputs(InputOptions{
		Sources: []Source{{Path: "-"}, {Values: []string{"1", "END", "2"}}},
		Stdin:   strings.NewReader("a\nb\nEND\nc\n"),
		EOF:     "END",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if got, want := readAll(t, in), []string{"a|1", "b|1"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if in.Total() != -1 {
		t.Errorf("Total %d with an end string, want -1 (unknown)", in.Total())
	}
}

// TestBatcherCheck: with Check, MaxLine is a hard limit: -n batches are
// shortened to fit, or with Exit the input ends in ErrLineTooLong; -X
// lines are filled exactly; a single record over it is an error.
func TestBatcherCheck(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseTemplate([]string{"echo"}, TemplateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	words := func(ws ...string) *list {
		l := &list{}
		for _, w := range ws {
			l.recs = append(l.recs, []string{w})
		}
		return l
	}
	batches := func(opt BatchOptions, src RecordSource) ([]string, error) {
		opt.Template, opt.Check = tmpl, true
		b := NewBatcher(src, opt)
		var out []string
		for {
			f, err := b.Next()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return out, err
			}
			out = append(out, strings.Join(f, " "))
		}
	}
	// "echo 9 10 11" is 12 bytes: MaxLine 14 is xargs -s 15.
	seq := func() *list { return words("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12") }
	got, err := batches(BatchOptions{MaxArgs: 4, MaxLine: 14}, seq())
	if want := []string{"1 2 3 4", "5 6 7 8", "9 10 11", "12"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("-n 4 -s 15: %q, %v; want %q", got, err, want)
	}
	got, err = batches(BatchOptions{MaxArgs: 4, MaxLine: 14, Exit: true}, seq())
	if want := []string{"1 2 3 4", "5 6 7 8"}; !errors.Is(err, ErrLineTooLong) || !slices.Equal(got, want) {
		t.Errorf("-x -n 4 -s 15: %q, %v; want %q and ErrLineTooLong", got, err, want)
	}
	got, err = batches(BatchOptions{Pack: true, Slots: 1, MaxLine: 19}, seq())
	if want := []string{"1 2 3 4 5 6 7", "8 9 10 11 12"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("-X -s 20: %q, %v; want %q", got, err, want)
	}
	for _, opt := range []BatchOptions{{MaxLine: 9}, {MaxArgs: 2, MaxLine: 9}, {Pack: true, Slots: 1, MaxLine: 9}} {
		got, err = batches(opt, words("a", "toolongword", "b"))
		if !errors.Is(err, ErrLineTooLong) || !slices.Equal(got, []string{"a"}) {
			t.Errorf("%+v: %q, %v; want [a] and ErrLineTooLong", opt, got, err)
		}
	}
}
