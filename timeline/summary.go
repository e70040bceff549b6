package timeline

import (
	"cmp"
	"slices"
)

// longestJobs is how many of the longest jobs the header lists.
const longestJobs = 5

// summary holds the totals of the header.
type summary struct {
	format string
	jobs   int // jobs: the last try of each, so every bar but a retried try
	tries  int
	// outcomes counts the bars by outcome; failed counts the jobs whose
	// last try failed, timed out or was ended.
	outcomes [numOutcomes]int
	failed   int
	start    int64 // the first start, Unix ns
	wall     int64 // from the first start to the last end, ns
	slots    int
	hosts    int
	busy     int64   // the tries' durations added up, ns
	util     float64 // busy / (slots × wall), from 0 to 1
	longest  []*Bar  // the longest jobs, each by its longest try
	halts    int
	breakers int
}

// summarize adds up run, whose bars take the given slots.
func summarize(run *Run, slots []slot) summary {
	s := summary{format: run.Format, tries: len(run.Bars), slots: len(slots)}
	hosts := map[string]bool{}
	for _, sl := range slots {
		hosts[sl.host] = true
	}
	s.hosts = len(hosts)
	longest := map[int64]*Bar{} // by seq, for events; joblogs may repeat a seq
	var t1 int64
	for i := range run.Bars {
		b := &run.Bars[i]
		s.outcomes[b.Outcome]++
		if b.Outcome != Retried {
			s.jobs++
			if b.Outcome.failure() {
				s.failed++
			}
		}
		s.busy += b.Duration()
		if i == 0 {
			s.start, t1 = b.Start, b.End
		}
		s.start, t1 = min(s.start, b.Start), max(t1, b.End)
		key := b.Seq
		if run.Format == "joblog" {
			key = int64(i) // each line is a job of its own (a resumed run logs a seq again)
		}
		if l, ok := longest[key]; !ok || b.Duration() > l.Duration() {
			longest[key] = b
		}
	}
	s.wall = t1 - s.start
	if s.slots > 0 && s.wall > 0 {
		s.util = float64(s.busy) / (float64(s.slots) * float64(s.wall))
	}
	for _, b := range longest {
		s.longest = append(s.longest, b)
	}
	slices.SortFunc(s.longest, func(a, b *Bar) int {
		return cmp.Or(cmp.Compare(b.Duration(), a.Duration()), cmp.Compare(a.Seq, b.Seq),
			cmp.Compare(a.Start, b.Start), cmp.Compare(a.Attempt, b.Attempt))
	})
	s.longest = s.longest[:min(len(s.longest), longestJobs)]
	for _, m := range run.Marks {
		switch m.Kind {
		case "halt":
			s.halts++
		case "breaker":
			s.breakers++
		}
	}
	return s
}
