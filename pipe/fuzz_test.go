package pipe

import (
	"bytes"
	"io"
	"os"
	"testing"
	"testing/iotest"
)

// naiveBoundaries finds the record boundaries of data the slow way: a
// boundary is where a record end followed by a record start begins after
// the record end, scanning left to right, and no record is empty.
func naiveBoundaries(data []byte, end, start string) []int {
	var ends []int
	lit := end + start
	last := 0
	for i := 0; i+len(lit) <= len(data); {
		if string(data[i:i+len(lit)]) == lit && i+len(end) > last {
			ends = append(ends, i+len(end))
			last = i + len(end)
			i = last
			continue
		}
		i++
	}
	return ends
}

// FuzzRecords checks the record splitter against a naive one, and that
// blocks read a byte at a time hold the input whole, each ending at a
// boundary.
func FuzzRecords(f *testing.F) {
	f.Add([]byte("a\nb\n\nc"), "\n", "", 1, 0)
	f.Add([]byte("<r>1</r>\n<r>2\n</r>\n"), "</r>\n", "<r>", 3, 0)
	f.Add([]byte("aaaaXaaXa"), "", "X", 2, 0)
	f.Add([]byte("x\x00y\x00\x00z"), "\x00", "", 1, 2)
	f.Add([]byte("abababab"), "ab", "a", 5, 1)
	f.Fuzz(func(t *testing.T, data []byte, end, start string, size, count int) {
		if len(end) > 4 || len(start) > 4 || end == "" && start == "" {
			return
		}
		size = 1 + size&0xff
		count &= 7
		rec, err := NewRecords(end, start, false)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveBoundaries(data, end, start)
		var got []int
		for from := 0; ; {
			e, ok := rec.Next(data, from, true)
			if !ok {
				break
			}
			if e <= from {
				t.Fatalf("boundary %d after %d", e, from)
			}
			got = append(got, e)
			from = e
		}
		if len(got) != len(want) || !equalInts(got, want) {
			t.Fatalf("boundaries %v, want %v", got, want)
		}
		isEnd := map[int]bool{}
		for _, e := range want {
			isEnd[e] = true
		}
		br := newBlockReader(iotest.OneByteReader(bytes.NewReader(data)), nil, false, rec, size, count, 2)
		var joined []byte
		for {
			b, err := br.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 {
				t.Fatal("an empty block")
			}
			joined = append(joined, b...)
			if len(joined) < len(data) && !isEnd[len(joined)] {
				t.Fatalf("a block ends at %d, not a record boundary %v", len(joined), want)
			}
			if len(joined) < len(data) && count == 0 && len(b) < size {
				t.Fatalf("a block of %d bytes, less than %d, before the last", len(b), size)
			}
		}
		if !bytes.Equal(joined, data) {
			t.Fatalf("blocks %q, input %q", joined, data)
		}
		if _, ok := rec.singleByte(); ok && count == 0 && len(data) > 0 {
			// The splice path cuts the same blocks as the copy path.
			copied := blocksOf(t, bytes.NewReader(data), end, size)
			spliced := blocksOf(t, pipeOf(t, data), end, size)
			if len(copied) != len(spliced) {
				t.Fatalf("copy path: %d blocks, splice path: %d", len(copied), len(spliced))
			}
			for i := range copied {
				if !bytes.Equal(copied[i], spliced[i]) {
					t.Fatalf("block %d: copy path %q, splice path %q", i+1, copied[i], spliced[i])
				}
			}
		}
	})
}

// blocksOf cuts in into blocks with a Source, as the runner would.
func blocksOf(t *testing.T, in io.Reader, end string, size int) [][]byte {
	t.Helper()
	src, err := NewStream(in, Options{BlockSize: int64(size), RecEnd: end, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	return drain(t, src, 2)
}

// pipeOf returns the read end of a pipe that holds data.
func pipeOf(t *testing.T, data []byte) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(data)
		w.Close()
	}()
	t.Cleanup(func() { r.Close() })
	return r
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
