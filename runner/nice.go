package runner

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
)

// Nice runs jobs at a niceness (--nice): through the POSIX nice utility,
// which sets it in the job's own process before the job's program starts,
// so that nothing the job starts escapes it.
type Nice struct {
	// Program is the path of nice(1).
	Program string
	// Increment is added to krun's niceness; 0 runs jobs as krun runs.
	Increment int
}

// NewNice returns how to run jobs at niceness level (-20 to 19, as GNU
// parallel's --nice), from krun's own niceness current. A level below
// current needs privileges; without them (euid not 0) jobs run at
// current, as GNU parallel's jobs do. The zero Nice, with no error, means
// there is nothing to change.
func NewNice(level, current int, privileged bool) (Nice, error) {
	if level < -20 || level > 19 {
		return Nice{}, fmt.Errorf("%d is not a niceness: want -20 (first) to 19 (last)", level)
	}
	inc := level - current
	if inc == 0 || inc < 0 && !privileged {
		return Nice{}, nil
	}
	path, err := exec.LookPath("nice")
	if err != nil {
		return Nice{}, errors.New("the nice program (POSIX, in coreutils) is not found on $PATH")
	}
	return Nice{Program: path, Increment: inc}, nil
}

// wrap returns p run through nice(1).
func (n Nice) wrap(p program) program {
	if n.Program == "" {
		return p
	}
	// Only what runs changes: the standard input, the terminal's
	// foreground, the output and the control pipe stay p's.
	w := p
	w.path = n.Program
	w.argv = append([]string{n.Program, "-n", strconv.Itoa(n.Increment), p.path}, p.argv[1:]...)
	return w
}
