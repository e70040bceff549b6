package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// testLineLen is the length, newline included, of line i of a test job:
// mostly short lines, and every 16th line up to 9 KB, above the 4 KiB
// that a pipe writes atomically.
func testLineLen(job, i int) int {
	h := (job*7919 + i*104729) % 9973
	if i%16 == 0 {
		return 10 + h*9000/9973
	}
	return 10 + h%190
}

// testLine builds line i of a test job: "job line length " and a payload
// derived from all three, so that a torn, mixed or truncated line cannot
// pass for a good one.
func testLine(job, i int) []byte {
	n := testLineLen(job, i)
	line := make([]byte, 0, n)
	line = fmt.Appendf(line, "%d %d %d ", job, i, n)
	line = append(line, bytes.Repeat([]byte{byte('a' + (job+i)%26)}, max(n-1-len(line), 0))...)
	return append(line, '\n')
}

// testBinary is the random output of binary test job seed: NULs, invalid
// UTF-8, no final newline.
func testBinary(seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, 42))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// testgenMain is the krun-testgen helper command: "krun-testgen JOB LINES"
// writes LINES test lines of job JOB to stdout; "krun-testgen binary SEED
// SIZE" writes testBinary(SEED, SIZE); "krun-testgen rss FILE CMD ARG..."
// runs CMD on its own streams and writes CMD's peak RSS (KiB) to FILE.
func testgenMain() {
	if len(os.Args) >= 4 && os.Args[1] == "rss" {
		os.Exit(runMeasured(os.Args[2], os.Args[3], os.Args[4:]))
	}
	if len(os.Args) == 4 && os.Args[1] == "binary" {
		seed, _ := strconv.ParseUint(os.Args[2], 10, 64)
		size, _ := strconv.Atoi(os.Args[3])
		if _, err := os.Stdout.Write(testBinary(seed, size)); err != nil {
			os.Exit(1)
		}
		return
	}
	job, err1 := strconv.Atoi(os.Args[1])
	lines, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "usage: krun-testgen JOB LINES")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	for i := 0; i < lines; i++ {
		w.Write(testLine(job, i))
	}
	if err := w.Flush(); err != nil {
		os.Exit(1)
	}
}

// runMeasured runs name with args and writes its peak RSS in KiB to file.
// A process's peak RSS counts the memory of the process it was forked
// from until it execs: measured from this small helper, rather than from
// the test binary (hundreds of MiB under -race), it is the command's own.
func runMeasured(file, name string, args []string) int {
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "krun-testgen rss:", err)
		return 2
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	if err := os.WriteFile(file, []byte(strconv.FormatInt(rss, 10)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "krun-testgen rss:", err)
		return 2
	}
	return cmd.ProcessState.ExitCode()
}

// checkTestLine verifies that line is an intact test line and returns its
// job and line numbers.
func checkTestLine(line []byte) (job, i int, err error) {
	fields := bytes.SplitN(line, []byte(" "), 4)
	if len(fields) != 4 {
		return 0, 0, fmt.Errorf("malformed line %.60q", line)
	}
	job, _ = strconv.Atoi(string(fields[0]))
	i, _ = strconv.Atoi(string(fields[1]))
	if !bytes.Equal(line, testLine(job, i)) {
		return 0, 0, fmt.Errorf("torn line (job %d line %d, %d bytes): %.60q", job, i, len(line), line)
	}
	return job, i, nil
}
