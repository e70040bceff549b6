package main

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"testing"
)

// stressJobs × stressLines test lines, 10 bytes to 9 KB each.
const (
	stressJobs  = 16
	stressLines = 50000
)

// TestStressGroupedOutputNeverMixes runs 16 jobs of 50,000 lines through
// the real krun, grouped and with -k, and checks every line: intact, none
// missing, each job's lines one contiguous block in order, and with -k the
// jobs in input order.
func TestStressGroupedOutputNeverMixes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"group", "keep-order"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			args := []string{"-j", "4", "krun-testgen", "{}", strconv.Itoa(stressLines), ":::"}
			if mode == "keep-order" {
				args = append([]string{"-k"}, args...)
			}
			for j := 1; j <= stressJobs; j++ {
				args = append(args, strconv.Itoa(j))
			}
			cmd := exec.Command("krun", args...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			order, checkErr := checkStressOutput(stdout)
			io.Copy(io.Discard, stdout)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("krun: %v", err)
			}
			if checkErr != nil {
				t.Fatal(checkErr)
			}
			if len(order) != stressJobs {
				t.Fatalf("saw %d job blocks, want %d", len(order), stressJobs)
			}
			if mode == "keep-order" {
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
// order their blocks appeared.
func checkStressOutput(r io.Reader) ([]int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var order []int
	seen := map[int]bool{}
	job, next := 0, 0
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
		if j != job {
			if job != 0 && next != stressLines {
				return order, fmt.Errorf("job %d's block was interrupted by job %d after %d of %d lines", job, j, next, stressLines)
			}
			if seen[j] {
				return order, fmt.Errorf("job %d's output is split in two blocks", j)
			}
			seen[j] = true
			order = append(order, j)
			job, next = j, 0
		}
		if i != next {
			return order, fmt.Errorf("job %d: line %d came where line %d was due", j, i, next)
		}
		next++
	}
	if job != 0 && next != stressLines {
		return order, fmt.Errorf("job %d's block has %d of %d lines", job, next, stressLines)
	}
	return order, nil
}
