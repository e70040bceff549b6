package lint

import "fmt"

// This file decides when jobs that run at once touch the same file or
// write to the same output: KL001, KL002, KL005 and KL006.

// selfConflicts checks a job whose copies run at once (started in a loop,
// or run by xargs -P or parallel) against its own copies: every file it
// writes under a name that is the same in each copy is shared.
func (a *analyzer) selfConflicts(j *job) {
	ix := index(j)
	for _, w := range j.accesses {
		if w.kind != accWrite {
			continue
		}
		switch w.path.kind {
		case kVarying:
			continue
		case kDynamic:
			a.dynamicNote(j, w)
			continue
		}
		a.writeFinding(j, ix, w, nil)
	}
	for _, o := range j.outputs {
		if !o.inheritedBy(j) || !o.stream.shown || a.isReported(MixedOutput, o.at) {
			continue
		}
		a.report(MixedOutput, Warning, o.at,
			fmt.Sprintf("%s writes %s output to %s at the same time, so their output mixes", subject(j), o.what, o.stream.what),
			a.fixMixed(j))
	}
}

// conflicts checks two jobs that run at the same time.
func (a *analyzer) conflicts(x, y *job) {
	if x == y || x.within(y) || y.within(x) {
		return
	}
	ix, iy := index(x), index(y)
	for _, w := range x.accesses {
		if w.kind != accWrite || w.path.kind == kDynamic {
			continue
		}
		if v, ok := iy.writes[w.path.key]; ok && sameFile(w.path, v.path) {
			a.writeFinding(x, ix, w, v)
			a.writeFinding(y, iy, v, w)
		}
	}
	for _, o := range x.outputs {
		if !o.inheritedBy(x) || !o.stream.shown {
			continue
		}
		for _, p := range y.outputs {
			if p.stream != o.stream || !p.inheritedBy(y) {
				continue
			}
			if a.isReported(MixedOutput, o.at) && a.isReported(MixedOutput, p.at) {
				break
			}
			a.report(MixedOutput, Warning, o.at,
				fmt.Sprintf("this background job writes %s output to %s while the background job at line %d does too, so their output mixes", o.what, o.stream.what, p.job.at.line),
				a.fixMixed(x))
			a.report(MixedOutput, Warning, p.at,
				fmt.Sprintf("this background job writes %s output to %s while the background job at line %d does too, so their output mixes", p.what, p.stream.what, o.job.at.line),
				a.fixMixed(y))
			break
		}
	}
}

// writeFinding reports a write w by job j to a file that other copies of
// j (other == nil) or another job (writing other) write at the same time.
func (a *analyzer) writeFinding(j *job, ix fileIndex, w, other *access) {
	if a.isReported(SharedWrite, w.at) {
		return
	}
	rmw := readBefore(ix, w)
	if w.locked && (rmw == nil || rmw.locked) {
		return // written under a lock, read (if at all) under it too
	}
	if (w.weak || w.atomic) && rmw == nil {
		return // touch on its own; one echo line appended in one write
	}
	code := SharedWrite
	switch {
	case rmw != nil:
		code = ReadModifyWrite
	case isTempPath(w.path.key):
		code = SharedTemp
	}
	sev := Error
	var msg string
	switch {
	case other == nil && code == ReadModifyWrite && rmw.verb == "tests":
		msg = fmt.Sprintf("%s checks for %s and then writes it, so two copies can both find it missing", subject(j), w.word)
	case other == nil && code == ReadModifyWrite:
		msg = fmt.Sprintf("%s reads %s and writes it back at the same time, so updates are lost", subject(j), w.word)
	case other == nil && code == SharedTemp:
		msg = fmt.Sprintf("%s writes the fixed temporary path %s, so they overwrite each other's data", subject(j), w.word)
	case other == nil && w.append:
		msg = fmt.Sprintf("%s %s %s with no lock held, so their writes interleave", subject(j), w.verb, w.word)
	case other == nil:
		msg = fmt.Sprintf("%s %s %s with no lock held, so they overwrite each other", subject(j), w.verb, w.word)
	case code == ReadModifyWrite && rmw.verb == "tests":
		msg = fmt.Sprintf("this background job checks for %s and then writes it while the background job at line %d writes it too, so both can find it missing", w.word, otherLine(other))
	case code == ReadModifyWrite:
		msg = fmt.Sprintf("this background job reads %s and writes it back while the background job at line %d writes it too, so updates are lost", w.word, otherLine(other))
	case code == SharedTemp:
		msg = fmt.Sprintf("this background job writes the fixed temporary path %s, which the background job at line %d writes too", w.word, otherLine(other))
	default:
		msg = fmt.Sprintf("this background job %s %s while the background job at line %d writes it too, with no lock held", w.verb, w.word, otherLine(other))
	}
	a.report(code, sev, w.at, msg, a.fixWrite(code, j, w))
}

// readBefore returns a read of w's file by the same copy of the job
// before w, or at the same time (sed -i): a read-modify-write.
func readBefore(ix fileIndex, w *access) *access {
	if r, ok := ix.reads[w.path.key]; ok && r.seq <= w.seq && sameFile(r.path, w.path) {
		return r
	}
	return nil
}

// dynamicNote says, once, that the copies of j write a file whose name
// is computed at run time, or run code eval builds.
func (a *analyzer) dynamicNote(j *job, w *access) {
	if w.note == "eval" {
		a.report(SharedWrite, Note, w.at,
			fmt.Sprintf("cannot tell what eval runs in %s: check by hand that the copies do not write the same file", lowerSubject(j)),
			"prefer a command krun can see: krun COMMAND ::: ITEMS")
		return
	}
	if w.redir == nil && w.verb != "appends to (tee)" && w.verb != "writes (tee)" {
		return
	}
	a.report(SharedWrite, Note, w.at,
		fmt.Sprintf("cannot tell whether the copies of this job write the same file: %s is computed at run time", w.word),
		"if it can be the same file, append through krun append or a lock")
}

func otherLine(o *access) int {
	if o.job != nil {
		return o.job.at.line
	}
	return o.at.line
}

// subject names the copies of a job in a message.
func subject(j *job) string {
	if j.virtual {
		return "every command " + j.tool + " runs at once"
	}
	return "every copy of this background job"
}

func lowerSubject(j *job) string {
	if j.virtual {
		return "the commands " + j.tool + " runs"
	}
	return "the copies of this background job"
}

// fileIndex is the first read and the first write of each file by a job.
type fileIndex struct {
	reads, writes map[string]*access
}

// index returns j's fileIndex: looking a file up is then cheap, whatever
// the number of files the jobs touch. It is built again only when the job
// has new accesses.
func index(j *job) fileIndex {
	if j.ix != nil && j.ixLen == len(j.accesses) {
		return *j.ix
	}
	ix := fileIndex{reads: map[string]*access{}, writes: map[string]*access{}}
	j.ix, j.ixLen = &ix, len(j.accesses)
	for _, acc := range j.accesses {
		if acc.path.kind == kDynamic || acc.path.key == "" {
			continue
		}
		m := ix.reads
		if acc.kind == accWrite {
			m = ix.writes
		}
		if old, ok := m[acc.path.key]; !ok || acc.seq < old.seq {
			m[acc.path.key] = acc
		}
	}
	return ix
}
