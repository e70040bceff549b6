package timeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// synthJob is one job of a synthetic run.
type synthJob struct {
	seq        int64
	slot       int
	start, end int64 // ns from the run's start
	exit       int
	timedOut   bool
	command    string
}

// synthOptions shape a synthetic run.
type synthOptions struct {
	jobs, slots int
	seed        uint64
	// command returns job i's command; nil: a plain one.
	command func(i int) string
}

// synthRun simulates a run: n jobs on the given slots, each started on
// the slot free first (the lowest on a tie), with durations mostly short
// and a few stragglers, 2% failures and 0.5% timeouts.
func synthRun(o synthOptions) []synthJob {
	r := rand.New(rand.NewPCG(o.seed, 7))
	free := make([]int64, o.slots)
	jobs := make([]synthJob, o.jobs)
	for i := range jobs {
		s := 0
		for k := range free {
			if free[k] < free[s] {
				s = k
			}
		}
		d := int64(5e6 + r.ExpFloat64()*40e6)
		if r.IntN(500) == 0 {
			d = int64(2e9 + r.Float64()*8e9) // a straggler
		}
		j := synthJob{seq: int64(i + 1), slot: s + 1, start: free[s] + int64(r.IntN(200_000)), command: fmt.Sprintf("./test.sh case-%d", i+1)}
		j.end = j.start + d
		switch v := r.IntN(200); {
		case v < 4:
			j.exit = 1
		case v == 4:
			j.exit, j.timedOut = 143, true
		}
		if o.command != nil {
			j.command = o.command(i + 1)
		}
		free[s] = j.end
		jobs[i] = j
	}
	return jobs
}

// synthT0 is the synthetic run's start.
var synthT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// synthEvents writes a synthetic run as krun's --events stream.
func synthEvents(jobs []synthJob) []byte {
	var b bytes.Buffer
	type line struct {
		Event    string   `json:"event"`
		Time     string   `json:"time"`
		Seq      int64    `json:"seq,omitempty"`
		Slot     int      `json:"slot,omitempty"`
		Args     []string `json:"args,omitempty"`
		Command  string   `json:"command,omitempty"`
		Attempt  int      `json:"attempt,omitempty"`
		Exit     *int     `json:"exit,omitempty"`
		Signal   int      `json:"signal,omitempty"`
		Duration float64  `json:"duration,omitempty"`
		Bytes    int64    `json:"bytes,omitempty"`
		TimedOut bool     `json:"timed_out,omitempty"`
		Killed   bool     `json:"killed,omitempty"`
	}
	enc := json.NewEncoder(&b)
	at := func(ns int64) string { return synthT0.Add(time.Duration(ns)).Format(time.RFC3339Nano) }
	for _, j := range jobs {
		args := []string{fmt.Sprint(j.seq)}
		enc.Encode(line{Event: "start", Time: at(j.start), Seq: j.seq, Slot: j.slot, Args: args, Command: j.command, Attempt: 1})
		exit := j.exit
		l := line{Event: "finish", Time: at(j.end + 50_000), Seq: j.seq, Slot: j.slot, Args: args, Command: j.command, Attempt: 1,
			Exit: &exit, Duration: time.Duration(j.end - j.start).Seconds(), Bytes: 120}
		if j.timedOut {
			l.Signal, l.TimedOut, l.Killed = 15, true, true
		}
		enc.Encode(l)
	}
	return b.Bytes()
}

// synthJobLog writes a synthetic run as a GNU parallel joblog.
func synthJobLog(jobs []synthJob) []byte {
	var b bytes.Buffer
	b.WriteString("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n")
	t0 := float64(synthT0.UnixNano()) / 1e9
	for _, j := range jobs {
		exit, sig := j.exit, 0
		if j.timedOut {
			exit, sig = -1, 15
		}
		fmt.Fprintf(&b, "%d\t:\t%.3f\t%10.3f\t0\t0\t%d\t%d\t%s\n", j.seq, t0+float64(j.start)/1e9, float64(j.end-j.start)/1e9, exit, sig, j.command)
	}
	return b.Bytes()
}

// synthBars is a synthetic run as Read would return it from its events,
// built without the JSON, which is slow under the race detector.
func synthBars(jobs []synthJob) *Run {
	run := &Run{Format: "krun events", Bars: make([]Bar, len(jobs))}
	t := synthT0.UnixNano()
	for i, j := range jobs {
		b := Bar{Seq: j.seq, Attempt: 1, Slot: j.slot, Start: t + j.start, End: t + j.end, Exit: j.exit, Command: clip(j.command, maxText)}
		switch {
		case j.timedOut:
			b.Outcome, b.Signal = TimedOut, 15
		case j.exit != 0:
			b.Outcome = Failed
		}
		run.Bars[i] = b
	}
	sortRun(run)
	return run
}
