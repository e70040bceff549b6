package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"
)

// stressJobs × stressLines test lines, 10 bytes to 9 KB each.
const (
	stressJobs  = 16
	stressLines = 50000
)

// TestStressOutputNeverMixes runs 16 jobs of 50,000 lines through the
// real krun in each output mode that promises whole lines, and checks every
// line: intact, none missing, each job's lines in order; grouped, each
// job's lines one contiguous block; with -k, the jobs in input order.
func TestStressOutputNeverMixes(t *testing.T) {
	t.Parallel()
	modes := []struct {
		name       string
		flags      []string
		contiguous bool
	}{
		{"group", nil, true},
		{"keep-order", []string{"-k"}, true},
		{"line-buffer", []string{"--line-buffer"}, false},
		{"keep-order-line-buffer", []string{"-k", "--line-buffer"}, true},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			args := append(mode.flags, "-j", "4", "krun-testgen", "{}", strconv.Itoa(stressLines), ":::")
			for j := 1; j <= stressJobs; j++ {
				args = append(args, strconv.Itoa(j))
			}
			p := startProc(t, procOptions{stdoutPipe: true}, "krun", args...)
			order, checkErr := checkStressOutput(p.stdoutPipe, mode.contiguous)
			io.Copy(io.Discard, p.stdoutPipe)
			if code := p.wait(); code != 0 {
				t.Fatalf("krun: exit status %d; stderr:\n%s", code, p.stderrText())
			}
			if checkErr != nil {
				t.Fatal(checkErr)
			}
			if len(order) != stressJobs {
				t.Fatalf("saw %d job blocks, want %d", len(order), stressJobs)
			}
			if slices.Contains(mode.flags, "-k") {
				for i, job := range order {
					if job != i+1 {
						t.Fatalf("-k emitted jobs in order %v", order)
					}
				}
			}
		})
	}
}

// checkStressOutput reads the whole output and returns the jobs in the
// order their first lines appeared. With contiguous, each job's lines must
// form one block.
func checkStressOutput(r io.Reader, contiguous bool) ([]int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var order []int
	next := map[int]int{} // the next line due from each job
	last := 0
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return order, fmt.Errorf("output line %d is longer than any test line", n)
		}
		if err == io.EOF {
			if len(line) > 0 {
				return order, fmt.Errorf("output ends with a partial line %.60q", line)
			}
			break
		}
		if err != nil {
			return order, err
		}
		j, i, err := checkTestLine(line)
		if err != nil {
			return order, fmt.Errorf("output line %d: %w", n, err)
		}
		if _, ok := next[j]; !ok {
			order = append(order, j)
		} else if contiguous && j != last {
			return order, fmt.Errorf("job %d's block resumes after job %d's", j, last)
		}
		if contiguous && j != last && last != 0 && next[last] != stressLines {
			return order, fmt.Errorf("job %d's block was interrupted by job %d after %d of %d lines", last, j, next[last], stressLines)
		}
		if i != next[j] {
			return order, fmt.Errorf("job %d: line %d came where line %d was due", j, i, next[j])
		}
		next[j]++
		last = j
	}
	for j, n := range next {
		if n != stressLines {
			return order, fmt.Errorf("job %d wrote %d of %d lines", j, n, stressLines)
		}
	}
	return order, nil
}
