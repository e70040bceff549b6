package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// recordSum is an order-free checksum of a set of records: their count,
// and the sum and the xor of a hash of each. Records are all different,
// so a record lost, repeated or cut changes it.
type recordSum struct {
	count     int64
	sum, xors uint64
}

func (s *recordSum) add(rec []byte) {
	h := fnv.New64a()
	h.Write(rec)
	v := h.Sum64()
	s.count++
	s.sum += v
	s.xors ^= v
}

// sumRecords reads newline-ended records from r into a recordSum, and
// hashes the stream as it is.
func sumRecords(t *testing.T, r io.Reader) (recordSum, [32]byte) {
	t.Helper()
	var s recordSum
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(r, h), 1<<20)
	for {
		rec, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			// A long record: hash it whole.
			var more []byte
			more, err = br.ReadSlice('\n')
			rec = append(bytes.Clone(rec), more...)
		}
		if len(rec) > 0 {
			s.add(rec)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return s, sum
}

// writeMixedRecords writes about size bytes of different records of
// mixed lengths to path: most short, some of a few hundred KiB, longer
// than the tests' blocks.
func writeMixedRecords(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(19, 19))
	filler := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz0123456789"), 20000)
	var n int64
	for i := 0; n < size; i++ {
		l := rng.IntN(120)
		if i%20000 == 7 {
			l = 300<<10 + rng.IntN(1000)
		}
		k, _ := fmt.Fprintf(w, "%d %s\n", i, filler[:l])
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPipeEveryRecordOnce: 64 MiB of records of mixed lengths, some
// longer than the block, through every path of --pipe and --pipepart:
// every record reaches exactly one job exactly once (the jobs pass their
// block through), and with -k the output is the input, byte for byte.
func TestPipeEveryRecordOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := plainKrun(t, dir)
	input := filepath.Join(dir, "input")
	writeMixedRecords(t, input, 64<<20)
	in, err := os.Open(input)
	if err != nil {
		t.Fatal(err)
	}
	want, wantSHA := sumRecords(t, in)
	in.Close()
	for _, c := range []struct {
		name  string
		args  []string
		stdin string // "pipe", "file" or "" (none)
	}{
		{"splice from a pipe", []string{"--pipe", "--block", "256K", "-j4"}, "pipe"},
		{"copy (--retries)", []string{"--pipe", "--block", "256K", "-j4", "--retries", "2"}, "pipe"},
		{"a regular file on stdin", []string{"--pipe", "--block", "256K", "-j4"}, "file"},
		{"-a FILE", []string{"--pipe", "-a", input, "--block", "256K", "-j4"}, ""},
		{"--pipepart", []string{"--pipepart", "-a", input, "--block", "256K", "-j4"}, ""},
		{"-N", []string{"--pipe", "-N", "5000", "-j4"}, "pipe"},
		{"--round-robin", []string{"--pipe", "--round-robin", "--block", "256K", "-j4"}, "pipe"},
	} {
		for _, keep := range []bool{false, true} {
			if keep && c.name == "--round-robin" {
				continue // one job's output holds many blocks
			}
			name := c.name
			if keep {
				name += " -k"
			}
			t.Run(name, func(t *testing.T) {
				args := c.args
				if keep {
					args = append(args[:len(args):len(args)], "-k")
				}
				cmd := exec.Command(bin, append(args, "cat")...)
				cmd.Env = append(os.Environ(), "TMPDIR="+dir)
				switch c.stdin {
				case "file":
					f, err := os.Open(input)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					cmd.Stdin = f
				case "pipe":
					f, err := os.Open(input)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					cmd.Stdin = struct{ io.Reader }{f} // copied into a pipe by os/exec
				}
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				got, gotSHA := sumRecords(t, out)
				if err := cmd.Wait(); err != nil {
					t.Fatalf("krun: %v: %s", err, stderr.Bytes())
				}
				if got != want {
					t.Errorf("records out: %+v; in: %+v", got, want)
				}
				if keep && gotSHA != wantSHA {
					t.Errorf("with -k the output is not the input, byte for byte")
				}
			})
		}
	}
}

// pipePeakRSS runs krun with args over size bytes of generated lines on a
// pipe and returns its peak resident set size in KiB: the largest VmHWM
// read in /proc while it runs. (Not the rusage of the ended process: its
// ru_maxrss keeps the resident size of the process it was forked from,
// this test binary, which under -race can be far larger than krun.)
func pipePeakRSS(t *testing.T, bin string, size int64, args ...string) int64 {
	t.Helper()
	cmd := exec.Command(bin, args...)
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		line := []byte("0123456789 0123456789 0123456789 0123456789 01234567\n")
		for n := int64(0); n < size; n += int64(len(line)) {
			w.Write(line)
		}
		w.Flush()
		pw.Close()
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak int64
	for {
		if kb := vmHWM(status); kb > peak {
			peak = kb
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("krun %v: %v: %s", args, err, out.Bytes())
			}
			if peak == 0 {
				t.Fatal("no VmHWM read in /proc while krun ran")
			}
			return peak
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// vmHWM returns the VmHWM line of a /proc/PID/status file in KiB, or 0.
func vmHWM(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// TestPipeMemoryFlat: krun --pipe holds about (jobs + 1) blocks, whatever
// the input's size. On the copy path (--retries keeps each block until its
// job ends) with 1 MiB blocks and -j4, four times the input (256 MiB
// instead of 64 MiB) must not cost more than 32 MiB more (holding the
// input would cost 192 MiB more), and the peak stays under 96 MiB
// (measured: 12 to 19 MiB; the margin is for a loaded machine's starved
// collector, as in memory_test.go). The splice path holds no block at all.
func TestPipeMemoryFlat(t *testing.T) {
	t.Parallel()
	bin := plainKrun(t, t.TempDir())
	for _, path := range []struct {
		name string
		args []string
	}{
		{"copy", []string{"--pipe", "--block", "1M", "-j4", "--retries", "2", "wc", "-c"}},
		{"splice", []string{"--pipe", "--block", "1M", "-j4", "wc", "-c"}},
	} {
		small := pipePeakRSS(t, bin, 64<<20, path.args...)
		large := pipePeakRSS(t, bin, 256<<20, path.args...)
		t.Logf("%s path: peak RSS %d KiB for 64 MiB of input, %d KiB for 256 MiB", path.name, small, large)
		if large > small+32<<10 {
			t.Errorf("%s path: peak RSS grew from %d KiB to %d KiB with 4 times the input", path.name, small, large)
		}
		if large > 96<<10 {
			t.Errorf("%s path: peak RSS %d KiB for 1 MiB blocks and -j4, over 96 MiB", path.name, large)
		}
	}
}
