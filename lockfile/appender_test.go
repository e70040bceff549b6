package lockfile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testBlock returns block seq of writer id: a "begin ID SEQ" line, lines of
// filler up to a size between 100 bytes and 60 KB that depends on both,
// and an "end ID SEQ SUM" line with the SHA-256 of everything before it.
func testBlock(id string, seq int) []byte {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", id, seq)
	size := 100 + int(h.Sum32()%60_000)
	var b bytes.Buffer
	fmt.Fprintf(&b, "begin %s %d\n", id, seq)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "%s %d %d %s\n", id, seq, i, strings.Repeat(string(rune('a'+(seq+i)%26)), i%80))
	}
	sum := sha256.Sum256(b.Bytes())
	fmt.Fprintf(&b, "end %s %d %x\n", id, seq, sum)
	return b.Bytes()
}

// checkBlocks checks that r holds nothing but whole test blocks and
// returns how many blocks each writer has in it.
func checkBlocks(r io.Reader) (map[string]int, error) {
	counts := make(map[string]int)
	br := bufio.NewReader(r)
	var block bytes.Buffer
	var id, seq string
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				return counts, fmt.Errorf("line %d: partial last line %.40q", n, line)
			}
			if id != "" {
				return counts, fmt.Errorf("block %s %s is cut short at the end", id, seq)
			}
			return counts, nil
		}
		if err != nil {
			return counts, err
		}
		f := strings.Fields(string(line))
		switch {
		case len(f) == 3 && f[0] == "begin":
			if id != "" {
				return counts, fmt.Errorf("line %d: block %s %s begins inside block %s %s", n, f[1], f[2], id, seq)
			}
			id, seq = f[1], f[2]
			block.Reset()
			block.Write(line)
		case id == "":
			return counts, fmt.Errorf("line %d: %.40q is outside any block", n, line)
		case len(f) == 4 && f[0] == "end":
			if f[1] != id || f[2] != seq {
				return counts, fmt.Errorf("line %d: block %s %s ends inside block %s %s", n, f[1], f[2], id, seq)
			}
			if sum := fmt.Sprintf("%x", sha256.Sum256(block.Bytes())); f[3] != sum {
				return counts, fmt.Errorf("line %d: block %s %s is damaged: checksum %s, want %s", n, id, seq, sum, f[3])
			}
			counts[id]++
			id = ""
		default:
			block.Write(line)
		}
	}
}

// chunkedReader returns at most 1000 bytes per Read, so that a block is
// appended in many writes that other writers could cut into.
type chunkedReader struct{ r io.Reader }

func (c chunkedReader) Read(p []byte) (int, error) {
	return c.r.Read(p[:min(len(p), 1000)])
}

func chunked(b []byte) io.Reader { return chunkedReader{bytes.NewReader(b)} }

// checkFileBlocks checks that the file at path holds exactly want blocks
// of each writer.
func checkFileBlocks(t *testing.T, path string, want map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := checkBlocks(f)
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("writer %s has %d blocks in the file, want %d", id, got[id], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the file has blocks of %d writers, want %d", len(got), len(want))
	}
}

func TestAppenderGoroutines(t *testing.T) {
	t.Parallel()
	const writers, blocks = 16, 12
	path := filepath.Join(t.TempDir(), "shared.log")
	shared, err := OpenAppender(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	ctx := context.Background()
	want := make(map[string]int)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		id := "g" + strconv.Itoa(w)
		want[id] = blocks
		wg.Go(func() {
			// Half the writers share one Appender, half have their own.
			a := shared
			if w%2 == 1 {
				own, err := OpenAppender(path, "")
				if err != nil {
					errs <- err
					return
				}
				defer own.Close()
				a = own
			}
			for i := range blocks {
				b := testBlock(id, i)
				var n int64
				var err error
				if i%4 == 0 {
					var m int
					m, err = a.AppendBytes(ctx, b)
					n = int64(m)
				} else {
					n, err = a.Append(ctx, chunked(b))
				}
				if err != nil {
					errs <- err
					return
				}
				if n != int64(len(b)) {
					errs <- fmt.Errorf("appended %d bytes of %d", n, len(b))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkFileBlocks(t, path, want)
}

func TestAppenderProcesses(t *testing.T) {
	t.Parallel()
	const procs, goroutines, blocks = 4, 4, 15
	path := filepath.Join(t.TempDir(), "shared.log")
	want := make(map[string]int)
	var helpers []*helper
	for p := range procs {
		id := "p" + strconv.Itoa(p)
		want[id] = blocks
		helpers = append(helpers, startHelper(t, "append", path, id, strconv.Itoa(blocks)))
	}
	a, err := OpenAppender(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		id := "g" + strconv.Itoa(g)
		want[id] = blocks
		wg.Go(func() {
			for i := range blocks {
				if _, err := a.Append(context.Background(), chunked(testBlock(id, i))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, h := range helpers {
		h.finish()
	}
	checkFileBlocks(t, path, want)
}

func TestAppenderLockFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.log")
	lockPath := filepath.Join(dir, "report.lock")
	a, err := OpenAppender(path, lockPath)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Name() != path {
		t.Errorf("Name() = %q, want %q", a.Name(), path)
	}

	// Another process holds the lock file: the append waits, and times out.
	h := startHelper(t, "hold", lockPath, "exclusive")
	if got := h.line(); got != "locked" {
		t.Fatalf("helper says %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = a.AppendBytes(ctx, []byte("late\n"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), lockPath) {
		t.Fatalf("append under another's lock: %v, want a timeout naming %s", err, lockPath)
	}
	// Locking the file itself does not hold the append back.
	unlock, err := Lock(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	h.finish()
	if _, err := a.AppendBytes(context.Background(), []byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "one\n" {
		t.Fatalf("file holds %q, %v; want %q", data, err, "one\n")
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	m := min(len(p), r.n)
	for i := range p[:m] {
		p[i] = 'x'
	}
	r.n -= m
	return m, nil
}

func TestAppenderRollsBackFailedBlock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.log")
	a, err := OpenAppender(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	if _, err := a.AppendBytes(ctx, []byte("keep\n")); err != nil {
		t.Fatal(err)
	}
	readErr := errors.New("producer failed")
	n, err := a.Append(ctx, &failingReader{n: 200_000, err: readErr})
	if !errors.Is(err, readErr) || !strings.Contains(err.Error(), path) || n != 0 {
		t.Fatalf("Append = %d, %v; want 0 and an error naming %s", n, err, path)
	}
	if _, err := a.Append(ctx, strings.NewReader("next\n")); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "keep\nnext\n" {
		t.Fatalf("file holds %.40q (%d bytes), %v; want the blocks before and after the failed one", data, len(data), err)
	}
}

func TestOpenAppenderError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing", "out.log")
	if _, err := OpenAppender(path, ""); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("OpenAppender in a missing directory: %v, want an error naming %s", err, path)
	}
}
