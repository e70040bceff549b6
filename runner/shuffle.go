package runner

import "math/rand/v2"

// DefaultShuffleWindow is how many records --shuffle reads ahead: any
// ::: list of a sane length, and most files, fit whole.
const DefaultShuffleWindow = 10000

// shuffleWindowBytes bounds the memory of the window, whatever the length
// of the records: a window holds fewer records when they are long.
const shuffleWindowBytes = 64 << 20

// shuffler hands out the records of read in random order: it reads ahead
// until it holds window records (or shuffleWindowBytes of fields) or the
// input ends, and hands out a random one of those it holds. An input no
// longer than the window is thus shuffled uniformly; in a longer one a
// record starts at most window-1 places before its input position. The
// record that ended the input (io.EOF or an error) comes last. A shuffler
// is used by one goroutine.
type shuffler struct {
	rng    *rand.Rand
	window int
	read   func() record
	buf    []record
	bytes  int
	end    *record // the record that ended the input, once read
}

// newShuffler returns a shuffler of read's records; window 0 means
// DefaultShuffleWindow.
func newShuffler(rng *rand.Rand, window int, read func() record) *shuffler {
	if window <= 0 {
		window = DefaultShuffleWindow
	}
	return &shuffler{rng: rng, window: window, read: read}
}

// next returns the next record in shuffled order.
func (s *shuffler) next() record {
	for s.end == nil && len(s.buf) < s.window && s.bytes < shuffleWindowBytes {
		rec := s.read()
		if rec.err != nil {
			s.end = &rec
			break
		}
		s.buf = append(s.buf, rec)
		s.bytes += recordSize(rec)
	}
	if len(s.buf) == 0 {
		return *s.end
	}
	i := s.rng.IntN(len(s.buf))
	rec := s.buf[i]
	last := len(s.buf) - 1
	s.buf[i] = s.buf[last]
	s.buf[last] = record{}
	s.buf = s.buf[:last]
	s.bytes -= recordSize(rec)
	return rec
}

// recordSize is roughly the memory a record holds.
func recordSize(rec record) int {
	n := 16 * (len(rec.fields) + 1)
	for _, f := range rec.fields {
		n += len(f)
	}
	return n
}
