package timeline

import (
	"cmp"
	"container/heap"
	"slices"
	"strconv"
)

// slotSlack is how much two tries of one slot may seem to overlap and
// still be drawn on one row: a joblog rounds times to milliseconds, so a
// job can seem to start up to a millisecond before the previous one in its
// slot ended.
const slotSlack = int64(1e6)

// slot is one row of the picture before any merging: a job slot of a host.
type slot struct {
	host string
	n    int // from 1
}

// label names the slot on its row.
func (s slot) label(hosts int) string {
	if hosts > 1 || s.host != "" {
		host := s.host
		if host == "" {
			host = "local"
		}
		return host + " #" + strconv.Itoa(s.n)
	}
	return "slot " + strconv.Itoa(s.n)
}

// assignSlots returns the slots of the run, in order (the local machine
// first, then the hosts by name, each host's slots by number), and the
// index in that list of each bar's slot. When every bar says its slot,
// each host has the slots 1 to the highest it used; otherwise (joblogs,
// events written before krun recorded slots) the bars are placed
// greedily, in order of start, each on the lowest slot of its host free
// at that time. (A slot number above the number of bars, which no run
// can have, is not believed either: it would cost a row each.)
func assignSlots(bars []Bar) ([]slot, []int) {
	known := true
	for i := range bars {
		if bars[i].Slot < 1 || bars[i].Slot > len(bars) {
			known = false
			break
		}
	}
	n := make([]int, len(bars)) // each bar's slot number
	if known {
		for i := range bars {
			n[i] = bars[i].Slot
		}
	} else {
		greedy(bars, n)
	}
	top := map[string]int{} // the highest slot of each host
	for i := range bars {
		top[bars[i].Host] = max(top[bars[i].Host], n[i])
	}
	hosts := make([]string, 0, len(top))
	for h := range top {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts) // "" (the local machine) first
	var slots []slot
	first := map[string]int{}
	for _, h := range hosts {
		first[h] = len(slots)
		for s := 1; s <= top[h]; s++ {
			slots = append(slots, slot{host: h, n: s})
		}
	}
	row := make([]int, len(bars))
	for i := range bars {
		row[i] = first[bars[i].Host] + n[i] - 1
	}
	return slots, row
}

// greedy sets n[i] to a slot for each bar, host by host: bars are taken in
// order of start (bars is sorted so), each on the lowest slot free at its
// start.
func greedy(bars []Bar, n []int) {
	type state struct {
		free freeSlots // slot numbers free now
		busy busySlots // slots in use, by end time
		next int       // the next new slot number
	}
	hosts := map[string]*state{}
	for i := range bars {
		b := &bars[i]
		st := hosts[b.Host]
		if st == nil {
			st = &state{next: 1}
			hosts[b.Host] = st
		}
		for len(st.busy) > 0 && st.busy[0].end <= b.Start+slotSlack {
			heap.Push(&st.free, heap.Pop(&st.busy).(busySlot).n)
		}
		var s int
		if len(st.free) > 0 {
			s = heap.Pop(&st.free).(int)
		} else {
			s = st.next
			st.next++
		}
		n[i] = s
		heap.Push(&st.busy, busySlot{end: b.End, n: s})
	}
}

// freeSlots is a min-heap of slot numbers.
type freeSlots []int

func (h freeSlots) Len() int           { return len(h) }
func (h freeSlots) Less(i, j int) bool { return h[i] < h[j] }
func (h freeSlots) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *freeSlots) Push(x any)        { *h = append(*h, x.(int)) }
func (h *freeSlots) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type busySlot struct {
	end int64
	n   int
}

// busySlots is a min-heap of slots in use, by end time, then number.
type busySlots []busySlot

func (h busySlots) Len() int { return len(h) }
func (h busySlots) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(h[i].end, h[j].end), cmp.Compare(h[i].n, h[j].n)) < 0
}
func (h busySlots) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *busySlots) Push(x any)   { *h = append(*h, x.(busySlot)) }
func (h *busySlots) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
