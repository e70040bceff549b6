package chaos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxAnalysed is the largest file whose content is read to be analysed;
// a larger one that differs is only said to differ.
const maxAnalysed = 64 << 20

// tileBudget bounds the search for an arrangement of appends.
const tileBudget = 200_000

// fileModel is what the two reference runs (one job at a time, in input
// order and in a shuffled order) tell about how the jobs change one file.
type fileModel struct {
	// appends: in both references the file only grew, each job adding
	// the same bytes (its piece) in either order, after init.
	appends bool
	init    []byte
	pieces  []piece
	// counted: in both references the file held the same content after
	// the same number of jobs, whichever jobs they were: its content
	// depends on how many jobs changed it, not on which (a counter).
	// after[k] is the hash of its content after k jobs; "" for none.
	counted bool
	after   []string
}

// piece is what one job appended to a file.
type piece struct {
	seq  int64
	data []byte
}

// learnFile builds the model of the file at path from the traces of the
// references and their final contents of it (nil where they had none).
func learnFile(path string, ref, reo *Trace, refData, reoData []byte) *fileModel {
	m := &fileModel{}
	hRef, hReo := ref.History(path), reo.History(path)
	if len(hRef) == len(hReo) {
		m.counted = true
		for k := range hRef {
			if stateKey(hRef[k]) != stateKey(hReo[k]) {
				m.counted = false
				break
			}
			m.after = append(m.after, stateKey(hRef[k]))
		}
	}
	initRef, piecesRef, okRef := appendsOf(hRef, ref, refData)
	initReo, piecesReo, okReo := appendsOf(hReo, reo, reoData)
	if okRef && okReo && bytes.Equal(initRef, initReo) && len(piecesRef) == len(piecesReo) {
		m.appends = true
		for _, p := range piecesRef {
			q, ok := piecesReo[p.seq]
			if !ok || !bytes.Equal(p.data, q.data) {
				m.appends = false
				break
			}
		}
		if m.appends {
			m.init = initRef
			for _, p := range piecesRef {
				m.pieces = append(m.pieces, p)
			}
			slices.SortFunc(m.pieces, func(a, b piece) int { return int(a.seq - b.seq) })
		}
	}
	return m
}

// stateKey identifies a file's state in a trace.
func stateKey(f TraceFile) string {
	switch {
	case f.Gone:
		return ""
	case f.Link:
		return "link:" + f.Sum
	}
	return f.Sum
}

// appendsOf checks a history of a file against its final content data:
// whether each step only added bytes at its end. It returns what the file
// held before the first job and each job's piece, by seq.
func appendsOf(hist []TraceFile, tr *Trace, data []byte) (init []byte, pieces map[int64]piece, ok bool) {
	if data == nil || len(hist) == 0 {
		return nil, nil, false
	}
	// The hash of data's prefix at each size the file had.
	var sizes []int64
	for _, f := range hist {
		if f.Gone || f.Link || f.Unreadable {
			continue
		}
		sizes = append(sizes, f.Size)
	}
	slices.Sort(sizes)
	prefix := map[int64]string{}
	h := sha256.New()
	var pos int64
	for _, s := range slices.Compact(sizes) {
		if s > int64(len(data)) {
			return nil, nil, false
		}
		h.Write(data[pos:s])
		pos = s
		prefix[s] = hex.EncodeToString(h.Sum(nil))
	}
	pieces = map[int64]piece{}
	var prev int64
	for k, f := range hist {
		if f.Gone && k == 0 {
			continue // a new file starts empty
		}
		if f.Gone || f.Link || f.Unreadable || f.Size < prev || prefix[f.Size] != f.Sum {
			return nil, nil, false
		}
		if k == 0 {
			init = data[:f.Size]
		} else if f.Size > prev {
			seq := tr.Steps[k].Seq
			pieces[seq] = piece{seq: seq, data: data[prev:f.Size]}
		}
		prev = f.Size
	}
	if prev != int64(len(data)) {
		return nil, nil, false
	}
	return init, pieces, true
}

// verdict is the diagnosis of a file that differs from the reference in
// one run.
type verdict struct {
	kind   Kind
	detail []string
}

// runJobs is what the diagnosis needs to know of the jobs of a run.
type runJobs struct {
	// same reports whether job seq ran in the run, ending as it did in
	// the reference.
	same func(seq int64) bool
	// all: every job of the reference ran in the run and ended as there.
	all bool
	// label names a job: `job 3 (cmd)`.
	label func(seq int64) string
}

// diagnose names what happened to a file whose content, data, differs
// from the reference's, refData, in one run.
func (m *fileModel) diagnose(data, refData []byte, jobs runJobs) verdict {
	if m.appends && bytes.HasPrefix(data, m.init) {
		rest := data[len(m.init):]
		t := newTiler(m.pieces)
		if ok, _ := t.tile(rest, true); ok {
			return verdict{kind: KindOK}
		}
		if ok, unused := t.tile(rest, false); ok && len(unused) > 0 && allSame(unused, jobs) {
			slices.Sort(unused)
			return verdict{kind: KindLostUpdate, detail: []string{fmt.Sprintf("the file holds the whole appends of %d of the %d jobs that append to it; lost: %s",
				len(m.pieces)-len(unused), len(m.pieces), joinSeqs(unused, jobs.label))}}
		}
		if len(m.pieces) >= 2 && sameBytes(rest, m.pieces) {
			return verdict{kind: KindInterleaved, detail: []string{t.firstBadLine(data, len(m.init), jobs.label)}}
		}
	}
	if m.counted && len(m.after) > 1 {
		sum := sha256.Sum256(data)
		key := hex.EncodeToString(sum[:])
		n := len(m.after) - 1
		for k := n - 1; k >= 0; k-- {
			if m.after[k] == key && m.after[k] != m.after[n] && jobs.all {
				return verdict{kind: KindLostUpdate, detail: []string{fmt.Sprintf("it ends as %s: what %d of the %d jobs leave when they run one at a time (the reference ends as %s)",
					shortText(data), k, n, shortText(refData))}}
			}
		}
	}
	return verdict{kind: KindDiffers, detail: shortDiff(refData, data)}
}

// allSame reports whether every job of seqs ran and ended as in the
// reference.
func allSame(seqs []int64, jobs runJobs) bool {
	for _, s := range seqs {
		if !jobs.same(s) {
			return false
		}
	}
	return true
}

// joinSeqs names jobs: "job 3 (`a`), job 5 (`b`)", at most 5 of them.
func joinSeqs(seqs []int64, label func(int64) string) string {
	var parts []string
	for i, s := range seqs {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(seqs)-5))
			break
		}
		parts = append(parts, label(s))
	}
	return strings.Join(parts, ", ")
}

// sameBytes reports whether b holds exactly the bytes of the pieces, in
// any arrangement: every byte appended is there, and nothing else.
func sameBytes(b []byte, pieces []piece) bool {
	var count [256]int
	total := 0
	for _, p := range pieces {
		total += len(p.data)
		for _, c := range p.data {
			count[c]++
		}
	}
	if total != len(b) {
		return false
	}
	for _, c := range b {
		count[c]--
	}
	return count == [256]int{}
}

// tiler searches arrangements of pieces that make up a byte string.
type tiler struct {
	pieces []piece
	// distinct contents, each with the jobs whose piece it is.
	contents []string
	owners   [][]int64
	byStart  map[string][]int // contents by their first bytes (up to keyLen)
	short    []int            // contents shorter than keyLen
	budget   int
}

const keyLen = 8

func newTiler(pieces []piece) *tiler {
	t := &tiler{pieces: pieces, byStart: map[string][]int{}}
	index := map[string]int{}
	for _, p := range pieces {
		s := string(p.data)
		i, ok := index[s]
		if !ok {
			i = len(t.contents)
			index[s] = i
			t.contents = append(t.contents, s)
			t.owners = append(t.owners, nil)
			if len(s) < keyLen {
				t.short = append(t.short, i)
			} else {
				t.byStart[s[:keyLen]] = append(t.byStart[s[:keyLen]], i)
			}
		}
		t.owners[i] = append(t.owners[i], p.seq)
	}
	// Longer contents first: fewer dead ends.
	for k, list := range t.byStart {
		slices.SortFunc(list, func(a, b int) int { return len(t.contents[b]) - len(t.contents[a]) })
		t.byStart[k] = list
	}
	return t
}

// candidates are the contents that could start at b[p:].
func (t *tiler) candidates(b []byte, p int) []int {
	var c []int
	if len(b)-p >= keyLen {
		c = append(c, t.byStart[string(b[p:p+keyLen])]...)
	}
	return append(c, t.short...)
}

// tile reports whether b is a concatenation of pieces, each used at most
// once (all: every piece used exactly once). When it is, unused are the
// jobs whose piece was left out. A search that runs out of budget counts
// as no.
func (t *tiler) tile(b []byte, all bool) (ok bool, unused []int64) {
	left := make([]int, len(t.contents))
	for i, o := range t.owners {
		left[i] = len(o)
	}
	remaining := len(t.pieces)
	t.budget = tileBudget
	var walk func(p int) bool
	walk = func(p int) bool {
		if p == len(b) {
			return !all || remaining == 0
		}
		if t.budget--; t.budget < 0 {
			return false
		}
		for _, i := range t.candidates(b, p) {
			c := t.contents[i]
			if left[i] == 0 || len(c) == 0 || !bytes.HasPrefix(b[p:], []byte(c)) {
				continue
			}
			left[i]--
			remaining--
			if walk(p + len(c)) {
				return true
			}
			left[i]++
			remaining++
		}
		return false
	}
	if !walk(0) {
		return false, nil
	}
	for i, n := range left {
		unused = append(unused, t.owners[i][:n]...)
	}
	return true, unused
}

// firstBadLine quotes the first line of data (whose appends start at
// offset start) where the appends stop being whole blocks, and whose it is.
func (t *tiler) firstBadLine(data []byte, start int, label func(int64) string) string {
	b := data[start:]
	left := make([]int, len(t.contents))
	for i, o := range t.owners {
		left[i] = len(o)
	}
	p := 0
	broken := -1
	for p < len(b) {
		// A whole piece that starts here, found by its first bytes.
		whole := -1
		for _, i := range t.candidates(b, p) {
			if c := t.contents[i]; left[i] > 0 && len(c) > 0 && bytes.HasPrefix(b[p:], []byte(c)) {
				whole = i
				break
			}
		}
		if whole >= 0 {
			left[whole]--
			p += len(t.contents[whole])
			continue
		}
		// None: the piece that goes on longest is the one broken here.
		best, bestLen := -1, -1
		for i, c := range t.contents {
			if left[i] == 0 {
				continue
			}
			if l := commonPrefix(b[p:], []byte(c)); l > bestLen {
				best, bestLen = i, l
			}
		}
		if best < 0 {
			break
		}
		if bestLen == len(t.contents[best]) {
			left[best]--
			p += bestLen
			continue
		}
		broken = best
		p += bestLen
		break
	}
	off := start + p
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	lineEnd := len(data)
	if i := bytes.IndexByte(data[lineStart:], '\n'); i >= 0 {
		lineEnd = lineStart + i
	}
	line := data[lineStart:lineEnd]
	n := bytes.Count(data[:lineStart], []byte{'\n'}) + 1
	msg := fmt.Sprintf("first bad line %d: %s", n, quoteLine(line))
	owner := t.lineOwner(line)
	switch {
	case broken >= 0 && owner >= 0 && !slices.Contains(t.owners[broken], owner):
		msg += fmt.Sprintf(", from %s, inside the block of %s", label(owner), label(t.owners[broken][0]))
	case broken >= 0 && owner < 0:
		msg += fmt.Sprintf(", a line of no job: torn, inside the block of %s", label(t.owners[broken][0]))
	case broken >= 0:
		msg += fmt.Sprintf(", inside the block of %s", label(t.owners[broken][0]))
	}
	return msg
}

// lineOwner returns the job whose piece holds line as a whole line, or -1.
func (t *tiler) lineOwner(line []byte) int64 {
	for i, c := range t.contents {
		for l := range strings.Lines(c) {
			if strings.TrimSuffix(l, "\n") == string(line) {
				return t.owners[i][0]
			}
		}
	}
	return -1
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// quoteLine quotes a line for the report, cut to 100 bytes.
func quoteLine(line []byte) string {
	if len(line) > 100 {
		return strconv.Quote(string(line[:100])) + "..."
	}
	return strconv.Quote(string(line))
}

// shortText shows a short content quoted, a long one by its size.
func shortText(data []byte) string {
	if len(data) <= 40 {
		return strconv.Quote(string(data))
	}
	return fmt.Sprintf("%d bytes", len(data))
}
