package timeline

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// tinyRun is a run of n short jobs, one after the other on each of rows
// slots, every tenth failed, and a few long ones.
func tinyRun(n, rows int) *Run {
	run := &Run{Format: "krun events"}
	for i := range n {
		slot := i%rows + 1
		start := ms(int64(i / rows))
		b := Bar{Seq: int64(i + 1), Attempt: 1, Slot: slot, Start: start, End: start + 1e6, Outcome: OK, Command: fmt.Sprint("job ", i+1)}
		if i%10 == 3 {
			b.Outcome, b.Exit = Failed, 1
		}
		run.Bars = append(run.Bars, b)
	}
	// Three long jobs on slot 1, after the rest.
	end := ms(int64(n / rows))
	for k := range 3 {
		s := end + int64(k)*500e6
		run.Bars = append(run.Bars, Bar{Seq: int64(n + k + 1), Attempt: 1, Slot: 1, Start: s, End: s + 400e6, Outcome: TimedOut, Command: "long"})
	}
	sortRun(run)
	return run
}

// TestMergeBudget: past the budget, narrow bars merge until the budget
// holds; wide bars stay alone; an aggregate spans its tries, counts them
// and takes the worst outcome's colour; no try is lost.
func TestMergeBudget(t *testing.T) {
	run := tinyRun(20_000, 4)
	for _, budget := range []int{50, 500, 5000} {
		c := layout(run, Options{MaxBars: budget})
		if len(c.items) > budget {
			t.Errorf("budget %d: %d bars drawn", budget, len(c.items))
		}
		if c.quantum < 1 || c.merged == 0 {
			t.Fatalf("budget %d: quantum %v, %d merged", budget, c.quantum, c.merged)
		}
		tries, longs := 0, 0
		for _, it := range c.items {
			if it.bar != nil {
				tries++
				if it.bar.Command == "long" {
					longs++
				}
				if it.x1-it.x0 < c.quantum && it.agg != nil {
					t.Errorf("an item with both a bar and an aggregate")
				}
				continue
			}
			a := it.agg
			tries += a.n
			if a.n < 2 {
				t.Errorf("an aggregate of %d tries", a.n)
			}
			worst := OK
			sum := 0
			for o, n := range a.counts {
				sum += n
				if n > 0 {
					worst = Outcome(o)
				}
			}
			if sum != a.n || it.outcome != worst {
				t.Errorf("aggregate: counts %v sum to %d (n %d), outcome %v, want the worst %v", a.counts, sum, a.n, it.outcome, worst)
			}
			if it.x0 != c.x(a.start) || it.x1 != c.x(a.end) {
				t.Errorf("aggregate at %v..%v, its tries at %v..%v", it.x0, it.x1, c.x(a.start), c.x(a.end))
			}
		}
		if tries != len(run.Bars) {
			t.Errorf("budget %d: the bars stand for %d tries, want %d", budget, tries, len(run.Bars))
		}
		if longs != 3 && c.quantum < c.x(run.Bars[len(run.Bars)-1].End)-c.x(run.Bars[len(run.Bars)-1].Start) {
			t.Errorf("budget %d: %d long jobs drawn alone, want 3 (quantum %v px)", budget, longs, c.quantum)
		}
	}
}

// TestNoMergeUnderBudget: a run within the budget has a bar per try.
func TestNoMergeUnderBudget(t *testing.T) {
	run := tinyRun(2000, 4)
	c := layout(run, Options{MaxBars: len(run.Bars)})
	if c.quantum != 0 || c.merged != 0 || len(c.items) != len(run.Bars) {
		t.Errorf("quantum %v, %d merged, %d bars for %d tries", c.quantum, c.merged, len(c.items), len(run.Bars))
	}
	for _, it := range c.items {
		if it.bar == nil {
			t.Fatal("an aggregate under the budget")
		}
	}
}

// TestSharedRows: more slots than MaxRows share rows, labelled with the
// slots they hold.
func TestSharedRows(t *testing.T) {
	run := tinyRun(100, 10)
	c := layout(run, Options{MaxRows: 4})
	want := []string{"slots 1 – 3", "slots 4 – 6", "slots 7 – 9", "slot 10"}
	if c.slotsPerRow != 3 || fmt.Sprint(c.rows) != fmt.Sprint(want) {
		t.Errorf("%d slots per row, rows %q; want 3 and %q", c.slotsPerRow, c.rows, want)
	}
	for _, it := range c.items {
		if it.bar != nil && it.row != (it.bar.Slot-1)/3 {
			t.Errorf("seq %d of slot %d on row %d", it.bar.Seq, it.bar.Slot, it.row)
		}
	}
}

// TestDeterministic: the same events give the same bytes, whatever the
// order of the jobs in the file, and a Run made by hand out of order
// draws as the sorted one.
func TestDeterministic(t *testing.T) {
	jobs := synthRun(synthOptions{jobs: 3000, slots: 8, seed: 9})
	render := func(jobs []synthJob) []byte {
		run, err := Read(bytes.NewReader(synthEvents(jobs)), "ev")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := Render(&out, run, SVG, Options{MaxBars: 1000}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	want := render(jobs)
	r := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		shuffled := append([]synthJob(nil), jobs...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := render(shuffled); !bytes.Equal(got, want) {
			t.Fatal("the same jobs in another order drew different bytes")
		}
	}
	run, _ := Read(bytes.NewReader(synthEvents(jobs)), "ev")
	r.Shuffle(len(run.Bars), func(i, j int) { run.Bars[i], run.Bars[j] = run.Bars[j], run.Bars[i] })
	var out bytes.Buffer
	Render(&out, run, SVG, Options{MaxBars: 1000})
	if !bytes.Equal(out.Bytes(), want) {
		t.Error("a Run with its bars out of order drew different bytes")
	}
}

// TestMarks: markers at one pixel merge, listing the first messages and
// a count; the breaker's open times are bands up to the half-open (or
// the end of the run).
func TestMarks(t *testing.T) {
	run := &Run{Bars: []Bar{{Seq: 1, Attempt: 1, Slot: 1, Start: ms(0), End: ms(10_000), Outcome: OK}}}
	for i := range 8 { // 8 openings within a millisecond: one marker
		run.Marks = append(run.Marks, Mark{Kind: "breaker", Time: ms(1000) + int64(i), Message: fmt.Sprintf("breaker open: %d", i)})
	}
	run.Marks = append(run.Marks,
		Mark{Kind: "breaker", Time: ms(3000), Message: "breaker half-open: letting one job through"},
		Mark{Kind: "breaker", Time: ms(3100), Message: "breaker open: again"},
		Mark{Kind: "halt", Time: ms(5000), Message: "halt: rule soon,fail=1 tripped"},
	)
	c := layout(run, Options{})
	if len(c.marks) != 4 {
		t.Fatalf("%d markers, want 4: %+v", len(c.marks), c.marks)
	}
	m := c.marks[0]
	if m.n != 8 || len(m.messages) != maxMarkMessages || m.kind != "breaker" {
		t.Errorf("first marker: %+v", m)
	}
	if len(c.bands) != 2 || c.bands[0].start != ms(1000) || c.bands[0].end != ms(3000) ||
		c.bands[1].start != ms(3100) || c.bands[1].end != ms(10_000) {
		t.Errorf("bands %+v", c.bands)
	}
	var out bytes.Buffer
	Render(&out, run, SVG, Options{})
	for _, s := range []string{"8 breaker events from +1.000 s", "and 3 more", "halt at +5.000 s", "breaker open for 2.000 s, from +1.000 s"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the picture does not say %q", s)
		}
	}
}

func TestSummary(t *testing.T) {
	run, err := Read(strings.NewReader(smallEvents), "ev")
	if err != nil {
		t.Fatal(err)
	}
	c := layout(run, Options{})
	s := c.sum
	// 6 jobs (seq 1 to 6; seq 2's first try retried); failed: 2
	// (timeout), 3 (exit 2), 4 (not started), 5 (halted).
	if s.jobs != 6 || s.tries != 7 || s.failed != 4 || s.slots != 2 || s.halts != 1 || s.breakers != 1 {
		t.Errorf("summary %+v", s)
	}
	if s.wall != 1800e6 {
		t.Errorf("wall %v, want 1.8 s", s.wall)
	}
	// busy: 500+200+1050+750+200+0+200 ms over 2 slots × 1800 ms.
	if want := 2900.0 / 3600; s.util != want {
		t.Errorf("utilisation %v, want %v", s.util, want)
	}
	var longest []int64
	for _, b := range s.longest {
		longest = append(longest, b.Seq)
	}
	if fmt.Sprint(longest) != "[2 3 1 5 6]" {
		t.Errorf("longest jobs %v, want [2 3 1 5 6]", longest)
	}
}

// TestHandMadeRun: a Run not made by Read (out of order, an outcome out of
// range, an end before its start) draws as well.
func TestHandMadeRun(t *testing.T) {
	run := &Run{Bars: []Bar{
		{Seq: 2, Start: ms(50), End: ms(10), Outcome: Outcome(200)},
		{Seq: 1, Start: ms(0), End: ms(100), Outcome: OK},
	}}
	var out bytes.Buffer
	if err := Render(&out, run, HTML, Options{}); err != nil {
		t.Fatal(err)
	}
	checkMarkup(t, out.Bytes())
	if !strings.Contains(out.String(), `<rect class="failed"`) || run.Bars[0].Outcome != Outcome(200) {
		t.Error("the bad outcome is not drawn as failed, or the Run was changed")
	}
}
