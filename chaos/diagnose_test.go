package chaos

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// traceOf builds the trace of a run, one job at a time, in which the jobs
// of order leave the file "f" with the contents after[i] (nil: no file);
// before is its content before the first job.
func traceOf(order []int64, before *string, after []string) *Trace {
	file := func(content *string) []TraceFile {
		if content == nil {
			return nil
		}
		sum := sha256.Sum256([]byte(*content))
		return []TraceFile{{Path: "f", Size: int64(len(*content)), Sum: hex.EncodeToString(sum[:])}}
	}
	tr := &Trace{Steps: []TraceStep{{Files: file(before)}}}
	for i, seq := range order {
		tr.Steps = append(tr.Steps, TraceStep{Step: i + 1, Seq: seq, Files: file(&after[i])})
	}
	return tr
}

// appendRun is a reference run of jobs appending pieces[seq-1] to "f"
// in the given order, after init: its trace and the file's final content.
func appendRun(order []int64, init string, pieces []string) (*Trace, []byte) {
	cur := init
	var after []string
	for _, seq := range order {
		cur += pieces[seq-1]
		after = append(after, cur)
	}
	return traceOf(order, &init, after), []byte(cur)
}

// everyJob is a run in which every one of n jobs ran as in the reference.
func everyJob(n int) runJobs {
	return runJobs{same: func(int64) bool { return true }, all: true, label: func(s int64) string { return fmt.Sprintf("job %d", s) }}
}

func TestDiagnoseAppends(t *testing.T) {
	t.Parallel()
	pieces := []string{"== 1 begin\n1: part\n== 1 end\n", "== 2 begin\n2: part\n== 2 end\n", "== 3 begin\n3: part\n== 3 end\n"}
	ref, refData := appendRun([]int64{1, 2, 3}, "header\n", pieces)
	reo, reoData := appendRun([]int64{3, 1, 2}, "header\n", pieces)
	m := learnFile("f", ref, reo, refData, reoData)
	if !m.appends || len(m.pieces) != 3 {
		t.Fatalf("model %+v: want the appends of 3 jobs", m)
	}
	for _, tc := range []struct {
		name   string
		data   string
		jobs   runJobs
		kind   Kind
		detail string
	}{
		{"another order of whole blocks", "header\n" + pieces[2] + pieces[0] + pieces[1], everyJob(3), KindOK, ""},
		{"lines of two jobs interleaved", "header\n== 1 begin\n== 2 begin\n1: part\n2: part\n== 1 end\n== 2 end\n" + pieces[2], everyJob(3), KindInterleaved,
			`first bad line 3: "== 2 begin", from job 2, inside the block of job 1`},
		{"a line torn", "header\n== 1 begin\n1: pa== 2 begin\n2: part\n== 2 end\nrt\n== 1 end\n" + pieces[2], everyJob(3), KindInterleaved,
			`first bad line 3: "1: pa== 2 begin", a line of no job: torn, inside the block of job 1`},
		{"a whole append lost", "header\n" + pieces[1] + pieces[0], everyJob(3), KindLostUpdate,
			"the file holds the whole appends of 2 of the 3 jobs that append to it; lost: job 3"},
		{"the job whose append is missing did not run", "header\n" + pieces[1] + pieces[0],
			runJobs{same: func(s int64) bool { return s != 3 }, all: false, label: everyJob(3).label}, KindDiffers, "@@ line 2 @@"},
		{"something else", "header\n" + pieces[0] + pieces[1] + "== 3 begin\n3: other\n== 3 end\n", everyJob(3), KindDiffers, "@@ line 9 @@"},
		{"the header changed", "HEADER\n" + pieces[0] + pieces[1] + pieces[2], everyJob(3), KindDiffers, "@@ line 1 @@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := m.diagnose([]byte(tc.data), refData, tc.jobs)
			if v.kind != tc.kind {
				t.Fatalf("kind %q (%q), want %q", v.kind, v.detail, tc.kind)
			}
			if tc.detail != "" && (len(v.detail) == 0 || v.detail[0] != tc.detail) {
				t.Errorf("detail %q, want %q first", v.detail, tc.detail)
			}
		})
	}
}

// TestDiagnoseAppendsThatDependOnOrder: jobs whose appends depend on the
// order they run in (a running count) are not said to interleave, even
// when the bytes are the same.
func TestDiagnoseAppendsThatDependOnOrder(t *testing.T) {
	t.Parallel()
	ref, refData := appendRun([]int64{1, 2}, "", []string{"1 of ab\n", "2 of ba\n"})
	reo, reoData := appendRun([]int64{2, 1}, "", []string{"2 of ab\n", "1 of ba\n"})
	m := learnFile("f", ref, reo, refData, reoData)
	if m.appends {
		t.Fatal("appends that differ between the references make a model")
	}
	if v := m.diagnose([]byte("1 of ba\n2 of ab\n"), refData, everyJob(2)); v.kind != KindDiffers {
		t.Errorf("kind %q, want %q", v.kind, KindDiffers)
	}
}

func TestDiagnoseCounter(t *testing.T) {
	t.Parallel()
	zero := "0\n"
	counts := []string{"1\n", "2\n", "3\n", "4\n"}
	ref := traceOf([]int64{1, 2, 3, 4}, &zero, counts)
	reo := traceOf([]int64{4, 2, 1, 3}, &zero, counts)
	m := learnFile("f", ref, reo, []byte("4\n"), []byte("4\n"))
	if !m.counted || m.appends {
		t.Fatalf("model %+v: want a count, no appends", m)
	}
	v := m.diagnose([]byte("2\n"), []byte("4\n"), everyJob(4))
	want := `it ends as "2\n": what 2 of the 4 jobs leave when they run one at a time (the reference ends as "4\n")`
	if v.kind != KindLostUpdate || v.detail[0] != want {
		t.Errorf("verdict %+v, want a lost update: %s", v, want)
	}
	// A job did not run: fewer updates are no evidence of a race.
	if v := m.diagnose([]byte("2\n"), []byte("4\n"), runJobs{same: func(s int64) bool { return s != 2 }, all: false}); v.kind != KindDiffers {
		t.Errorf("with a job missing: kind %q, want %q", v.kind, KindDiffers)
	}
	// Content no number of jobs leaves.
	if v := m.diagnose([]byte("7\n"), []byte("4\n"), everyJob(4)); v.kind != KindDiffers {
		t.Errorf("7 of 4: kind %q, want %q", v.kind, KindDiffers)
	}
}

// TestDiagnoseLastWriterIsNoLostUpdate: each job writes its own number; a
// run ends with another job's number, which is also what fewer jobs leave
// in input order. The shuffled reference shows the content depends on
// which jobs ran, not how many: no lost update is claimed.
func TestDiagnoseLastWriterIsNoLostUpdate(t *testing.T) {
	t.Parallel()
	ref := traceOf([]int64{1, 2, 3}, nil, []string{"1\n", "2\n", "3\n"})
	reo := traceOf([]int64{3, 1, 2}, nil, []string{"3\n", "1\n", "2\n"})
	m := learnFile("f", ref, reo, []byte("3\n"), []byte("2\n"))
	if m.counted {
		t.Fatal("a last-writer file taken for a count")
	}
	if v := m.diagnose([]byte("2\n"), []byte("3\n"), everyJob(3)); v.kind != KindDiffers {
		t.Errorf("kind %q (%q), want %q", v.kind, v.detail, KindDiffers)
	}
}

func TestTiler(t *testing.T) {
	t.Parallel()
	pieces := []piece{{1, []byte("ab")}, {2, []byte("a")}, {3, []byte("b")}, {4, []byte("ab")}, {5, []byte("abcdefghij")}}
	tl := newTiler(pieces)
	for _, tc := range []struct {
		data       string
		all        bool
		ok         bool
		unusedSeqs []int64
	}{
		{"ababababcdefghij", true, true, nil},
		{"abcdefghijbaabab", true, true, nil},
		{"abcdefghijab", false, true, []int64{2, 3, 4}},
		{"abcdefghijab", true, false, nil},
		{"abcdefghijabx", false, false, nil},
		{"", false, true, []int64{1, 2, 3, 4, 5}},
		{"aaab", false, false, nil}, // "a" twice
	} {
		ok, unused := tl.tile([]byte(tc.data), tc.all)
		// Identical pieces are interchangeable: the count of unused ones
		// is what is determined.
		if ok != tc.ok || len(unused) != len(tc.unusedSeqs) {
			t.Errorf("tile(%q, all=%v) = %v %v, want %v %v", tc.data, tc.all, ok, unused, tc.ok, tc.unusedSeqs)
		}
	}
}

// TestTilerBudget: a search that would take too long gives up (no
// diagnosis) rather than hang.
func TestTilerBudget(t *testing.T) {
	t.Parallel()
	var pieces []piece
	for i := range 40 {
		pieces = append(pieces, piece{int64(i + 1), []byte(strings.Repeat("a", i%3+1))})
	}
	ok, _ := newTiler(pieces).tile([]byte(strings.Repeat("a", 79)+"b"), true)
	if ok {
		t.Error("tiled what cannot be tiled")
	}
}

func TestShortDiff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want []string
	}{
		{"1\n2\n3\n", "1\nx\n3\n", []string{"@@ line 2 @@", "-2", "+x"}},
		{"1\n", "1\n2\n", []string{"@@ line 2 @@", "+2"}},
		{"1\n2", "1\n2\n", []string{"@@ line 2 @@", "-2 (no newline at the end)", "+2"}},
		{"a\n", "\x00\x01", []string{"binary content: 2 bytes in the reference, 2 in this run"}},
		{"", "1\n2\n3\n4\n5\n6\n", []string{"@@ line 1 @@", "+1", "+2", "+3", "+4", "+... (2 more lines)"}},
	} {
		if got := shortDiff([]byte(tc.a), []byte(tc.b)); !slices.Equal(got, tc.want) {
			t.Errorf("shortDiff(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
