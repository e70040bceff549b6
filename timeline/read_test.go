package timeline

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// t0 is 2026-03-01 12:00:00 UTC in Unix ns; ms(n) is n ms after it.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano()

func ms(n int64) int64 { return t0 + n*1e6 }

// A run of krun's, as --events writes it: -j 2 --retries 2 --timeout 1
// --halt now,fail=1 in spirit; what each line means is in its fields.
const smallEvents = `{"event":"start","time":"2026-03-01T12:00:00Z","seq":1,"slot":1,"args":["a"],"command":"job a","attempt":1}
{"event":"start","time":"2026-03-01T12:00:00.010Z","seq":2,"slot":2,"args":["b"],"command":"job b","attempt":1}
{"event":"finish","time":"2026-03-01T12:00:00.600Z","seq":1,"slot":1,"args":["a"],"command":"job a","attempt":1,"exit":0,"duration":0.5,"bytes":10}
{"event":"retry","time":"2026-03-01T12:00:00.211Z","seq":2,"slot":2,"args":["b"],"command":"job b","attempt":1,"exit":1,"duration":0.2}
{"event":"start","time":"2026-03-01T12:00:00.300Z","seq":2,"slot":2,"args":["b"],"command":"job b","attempt":2}
{"event":"timeout","time":"2026-03-01T12:00:01.300Z","seq":2,"slot":2,"args":["b"],"command":"job b","attempt":2}
{"event":"finish","time":"2026-03-01T12:00:01.400Z","seq":2,"slot":2,"args":["b"],"command":"job b","attempt":2,"exit":143,"signal":15,"duration":1.05,"timed_out":true,"killed":true}
{"event":"breaker","time":"2026-03-01T12:00:01.400Z","message":"breaker open: 1/2 of the last 2 jobs failed; pausing 1s"}
{"event":"start","time":"2026-03-01T12:00:00.700Z","seq":3,"slot":1,"args":["c"],"command":"job c","attempt":1}
{"event":"finish","time":"2026-03-01T12:00:01.500Z","seq":3,"slot":1,"args":["c"],"command":"job c","attempt":1,"exit":2,"duration":0.75}
{"event":"halt","time":"2026-03-01T12:00:01.500Z","message":"halt: rule now,fail=1 tripped after 3 jobs (2 failed); ending the running jobs"}
{"event":"finish","time":"2026-03-01T12:00:01.500Z","seq":4,"slot":2,"args":["d"],"command":"job d","attempt":1,"exit":126,"error":"not started: the run was stopping"}
{"event":"start","time":"2026-03-01T12:00:01.450Z","seq":5,"slot":2,"args":["e"],"command":"job e","attempt":1}
{"event":"finish","time":"2026-03-01T12:00:01.700Z","seq":5,"slot":2,"args":["e"],"command":"job e","attempt":1,"exit":143,"signal":15,"duration":0.2,"killed":true}
{"event":"start","time":"2026-03-01T12:00:01.600Z","seq":6,"slot":1,"args":["f"],"command":"job f","attempt":1}
{"event":"future","time":"2026-03-01T12:00:01.800Z","seq":6,"what":"a kind this krun does not know"}
`

func TestReadEvents(t *testing.T) {
	run, err := Read(strings.NewReader(smallEvents), "ev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []Bar{
		{Seq: 1, Attempt: 1, Slot: 1, Start: ms(0), End: ms(500), Outcome: OK, Command: "job a"},
		{Seq: 2, Attempt: 1, Slot: 2, Start: ms(10), End: ms(210), Outcome: Retried, Exit: 1, Command: "job b"},
		{Seq: 2, Attempt: 2, Slot: 2, Start: ms(300), End: ms(1350), Outcome: TimedOut, Exit: 143, Signal: 15, Command: "job b"},
		{Seq: 3, Attempt: 1, Slot: 1, Start: ms(700), End: ms(1450), Outcome: Failed, Exit: 2, Command: "job c"},
		{Seq: 5, Attempt: 1, Slot: 2, Start: ms(1450), End: ms(1650), Outcome: Halted, Exit: 143, Signal: 15, Command: "job e"},
		// Not started: a bar of no length at its finish.
		{Seq: 4, Attempt: 1, Slot: 2, Start: ms(1500), End: ms(1500), Outcome: Failed, Exit: 126, Command: "job d", Error: "not started: the run was stopping"},
		// No finish: unfinished, up to the last time of the stream (the
		// unknown event's time counts: it is a time krun was running).
		{Seq: 6, Attempt: 1, Slot: 1, Start: ms(1600), End: ms(1800), Outcome: Unfinished, Command: "job f"},
	}
	if !reflect.DeepEqual(run.Bars, want) {
		t.Errorf("bars:\n%s\nwant:\n%s", dumpBars(run.Bars), dumpBars(want))
	}
	wantMarks := []Mark{
		{Kind: "breaker", Time: ms(1400), Message: "breaker open: 1/2 of the last 2 jobs failed; pausing 1s"},
		{Kind: "halt", Time: ms(1500), Message: "halt: rule now,fail=1 tripped after 3 jobs (2 failed); ending the running jobs"},
	}
	if !reflect.DeepEqual(run.Marks, wantMarks) {
		t.Errorf("marks: %+v\nwant %+v", run.Marks, wantMarks)
	}
	if run.Format != "krun events" {
		t.Errorf("format %q", run.Format)
	}
}

func dumpBars(bars []Bar) string {
	var b strings.Builder
	for _, x := range bars {
		fmt.Fprintf(&b, "  %+v (start +%dms, end +%dms)\n", x, (x.Start-t0)/1e6, (x.End-t0)/1e6)
	}
	return b.String()
}

// GNU parallel 20221122's own joblog, as it wrote it (JobRuntime padded
// with spaces, a timed-out job with Exitval -1 and Signal 15), then a
// second header (joblogs of shards concatenated), a line of krun's with a
// newline in the command (written as NUL), and a job on another host.
const gnuJobLog = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n" +
	"1\t:\t1772366400.000\t     0.101\t0\t0\t0\t0\tsleep 0.1\n" +
	"3\t:\t1772366400.109\t     0.200\t0\t0\t0\t0\tsleep 0.2\n" +
	"2\t:\t1772366400.003\t     1.204\t0\t0\t-1\t15\tsleep 3\n" +
	"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n" +
	"4\t:\t1772366400.500\t0.250\t0\t0\t2\t0\tprintf 'a\x00b'\n" +
	"5\tworker-1\t1772366400.250\t0.500\t0\t0\t0\t9\tssh job\r\n"

func TestReadJobLog(t *testing.T) {
	run, err := Read(strings.NewReader(gnuJobLog), "jobs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Bar{
		{Seq: 1, Attempt: 1, Start: ms(0), End: ms(101), Outcome: OK, Command: "sleep 0.1"},
		{Seq: 2, Attempt: 1, Start: ms(3), End: ms(1207), Outcome: Killed, Exit: -1, Signal: 15, Command: "sleep 3"},
		{Seq: 3, Attempt: 1, Start: ms(109), End: ms(309), Outcome: OK, Command: "sleep 0.2"},
		{Seq: 5, Attempt: 1, Host: "worker-1", Start: ms(250), End: ms(750), Outcome: Failed, Signal: 9, Command: "ssh job"},
		{Seq: 4, Attempt: 1, Start: ms(500), End: ms(750), Outcome: Failed, Exit: 2, Command: "printf 'a\nb'"},
	}
	if !reflect.DeepEqual(run.Bars, want) {
		t.Errorf("bars:\n%s\nwant:\n%s", dumpBars(run.Bars), dumpBars(want))
	}
	if run.Format != "joblog" || len(run.Marks) != 0 {
		t.Errorf("format %q, marks %v", run.Format, run.Marks)
	}
}

func TestReadEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n  \n", "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"} {
		run, err := Read(strings.NewReader(in), "x")
		if err != nil || len(run.Bars) != 0 || len(run.Marks) != 0 {
			t.Errorf("Read(%q) = %+v, %v; want no bars and no error", in, run, err)
		}
	}
}

// TestReadErrors: every malformed input is an *InputError naming the
// line, in one line of text, however hostile the input.
func TestReadErrors(t *testing.T) {
	good := `{"event":"start","time":"2026-03-01T12:00:00Z","seq":1,"attempt":1}` + "\n"
	header := "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
	for _, tc := range []struct {
		name, in string
		line     int
		msg      string
	}{
		{"not a format", "hello world\n", 1, "neither krun --events"},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00", 1, "neither krun --events"},
		{"blank lines first", "\n\n<html>\n", 3, "neither"},
		{"bad JSON", good + "{\"event\":\"start\",\n", 2, "not valid JSON"},
		{"two objects", good + good[:len(good)-1] + " {}\n", 2, "not valid JSON"},
		{"an array", good + "[1,2]\n", 2, "want a JSON object"},
		{"null", good + "null\n", 2, `no "event" field`},
		{"no event", good + `{"time":"2026-03-01T12:00:00Z"}` + "\n", 2, `no "event" field`},
		{"no time", good + `{"event":"halt"}` + "\n", 2, `no "time" field`},
		{"bad time", good + good + `{"event":"start","time":"yesterday","seq":1}` + "\n", 3, `time "yesterday" is not an RFC 3339 time`},
		{"seq type", good + `{"event":"start","time":"2026-03-01T12:00:00Z","seq":"1"}` + "\n", 2, `field "seq": want a int64, got string`},
		{"no seq", good + `{"event":"finish","time":"2026-03-01T12:00:00Z"}` + "\n", 2, `"finish" event without a seq`},
		{"time before 1970", good + `{"event":"halt","time":"1969-12-31T23:59:59Z"}` + "\n", 2, "is out of range"},
		{"time after 2191", good + `{"event":"halt","time":"9999-12-31T23:59:59Z"}` + "\n", 2, "is out of range"},
		{"joblog: runtime of 40 years", header + "1\t:\t1.0\t1262304000\t0\t0\t0\t0\tcmd\n", 2, `JobRuntime "1262304000"`},
		{"negative duration", good + `{"event":"finish","time":"2026-03-01T12:00:00Z","seq":1,"duration":-1}` + "\n", 2, "duration -1 is out of range"},
		{"negative slot", `{"event":"start","time":"2026-03-01T12:00:00Z","seq":1,"slot":-2}` + "\n", 1, "slot -2 is negative"},
		{"hostile text", `{"event":"x\n\u001b[31m","time":"2026-03-01T12:00:00Z"}` + "\n" + good + `{"event":"start","time":"\u001b]0;pwned\u0007\n"}` + "\n", 3, `is not an RFC 3339 time`},
		{"joblog: columns", header + "1\t:\t1.0\t2.0\n", 2, "4 tab-separated columns, want 9"},
		{"joblog: seq", header + "x\t:\t1.0\t2.0\t0\t0\t0\t0\tcmd\n", 2, `Seq "x" is not a job number`},
		{"joblog: no header, bad seq", "x\t:\t1.0\t2.0\t0\t0\t0\t0\tcmd\n", 1, "neither"},
		{"joblog: seq 0", header + "0\t:\t1.0\t2.0\t0\t0\t0\t0\tcmd\n", 2, `Seq "0" is not a job number`},
		{"joblog: start", header + "1\t:\tnoon\t2.0\t0\t0\t0\t0\tcmd\n", 2, `Starttime "noon" is not a number of seconds`},
		{"joblog: runtime", header + "1\t:\t1.0\t-2.0\t0\t0\t0\t0\tcmd\n", 2, `JobRuntime "-2.0" is not a number of seconds`},
		{"joblog: NaN", header + "1\t:\t1.0\tNaN\t0\t0\t0\t0\tcmd\n", 2, `JobRuntime "NaN"`},
		{"joblog: exit", header + "1\t:\t1.0\t2.0\t0\t0\tok\t0\tcmd\n", 2, `Exitval "ok" is not a whole number`},
		{"joblog: signal", header + "1\t:\t1.0\t2.0\t0\t0\t0\t1.5\tcmd\n", 2, `Signal "1.5" is not a whole number`},
		{"joblog then JSON", header + good, 2, "1 tab-separated columns, want 9"},
		{"JSON then joblog", good + "1\t:\t1.0\t2.0\t0\t0\t0\t0\tcmd\n", 2, "not valid JSON"},
		{"line too long", good + `{"event":"start","time":"2026-03-01T12:00:00Z","command":"` + strings.Repeat("x", maxLine) + "\"}\n", 2, "longer than 16 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in), "in.txt")
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want an *InputError", err, err)
			}
			if ie.Name != "in.txt" || ie.Line != tc.line {
				t.Errorf("error at %s:%d, want in.txt:%d: %v", ie.Name, ie.Line, tc.line, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("error %q does not say %q", msg, tc.msg)
			}
			if !strings.HasPrefix(msg, fmt.Sprintf("in.txt:%d: ", tc.line)) {
				t.Errorf("error %q does not start with the file and line", msg)
			}
			for _, r := range msg {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("error %q holds a control character: not one line", msg)
				}
			}
		})
	}
}

// TestReadFileMissing: a file that cannot be opened is named.
func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(t.TempDir() + "/nope.jsonl")
	if err == nil || !strings.HasSuffix(err.Error(), "nope.jsonl: no such file or directory") {
		t.Errorf("error %v", err)
	}
}

// TestRecorderMatchesRead: the events recorded as they happen make the
// same run as the same events read back from JSON Lines, whatever order
// concurrent events were recorded in.
func TestRecorderMatchesRead(t *testing.T) {
	fromFile, err := Read(strings.NewReader(smallEvents), "ev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	for i, line := range strings.Split(strings.TrimSpace(smallEvents), "\n") {
		e, err := parseEvent([]byte(line))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		e.Time = e.Time.Local() // the in-memory time is local
		events = append(events, e)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for try := range 20 {
		rec := NewRecorder()
		// A start always comes before its end; tries of different jobs
		// in any order.
		order := r.Perm(len(events))
		done := map[int]bool{}
		for len(done) < len(events) {
			for _, i := range order {
				if done[i] || (events[i].Kind != "start" && !startedBefore(events, i, done)) {
					continue
				}
				rec.Add(events[i])
				done[i] = true
			}
		}
		if got := rec.Run(); !reflect.DeepEqual(got, fromFile) {
			t.Fatalf("order %d: recorder:\n%s%+v\nfrom the file:\n%s%+v", try, dumpBars(got.Bars), got.Marks, dumpBars(fromFile.Bars), fromFile.Marks)
		}
	}
}

// startedBefore reports whether the start of the try that event i ends,
// if any, is in done.
func startedBefore(events []Event, i int, done map[int]bool) bool {
	for j, e := range events {
		if e.Kind == "start" && e.Seq == events[i].Seq && e.Attempt == events[i].Attempt && !done[j] {
			return false
		}
	}
	return true
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"a\xffb", 3, "a\uFFFDb"},
		{"a\xff\xfeb", 10, "a\uFFFD\uFFFDb"}, // one U+FFFD per byte, as encoding/json writes it
		{"héllo", 2, "hé…"},
	} {
		if got := clip(tc.in, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1772366400.003", 1772366400003000000, true},
		{"0.1", 1e8, true},
		{"12", 12e9, true},
		{"0.123456789", 123456789, true},
		{"1.5e3", 1500e9, true},
		{".5", 5e8, true},
		{"-0.5", 0, false},
		{"-1", 0, false},
		{"+1", 1e9, true}, // ParseFloat's
		{"1.-5", 0, false},
		{"Inf", 0, false},
		{"NaN", 0, false},
		{"1e12", 0, false},
		{"7000000000", 0, false},
		{"6999999999.999", 6999999999999000000, true},
		{"", 0, false},
	} {
		got, ok := parseSeconds(tc.in, maxStart)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parseSeconds(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestReadSynthetic: Read of a synthetic run's events gives the run
// synthBars builds directly (which the size test uses).
func TestReadSynthetic(t *testing.T) {
	jobs := synthRun(synthOptions{jobs: 2000, slots: 8, seed: 3, command: hostileCommand})
	run, err := Read(bytes.NewReader(synthEvents(jobs)), "events")
	if err != nil {
		t.Fatal(err)
	}
	if want := synthBars(jobs); !reflect.DeepEqual(run, want) {
		t.Errorf("Read and synthBars differ:\n%s\n%s", dumpBars(run.Bars[:3]), dumpBars(want.Bars[:3]))
	}
}
