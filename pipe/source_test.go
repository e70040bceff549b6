package pipe

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/krun-dev/krun/runner"
)

// drain takes every block of src the way the runner does, reading up to
// jobs of them at once, and returns them in order: the bytes each job read
// on its standard input, or from its file with ToFile and ToFIFO.
func drain(t *testing.T, src *Source, jobs int) [][]byte {
	t.Helper()
	var (
		got  = map[int][]byte{}
		n    int
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	slots := make(chan struct{}, jobs)
	for i := 0; ; i++ {
		fields, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("block %d: %v", i+1, err)
		}
		st := src.Stdin()
		n++
		slots <- struct{}{}
		wg.Add(1)
		go func(i int, st runner.Stdin) {
			defer wg.Done()
			defer func() { <-slots }()
			defer st.Close()
			f, err := st.Open()
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			var data []byte
			switch {
			case f != nil:
				data, err = io.ReadAll(f)
				f.Close()
			case len(fields) == 1:
				data, err = readNamed(fields[0])
			default:
				err = fmt.Errorf("block %d: no standard input and no file", i+1)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			got[i] = data
		}(i, st)
	}
	wg.Wait()
	if err := src.Close(); err != nil {
		t.Error(err)
	}
	blocks := make([][]byte, n)
	for i := range blocks {
		blocks[i] = got[i]
	}
	for _, err := range errs {
		t.Error(err)
	}
	return blocks
}

// readNamed reads a block's file or FIFO, as a job would.
func readNamed(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// mixedRecords returns n records of random lengths (0 to max bytes of
// text, some long) each ended by end, and their concatenation.
func mixedRecords(rng *rand.Rand, n, maxLen int, end string) []byte {
	var b bytes.Buffer
	for i := range n {
		l := rng.IntN(maxLen + 1)
		if i%97 == 0 {
			l *= 20
		}
		for range l {
			b.WriteByte("abcdefghij XYZ"[rng.IntN(14)])
		}
		b.WriteString(end)
	}
	return b.Bytes()
}

// inputs gives data to a Source in each of the ways krun can get it: a
// plain reader (the copy path), a pipe and a regular file (the splice
// path where the options allow it).
func inputs(t *testing.T, data []byte) map[string]func() io.Reader {
	return map[string]func() io.Reader{
		"reader": func() io.Reader { return bytes.NewReader(data) },
		"pipe": func() io.Reader {
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
		},
		"file": func() io.Reader {
			path := filepath.Join(t.TempDir(), "in")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		},
	}
}

// checkBlocks checks that blocks, without the header at the top of each,
// make up data, and that each one ends at a record boundary and holds at
// least size bytes (all but the last).
func checkBlocks(t *testing.T, data, head []byte, blocks [][]byte, rec *Records, size int) {
	t.Helper()
	var joined []byte
	ends := boundaries(rec, data)
	for i, b := range blocks {
		if !bytes.HasPrefix(b, head) {
			t.Fatalf("block %d does not start with the header %q: %.40q", i+1, head, b)
		}
		body := b[len(head):]
		if len(body) == 0 {
			t.Fatalf("block %d is empty", i+1)
		}
		if i < len(blocks)-1 && size > 0 && len(body) < size {
			t.Errorf("block %d holds %d bytes, less than the block size %d", i+1, len(body), size)
		}
		joined = append(joined, body...)
		if i < len(blocks)-1 && !ends[len(joined)] {
			t.Errorf("block %d ends inside a record: ...%q", i+1, tail(joined, 20))
		}
	}
	if !bytes.Equal(joined, data) {
		t.Fatalf("the blocks hold %d bytes, not the %d bytes of the input (or not the same)", len(joined), len(data))
	}
}

// boundaries returns the positions in data where a record ends, scanning
// it from the start as the splitter does.
func boundaries(rec *Records, data []byte) map[int]bool {
	ends := map[int]bool{}
	for from := 0; ; {
		e, ok := rec.Next(data, from, true)
		if !ok {
			return ends
		}
		ends[e] = true
		from = e
	}
}

func tail(b []byte, n int) []byte { return b[max(len(b)-n, 0):] }

func TestBlocksHoldEveryRecordOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int64{1, 100, 4096, 100_000} {
		// A block per record with size 1: fewer of them.
		data := mixedRecords(rng, min(20*int(size)+1000, 20000), 80, "\n")
		for name, in := range inputs(t, data) {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				o := Options{BlockSize: size, RecEnd: "\n", Jobs: 3}
				src, err := NewStream(in(), o)
				if err != nil {
					t.Fatal(err)
				}
				if want := name != "reader"; src.Spliced() != want {
					t.Errorf("spliced: %v, want %v", src.Spliced(), want)
				}
				rec, _ := NewRecords("\n", "", false)
				checkBlocks(t, data, nil, drain(t, src, 3), rec, int(size))
			})
		}
	}
}

func TestPartsHoldEveryRecordOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := mixedRecords(rng, 5000, 80, "\n")
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		end, start string
		re         bool
	}{{"\n", "", false}, {"\n", "a", false}, {"", "X", false}, {"[Y-Z]\n", "", true}} {
		for _, size := range []int64{7, 1000, 100_000, 10 << 20} {
			t.Run(fmt.Sprintf("%q/%q/%d", c.end, c.start, size), func(t *testing.T) {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				src, err := NewPart(f, Options{BlockSize: size, RecEnd: c.end, RecStart: c.start, Regexp: c.re})
				if err != nil {
					t.Fatal(err)
				}
				rec, _ := NewRecords(c.end, c.start, c.re)
				checkBlocks(t, data, nil, drain(t, src, 4), rec, int(size))
			})
		}
	}
}

func TestHeaderOnEveryBlock(t *testing.T) {
	head := "name,value\n"
	data := []byte(strings.Repeat("a,1\nbb,22\n", 1000))
	for name, in := range inputs(t, []byte(head+string(data))) {
		for _, spec := range []string{"1", "name.*\n"} {
			t.Run(name+"/"+spec, func(t *testing.T) {
				src, err := NewStream(in(), Options{BlockSize: 100, RecEnd: "\n", Header: spec, Jobs: 2})
				if err != nil {
					t.Fatal(err)
				}
				rec, _ := NewRecords("\n", "", false)
				checkBlocks(t, data, []byte(head), drain(t, src, 2), rec, 100)
			})
		}
	}
}

func TestRecordCount(t *testing.T) {
	data := []byte(strings.Repeat("one\ntwo\nthree\n", 33)) // 99 records
	src, err := NewStream(bytes.NewReader(data), Options{BlockSize: 1, RecEnd: "\n", Count: 10, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	blocks := drain(t, src, 2)
	if len(blocks) != 10 {
		t.Fatalf("%d blocks, want 10", len(blocks))
	}
	for i, b := range blocks {
		want := 10
		if i == 9 {
			want = 9
		}
		if n := bytes.Count(b, []byte("\n")); n != want {
			t.Errorf("block %d holds %d records, want %d", i+1, n, want)
		}
	}
	if got := bytes.Join(blocks, nil); !bytes.Equal(got, data) {
		t.Error("the blocks do not make up the input")
	}
}

func TestRecStartAndRecEnd(t *testing.T) {
	data := []byte("<r>1</r>\n<r>2\n2</r>\n<r>3</r>\n")
	for _, c := range []struct {
		end, start string
		re         bool
		want       []string
	}{
		{"</r>\n", "<r>", false, []string{"<r>1</r>\n", "<r>2\n2</r>\n", "<r>3</r>\n"}},
		{"", "<r>", false, []string{"<r>1</r>\n", "<r>2\n2</r>\n", "<r>3</r>\n"}},
		{"\n", "", false, []string{"<r>1</r>\n", "<r>2\n", "2</r>\n", "<r>3</r>\n"}},
		{`[0-9]</r>\n`, "<", true, []string{"<r>1</r>\n", "<r>2\n2</r>\n", "<r>3</r>\n"}},
	} {
		src, err := NewStream(bytes.NewReader(data), Options{BlockSize: 1, RecEnd: c.end, RecStart: c.start, Regexp: c.re, Jobs: 1})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range drain(t, src, 1) {
			got = append(got, string(b))
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("recend %q recstart %q: blocks %q, want %q", c.end, c.start, got, c.want)
		}
	}
}

func TestDeliveries(t *testing.T) {
	data := []byte(strings.Repeat("0123456789\n", 500))
	for _, d := range []Delivery{ToFile, ToFIFO} {
		dir := t.TempDir()
		src, err := NewStream(bytes.NewReader(data), Options{BlockSize: 1000, RecEnd: "\n", Deliver: d, TmpDir: dir, Jobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := NewRecords("\n", "", false)
		checkBlocks(t, data, nil, drain(t, src, 2), rec, 1000)
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("delivery %d left %d files behind", d, len(left))
		}
	}
}

func TestRoundRobin(t *testing.T) {
	var data []byte
	for i := range 5000 {
		data = fmt.Appendf(data, "record %d\n", i)
	}
	src, err := NewStream(bytes.NewReader(data), Options{BlockSize: 500, RecEnd: "\n", Jobs: 3, RoundRobin: true})
	if err != nil {
		t.Fatal(err)
	}
	streams := drain(t, src, 3)
	if len(streams) != 3 {
		t.Fatalf("%d jobs, want 3", len(streams))
	}
	seen := map[string]int{}
	for _, s := range streams {
		for _, l := range strings.SplitAfter(string(s), "\n") {
			if l != "" {
				seen[l]++
			}
		}
	}
	for i := range 5000 {
		if l := fmt.Sprintf("record %d\n", i); seen[l] != 1 {
			t.Fatalf("%q reached %d jobs, want 1", l, seen[l])
		}
	}
}
