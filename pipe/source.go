package pipe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/krun-dev/krun/runner"
)

// Delivery is how a job gets its block.
type Delivery int

// The deliveries of a block.
const (
	// ToStdin writes the block to the job's standard input.
	ToStdin Delivery = iota
	// ToFile writes it to a temporary file named by {} (--cat).
	ToFile
	// ToFIFO writes it into a named pipe named by {} (--fifo).
	ToFIFO
)

// Options configures a [Source].
type Options struct {
	// BlockSize is the least size of a block, but the last (--block).
	BlockSize int64
	// RecEnd and RecStart tell where records end and start; with Regexp
	// both are regular expressions.
	RecEnd, RecStart string
	Regexp           bool
	// Count, when above 0, makes each block exactly that many records
	// (-N) instead of a size.
	Count int
	// Header is the header repeated at the top of every block: a number
	// of lines, or a regular expression matched at the start of the input;
	// "" for none.
	Header string
	// Again: a block may be given to its job more than once (--retries),
	// so it is held in memory until the job ends.
	Again bool
	// Deliver is how each job gets its block; TmpDir holds the files of
	// ToFile and ToFIFO ("" is $TMPDIR).
	Deliver Delivery
	TmpDir  string
	// Jobs is the number of job slots: blocks in flight are about that
	// many plus one. With RoundRobin, exactly that many jobs run, each
	// taking block after block on its standard input while the input
	// lasts.
	Jobs       int
	RoundRobin bool
}

// Check reports what is wrong with the options, before any input is
// read.
func (o Options) Check() error {
	if o.BlockSize <= 0 {
		return fmt.Errorf("block size %d: want 1 byte or more", o.BlockSize)
	}
	if o.Count < 0 {
		return fmt.Errorf("%d records per block: want 1 or more", o.Count)
	}
	if _, err := NewRecords(o.RecEnd, o.RecStart, o.Regexp); err != nil {
		return err
	}
	if _, err := parseHeader(o.Header); err != nil {
		return fmt.Errorf("header %w", err)
	}
	return nil
}

// blockSize is the block size as an int, at most 1 GiB less than the
// largest int.
func (o Options) blockSize() int { return int(min(o.BlockSize, 1<<40)) }

// Source yields one job per block of an input, each with its block as
// standard input (a [runner.StdinSource]). Its methods are called from
// one goroutine; the blocks' from the jobs'.
type Source struct {
	next  func() ([]string, runner.Stdin, error)
	stdin runner.Stdin
	// spliced tells whether the splice path runs.
	spliced bool
	files   *tempFiles
	stream  *streamer
	// feeders counts the goroutines writing blocks into pipes.
	feeders *sync.WaitGroup
}

// Next returns the fields of the next job: none, or with ToFile and
// ToFIFO the name of the block's file. It returns io.EOF at the end.
func (s *Source) Next() ([]string, error) {
	fields, st, err := s.next()
	s.stdin = st
	return fields, err
}

// Stdin returns the standard input of the job Next returned last.
func (s *Source) Stdin() runner.Stdin { return s.stdin }

// Spliced reports whether blocks are streamed with splice(2) rather than
// copied through krun's memory.
func (s *Source) Spliced() bool { return s.spliced }

// Close waits for the blocks' writers to end (each ends when its job's
// pipe closes: call it once the jobs have ended) and removes the files of
// blocks whose jobs never ran.
func (s *Source) Close() error {
	s.feeders.Wait()
	return s.files.removeAll()
}

// NewStream returns the Source cutting in into blocks (--pipe). The
// input is read only from the first call of Next on.
func NewStream(in io.Reader, o Options) (*Source, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	rec, _ := NewRecords(o.RecEnd, o.RecStart, o.Regexp)
	head, _ := parseHeader(o.Header)
	s := &Source{files: &tempFiles{dir: o.TmpDir}, feeders: &sync.WaitGroup{}}
	f, isFile := in.(*os.File)
	end, oneByte := rec.singleByte()
	if isFile && oneByte && o.Count == 0 && o.Deliver == ToStdin && !o.RoundRobin {
		// A regular file: the same blocks as read in turn, found by
		// seeking, and read by the jobs at once.
		if off, ok := seekable(f); ok {
			return newParts(f, o, off)
		}
	}
	if isFile && oneByte && o.Count == 0 && !o.Again && o.Deliver == ToStdin && !o.RoundRobin {
		s.spliced = true
		st := &streamer{fd: int(f.Fd()), end: end, size: o.blockSize(), scratch: make([]byte, tailRead)}
		s.stream = st
		s.next = s.streamNext(head)
		return s, nil
	}
	var br *blockReader
	var hd []byte
	start := func() error {
		var rest []byte
		var eof bool
		if head != nil {
			var err error
			if hd, rest, eof, err = head.read(in); err != nil {
				return fmt.Errorf("read the header: %w", err)
			}
		}
		br = newBlockReader(in, rest, eof, rec, o.blockSize(), o.Count, max(o.Jobs, 1)+2)
		br.pos = int64(len(hd))
		return nil
	}
	if o.RoundRobin {
		s.next = s.roundRobinNext(o.Jobs, start, func() *blockReader { return br }, func() []byte { return hd })
		return s, nil
	}
	s.next = func() ([]string, runner.Stdin, error) {
		if br == nil {
			if err := start(); err != nil {
				return nil, nil, err
			}
		}
		off := br.pos
		data, err := br.next()
		if err != nil {
			return nil, nil, err
		}
		return s.deliver(o.Deliver, &memBlock{head: hd, data: data, off: off, size: int64(len(data)), release: br.release, feeders: s.feeders})
	}
	return s, nil
}

// deliver wraps a block held in memory as Deliver asks.
func (s *Source) deliver(d Delivery, b *memBlock) ([]string, runner.Stdin, error) {
	switch d {
	case ToFile, ToFIFO:
		path, err := s.files.reserve(d == ToFIFO)
		if err != nil {
			b.Close()
			return nil, nil, err
		}
		return []string{path}, &fileBlock{mem: b, path: path, fifo: d == ToFIFO, files: s.files}, nil
	}
	return nil, b, nil
}

// streamNext yields the blocks of the splice path: each is cut while it
// is fed, so the next one waits for it.
func (s *Source) streamNext(head *header) func() ([]string, runner.Stdin, error) {
	var last *streamBlock
	return func() ([]string, runner.Stdin, error) {
		st := s.stream
		if last == nil && head != nil {
			hd, rest, eof, err := head.read(st)
			if err != nil {
				return nil, nil, fmt.Errorf("read the header: %w", err)
			}
			st.head, st.carry, st.eof = hd, append(st.carry, rest...), eof
			st.pos = int64(len(hd))
		}
		if last != nil {
			<-last.done
			if last.err != nil {
				return nil, nil, fmt.Errorf("read the input: %w", last.err)
			}
		}
		more, err := st.more()
		if err != nil {
			return nil, nil, fmt.Errorf("read the input: %w", err)
		}
		if !more {
			return nil, nil, io.EOF
		}
		last = &streamBlock{s: st, done: make(chan struct{}), off: st.pos}
		return nil, last, nil
	}
}

// Open gives the block to the job's first try, streaming it while the
// job reads.
func (b *streamBlock) Open() (*os.File, error) {
	r, w, err := newPipe(streamPipeSize(b.s.size))
	if err != nil {
		return nil, err
	}
	if !b.start(w) {
		r.Close()
		closeFD(w)
		return nil, errors.New("its block was streamed to an earlier try and cannot be given again")
	}
	return r, nil
}

// Close drops the block if no try took it.
func (b *streamBlock) Close() { b.start(-1) }

// maxStreamPipe is the largest pipe asked for a streamed block.
const maxStreamPipe = 64 << 20

// streamPipeSize is the pipe asked for a streamed block of size bytes:
// one that holds the whole block (with its end) lets krun splice it all
// at once and go on to the next block while the job reads, so that the
// jobs run side by side. Where the system refuses (an unprivileged
// process is held to pipe-max-size, 1 MiB by default), the jobs overlap
// by their pipe's worth only.
func streamPipeSize(size int) int {
	want := 1 << 20
	for want < size+tailRead && want < maxStreamPipe {
		want <<= 1
	}
	return want
}

// memBlock is a block held in memory: the copy path.
type memBlock struct {
	head, data []byte
	off, size  int64 // where the block is in the input
	release    func([]byte)
	feeders    *sync.WaitGroup
	mu         sync.Mutex
	writers    int  // tries' writers still running
	closed     bool // no try will run again
	released   bool
}

// Open starts writing the block into a new pipe, the try's standard
// input.
func (b *memBlock) Open() (*os.File, error) {
	r, w, err := newPipe(0)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.writers++
	head, data := b.head, b.data
	b.mu.Unlock()
	b.feeders.Add(1)
	go func() {
		defer b.feeders.Done()
		if writeFD(w, head) == nil {
			writeFD(w, data) // an error: the job stopped reading
		}
		closeFD(w)
		b.mu.Lock()
		b.writers--
		b.mu.Unlock()
		b.releaseIfDone()
	}()
	return r, nil
}

// Close gives the block's memory back for reuse once no writer uses it:
// now, or when the last writer ends (a process that left the job's group
// may still hold its standard input).
func (b *memBlock) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.releaseIfDone()
}

// releaseIfDone releases the block's memory, once, when it is closed and
// no writer runs.
func (b *memBlock) releaseIfDone() {
	b.mu.Lock()
	done := b.closed && b.writers == 0 && !b.released
	if done {
		b.released = true
	}
	data := b.data
	b.mu.Unlock()
	if done {
		b.release(data)
	}
}

// Range returns where the block of a job's standard input lies in the
// input, in bytes from its start: [start, end); end is -1 while a streamed
// block is still being cut. ok is false when the job took no one block
// (--round-robin).
func Range(st runner.Stdin) (start, end int64, ok bool) {
	switch b := st.(type) {
	case *memBlock:
		return b.off, b.off + b.size, true
	case *fileBlock:
		return b.mem.off, b.mem.off + b.mem.size, true
	case *rangeBlock:
		return b.off, b.end, true
	case *streamBlock:
		select {
		case <-b.done:
			return b.off, b.off + b.size.Load(), true
		default:
			return b.off, -1, true
		}
	}
	return 0, 0, false
}
