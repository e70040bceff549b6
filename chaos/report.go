package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Kind names a difference between a run and the reference.
type Kind string

// The kinds of Finding. KindOK is no difference at all (used inside).
const (
	KindOK           Kind = ""
	KindInterleaved  Kind = "interleaved-appends" // a file's appends are not whole blocks
	KindLostUpdate   Kind = "lost-update"         // a file holds the work of fewer jobs than ran
	KindDiffers      Kind = "differs"             // a file differs otherwise (or is missing, or new)
	KindJobFailed    Kind = "job-failed"          // a job that succeeded in the reference failed
	KindJobSucceeded Kind = "job-succeeded"       // a job that failed in the reference succeeded
	KindJobStatus    Kind = "job-status"          // a failed job failed with another exit status
	KindJobStdout    Kind = "job-stdout"          // a job's stdout differs
	KindJobStderr    Kind = "job-stderr"          // a job's stderr differs
	KindJobMissing   Kind = "job-missing"         // a job of the reference did not run
	KindJobExtra     Kind = "job-extra"           // a job ran that the reference did not run
)

// Finding is one difference, with the number of runs that show it and a
// run to replay it with.
type Finding struct {
	Kind Kind `json:"kind"`
	// File is the path of the file, relative to the current directory,
	// for the file kinds; Job and Command name the job for the others.
	File    string `json:"file,omitempty"`
	Job     int64  `json:"job,omitempty"`
	Command string `json:"command,omitempty"`
	// Summary says it in one line.
	Summary string `json:"summary"`
	// Runs is how many of the Of chaos runs show it.
	Runs int `json:"runs"`
	Of   int `json:"of"`
	// Seed is that of the first run that shows it; Replay is the krun
	// command line of that run.
	Seed   uint64 `json:"seed"`
	Replay string `json:"replay"`
	// Details show it in that run: the first bad line, a short diff.
	Details []string `json:"details,omitempty"`

	label string // job N (`command`)
}

// Report is the result of a chaos session.
type Report struct {
	// Runs is the number of chaos runs; Seeds their seeds.
	Runs  int      `json:"runs"`
	Seeds []uint64 `json:"seeds"`
	// Jobs is the number of jobs of the reference run; FailedInReference
	// how many of them failed there.
	Jobs              int `json:"jobs"`
	FailedInReference int `json:"failed_in_reference"`
	// ReorderedSeed is the seed of the second reference run: one job at
	// a time in a shuffled order, which tells what depends on the order
	// alone.
	ReorderedSeed uint64 `json:"reordered_reference_seed"`
	// State are the paths copied for each run; NotCompared the paths in
	// it that are not compared (krun's own reports). Files written
	// outside the copy are never compared.
	State       []string `json:"state"`
	NotCompared []string `json:"not_compared,omitempty"`
	// Skipped counts the special files (FIFOs, sockets, devices) of the
	// state that were not copied.
	Skipped int `json:"skipped_special_files,omitempty"`
	// Findings are the differences, files first.
	Findings []Finding `json:"findings"`
}

// Clean reports whether every run matched the reference.
func (r *Report) Clean() bool { return len(r.Findings) == 0 }

// setFindings orders the findings and writes their summaries.
func (r *Report) setFindings(m map[string]*Finding) {
	r.Findings = r.Findings[:0]
	for _, f := range m {
		f.Summary = f.summary()
		r.Findings = append(r.Findings, *f)
	}
	order := map[Kind]int{KindInterleaved: 1, KindLostUpdate: 2, KindDiffers: 3, KindJobFailed: 4, KindJobSucceeded: 5,
		KindJobStatus: 6, KindJobMissing: 7, KindJobExtra: 8, KindJobStdout: 9, KindJobStderr: 10}
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		switch {
		case (a.File == "") != (b.File == ""):
			if a.File != "" {
				return -1
			}
			return 1
		case a.File != b.File:
			return strings.Compare(a.File, b.File)
		case a.Job != b.Job:
			return int(a.Job - b.Job)
		}
		return order[a.Kind] - order[b.Kind]
	})
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
}

// summary is the finding's one line.
func (f *Finding) summary() string {
	in := fmt.Sprintf("in %d of %d runs", f.Runs, f.Of)
	switch f.Kind {
	case KindInterleaved:
		return fmt.Sprintf("%s: appends interleaved or torn, %s", f.File, in)
	case KindLostUpdate:
		return fmt.Sprintf("%s: lost update: read-modify-write race, %s", f.File, in)
	case KindDiffers:
		return fmt.Sprintf("%s: differs from the reference %s", f.File, in)
	case KindJobFailed:
		return fmt.Sprintf("%s failed %s", f.label, in)
	case KindJobSucceeded:
		return fmt.Sprintf("%s succeeded %s, but failed in the reference", f.label, in)
	case KindJobStatus:
		return fmt.Sprintf("%s failed with another exit status %s", f.label, in)
	case KindJobStdout:
		return fmt.Sprintf("%s: stdout differs from the reference %s", f.label, in)
	case KindJobStderr:
		return fmt.Sprintf("%s: stderr differs from the reference %s", f.label, in)
	case KindJobMissing:
		return fmt.Sprintf("%s did not run %s", f.label, in)
	case KindJobExtra:
		return fmt.Sprintf("%s ran %s, but not in the reference", f.label, in)
	}
	return fmt.Sprintf("%s %s", f.Kind, in)
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	jobs := plural(r.Jobs, "job")
	state := strings.Join(r.State, ", ")
	if state == "." {
		state = "the current directory"
	}
	fmt.Fprintf(&b, "krun chaos: %s of %s, each in a fresh copy of %s, compared with a reference run (-j 1, input order)\n",
		plural(r.Runs, "run"), jobs, state)
	switch {
	case r.Jobs == 0:
		b.WriteString("warning: the batch ran no job: there was nothing to compare\n")
	case r.FailedInReference == r.Jobs:
		b.WriteString("warning: every job failed in the reference run: does the command find its files in the copy of the state?\n")
	}
	if r.Skipped > 0 {
		fmt.Fprintf(&b, "warning: %d special files in the state (FIFOs, sockets, devices) were not copied\n", r.Skipped)
	}
	shown := map[Kind]int{}
	var more []Kind
	rest := map[Kind][]Finding{}
	for _, f := range r.Findings {
		if f.File == "" {
			// Jobs: the first few of each kind in full, the rest in a
			// line (--json has them all).
			if shown[f.Kind]++; shown[f.Kind] > jobsShown {
				if rest[f.Kind] == nil {
					more = append(more, f.Kind)
				}
				rest[f.Kind] = append(rest[f.Kind], f)
				continue
			}
		}
		fmt.Fprintf(&b, "\n%s\n", f.Summary)
		for _, d := range f.Details {
			fmt.Fprintf(&b, "    %s\n", d)
		}
		fmt.Fprintf(&b, "    seed %d: %s\n", f.Seed, f.Replay)
	}
	for _, k := range more {
		fmt.Fprintf(&b, "\nand %d more jobs %s: %s\n", len(rest[k]), moreWhat[k], moreList(rest[k]))
	}
	b.WriteString("\n")
	if r.Clean() {
		fmt.Fprintf(&b, "krun chaos: no difference in %s: every job's exit status, stdout and stderr and every file in the copy matched the reference\n", plural(r.Runs, "run"))
	} else {
		n := "1 difference"
		if len(r.Findings) != 1 {
			n = fmt.Sprintf("%d differences", len(r.Findings))
		}
		fmt.Fprintf(&b, "krun chaos: %s in %s\n", n, plural(r.Runs, "run"))
	}
	b.WriteString("note: files written outside the copy of the state (absolute paths, a cd elsewhere) are not compared\n")
	if len(r.NotCompared) > 0 {
		fmt.Fprintf(&b, "note: krun's own reports are not compared: %s\n", strings.Join(r.NotCompared, ", "))
	}
	if !r.Clean() {
		b.WriteString("note: a replay command runs the batch in the current directory, not in a copy\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// plural is "1 run", "2 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// jobsShown is how many findings of each kind about jobs the text report
// shows in full.
const jobsShown = 3

// moreWhat says what the jobs left out of the text report share.
var moreWhat = map[Kind]string{
	KindJobFailed:    "that failed in some runs",
	KindJobSucceeded: "that succeeded in some runs, but failed in the reference",
	KindJobStatus:    "that failed with another exit status in some runs",
	KindJobStdout:    "whose stdout differs from the reference in some runs",
	KindJobStderr:    "whose stderr differs from the reference in some runs",
	KindJobMissing:   "that did not run in some runs",
	KindJobExtra:     "that ran in some runs, but not in the reference",
}

// moreList lists jobs by number with their counts of runs, up to 10.
func moreList(fs []Finding) string {
	var parts []string
	for i, f := range fs {
		if i == 10 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprintf("%d (%d of %d runs)", f.Job, f.Runs, f.Of))
	}
	return "job " + strings.Join(parts, ", ")
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
