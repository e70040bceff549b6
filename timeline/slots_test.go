package timeline

import (
	"reflect"
	"testing"
)

func TestAssignSlots(t *testing.T) {
	bar := func(host string, slot int, start, end int64) Bar {
		return Bar{Host: host, Slot: slot, Start: ms(start), End: ms(end)}
	}
	for _, tc := range []struct {
		name  string
		bars  []Bar // sorted by start
		slots []slot
		rows  []int
	}{{
		name:  "slots known: kept, and the unused slot 3 below the top one shown",
		bars:  []Bar{bar("", 1, 0, 10), bar("", 4, 0, 10), bar("", 2, 5, 10), bar("", 1, 10, 20)},
		slots: []slot{{"", 1}, {"", 2}, {"", 3}, {"", 4}},
		rows:  []int{0, 3, 1, 0},
	}, {
		name: "greedy: the lowest slot free at the start",
		bars: []Bar{bar("", 0, 0, 100), bar("", 0, 10, 20), bar("", 0, 15, 50),
			bar("", 0, 30, 40), bar("", 0, 60, 70), bar("", 0, 100, 110)},
		slots: []slot{{"", 1}, {"", 2}, {"", 3}},
		// 0→1; 10→2; 15→3; 30: 2 is free (ended at 20)→2; 60: 2 and 3
		// free→2; 100: 1 free again→1.
		rows: []int{0, 1, 2, 1, 1, 0},
	}, {
		name:  "greedy: a millisecond of overlap is a joblog's rounding",
		bars:  []Bar{bar("", 0, 0, 101), bar("", 0, 100, 200), bar("", 0, 150, 300)},
		slots: []slot{{"", 1}, {"", 2}},
		rows:  []int{0, 0, 1},
	}, {
		name:  "greedy when any bar lacks its slot",
		bars:  []Bar{bar("", 5, 0, 10), bar("", 0, 20, 30)},
		slots: []slot{{"", 1}},
		rows:  []int{0, 0},
	}, {
		name:  "a slot above the number of bars is not believed",
		bars:  []Bar{bar("", 1_000_000_000, 0, 10), bar("", 1, 0, 10)},
		slots: []slot{{"", 1}, {"", 2}},
		rows:  []int{0, 1},
	}, {
		name: "hosts: the local machine first, each host its own slots",
		bars: []Bar{bar("b", 0, 0, 10), bar("", 0, 0, 10), bar("a", 0, 0, 10),
			bar("b", 0, 1, 10), bar("", 0, 20, 30)},
		slots: []slot{{"", 1}, {"a", 1}, {"b", 1}, {"b", 2}},
		rows:  []int{2, 0, 1, 3, 0},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			slots, rows := assignSlots(tc.bars)
			if !reflect.DeepEqual(slots, tc.slots) || !reflect.DeepEqual(rows, tc.rows) {
				t.Errorf("got slots %v rows %v\nwant slots %v rows %v", slots, rows, tc.slots, tc.rows)
			}
		})
	}
}

func TestSlotLabel(t *testing.T) {
	for _, tc := range []struct {
		s     slot
		hosts int
		want  string
	}{
		{slot{"", 3}, 1, "slot 3"},
		{slot{"", 3}, 2, "local #3"},
		{slot{"worker-1", 2}, 2, "worker-1 #2"},
		{slot{"worker-1", 2}, 1, "worker-1 #2"},
	} {
		if got := tc.s.label(tc.hosts); got != tc.want {
			t.Errorf("%v.label(%d) = %q, want %q", tc.s, tc.hosts, got, tc.want)
		}
	}
}
