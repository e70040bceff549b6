package runner

import (
	"container/heap"
	"time"
)

// medianTracker keeps the running median of job runtimes, for --timeout
// N%: two heaps, the lower half (a max-heap, stored negated) and the upper
// half (a min-heap).
type medianTracker struct {
	lo minHeap // negated
	hi minHeap
}

func (m *medianTracker) add(d time.Duration) {
	if m.lo.Len() == 0 || d <= -m.lo[0] {
		heap.Push(&m.lo, -d)
	} else {
		heap.Push(&m.hi, d)
	}
	switch {
	case m.lo.Len() > m.hi.Len()+1:
		heap.Push(&m.hi, -heap.Pop(&m.lo).(time.Duration))
	case m.hi.Len() > m.lo.Len():
		heap.Push(&m.lo, -heap.Pop(&m.hi).(time.Duration))
	}
}

func (m *medianTracker) count() int { return m.lo.Len() + m.hi.Len() }

// median returns the median of the runtimes added, or 0 for none.
func (m *medianTracker) median() time.Duration {
	switch {
	case m.count() == 0:
		return 0
	case m.lo.Len() > m.hi.Len():
		return -m.lo[0]
	}
	return (-m.lo[0] + m.hi[0]) / 2
}

type minHeap []time.Duration

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
