package runner

import "testing"

func TestNewNice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level, current int
		privileged     bool
		inc            int
		wantErr        bool
	}{
		{5, 0, false, 5, false},
		{5, 5, false, 0, false},
		{1, 3, false, 0, false}, // below krun's own: stays there, as GNU parallel's local jobs
		{1, 3, true, -2, false},
		{-20, 0, true, -20, false},
		{19, -20, false, 39, false},
		{20, 0, true, 0, true},
		{-21, 0, true, 0, true},
	}
	for _, tt := range tests {
		n, err := NewNice(tt.level, tt.current, tt.privileged)
		if (err != nil) != tt.wantErr || n.Increment != tt.inc || (n.Program != "") != (tt.inc != 0) {
			t.Errorf("NewNice(%d, %d, %v) = %+v, %v; want increment %d, error %v", tt.level, tt.current, tt.privileged, n, err, tt.inc, tt.wantErr)
		}
	}
	p := Nice{Program: "/usr/bin/nice", Increment: 4}.wrap(program{path: "/bin/sh", argv: []string{"sh", "-c", "x"}})
	if p.path != "/usr/bin/nice" || len(p.argv) != 6 || p.argv[2] != "4" || p.argv[3] != "/bin/sh" || p.argv[5] != "x" {
		t.Errorf("wrap = %+v", p)
	}
}
