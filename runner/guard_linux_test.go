package runner

import (
	"slices"
	"testing"
)

// The guardian skips its search for the run's marker only when krun's
// last word was "." with no job group registered: a normal end, swept.
func TestGuardLogCleanEnd(t *testing.T) {
	for _, c := range []struct {
		lines []string
		clean bool
	}{
		{nil, false}, // krun died before it said anything
		{[]string{"."}, true},
		{[]string{"+12", "-12", "+13", "-13", "."}, true},
		{[]string{"+12", "-12", "+13", "-13"}, false}, // died between jobs
		{[]string{"+12", "."}, false},                 // a group still registered
		{[]string{"+12", "-12", ".", "+13"}, false},
		{[]string{"+12", "-12", "", "."}, true},
		{[]string{"+1", "+x", "."}, true}, // not groups krun would send
	} {
		var l guardLog
		for _, line := range c.lines {
			l.line(line)
		}
		if l.cleanEnd() != c.clean {
			t.Errorf("%q: clean end %v, want %v", c.lines, l.cleanEnd(), c.clean)
		}
	}
}

// Directories to remove come quoted, one a line; anything but a clean
// absolute path other than "/" is ignored, and a directory line does not
// count as krun's last word.
func TestGuardLogDirs(t *testing.T) {
	var l guardLog
	for _, line := range []string{
		`d"/tmp/krun-ssh-1"`,
		`d"/tmp/with\nnewline"`,
		`d"relative"`,
		`d"/"`,
		`d"/tmp/x/.."`,
		`d/tmp/unquoted`,
		".",
		`d"/tmp/krun-ssh-2"`,
	} {
		l.line(line)
	}
	want := []string{"/tmp/krun-ssh-1", "/tmp/with\nnewline", "/tmp/krun-ssh-2"}
	if !slices.Equal(l.dirs, want) {
		t.Errorf("dirs %q, want %q", l.dirs, want)
	}
	if l.cleanEnd() {
		t.Error("a clean end, though krun's last line was not \".\"")
	}
}
