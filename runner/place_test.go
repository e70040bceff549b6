package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// Tests of placing jobs on hosts (Config.Hosts) below the binary and ssh:
// testHosts runs every "remote" job as a real local process, and a host
// marked down fails each try it gets, as ssh does when a host is gone.

type testHost struct {
	name        string
	slots, used int
	down, out   bool
	ran         int // tries that ended well there
}

type testHosts struct {
	mu    sync.Mutex
	hosts []*testHost
	high  map[string]int // the most jobs at once on each host
}

func (h *testHosts) Free() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	left := false
	for _, x := range h.hosts {
		if !x.out {
			left = true
			if x.used < x.slots {
				return true
			}
		}
	}
	return !left
}

func (h *testHosts) Place(job *Job) (Placement, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range h.hosts {
		if !x.out && x.used < x.slots {
			x.used++
			h.high[x.name] = max(h.high[x.name], x.used)
			return &testPlacement{h: h, host: x}, nil
		}
	}
	return nil, ErrNoHosts
}

func (h *testHosts) Processes() []int   { return nil }
func (h *testHosts) ScratchDir() string { return "" }

type testPlacement struct {
	h    *testHosts
	host *testHost
}

func (p *testPlacement) Host() string { return p.host.name }
func (p *testPlacement) Local() bool  { return false }
func (p *testPlacement) Release() {
	p.h.mu.Lock()
	p.host.used--
	p.h.mu.Unlock()
}

func (p *testPlacement) Prepare(ctx context.Context, job *Job, env []string) (RemoteCommand, error) {
	return RemoteCommand{Path: "/bin/sh", Argv: []string{"sh", "-c", job.Command}, Env: env,
		Signal: func(io.Writer, syscall.Signal) error { return nil }}, nil
}

func (p *testPlacement) Finish(ctx context.Context, job *Job, st Status) error {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	if p.host.down {
		p.host.out = true // one failure is enough here
		return &HostError{Host: p.host.name, Err: errors.New("connection refused")}
	}
	p.host.ran++
	return nil
}

// discardSink keeps each job's last try's stdout: Discard drops a try's.
type discardSink struct {
	mu  sync.Mutex
	out map[int64]*bytes.Buffer
}

type discardOutput struct {
	s *discardSink
	b *bytes.Buffer
}

func (s *discardSink) Begin(job *Job) JobOutput {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := &bytes.Buffer{}
	s.out[job.Seq] = b
	return discardOutput{s, b}
}
func (s *discardSink) Message(string)     {}
func (o discardOutput) Stdout() io.Writer { return o }
func (o discardOutput) Stderr() io.Writer { return io.Discard }
func (o discardOutput) End(Status) error  { return nil }
func (o discardOutput) Write(p []byte) (int, error) {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	return o.b.Write(p)
}
func (o discardOutput) Discard() {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.b.Reset()
}

// finishes counts the finish events of each job.
type finishes struct {
	mu sync.Mutex
	n  map[int64]int
}

func (f *finishes) Observe(e Event) {
	if e.Kind == EventFinish {
		f.mu.Lock()
		f.n[e.Job.Seq]++
		f.mu.Unlock()
	}
}

func runOnHosts(t *testing.T, hosts *testHosts, n int) (Result, error, *discardSink, *finishes) {
	t.Helper()
	tmpl, err := ParseTemplate([]string{"echo"}, TemplateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for i := 1; i <= n; i++ {
		values = append(values, strconv.Itoa(i))
	}
	sink := &discardSink{out: map[int64]*bytes.Buffer{}}
	obs := &finishes{n: map[int64]int{}}
	total := 0
	for _, h := range hosts.hosts {
		total += h.slots
	}
	cfg := Config{Template: tmpl, Jobs: total, Shell: "/bin/sh", Sink: sink, Observer: obs, Hosts: hosts}
	res, err := Run(context.Background(), cfg, &listSource{values: values})
	return res, err, sink, obs
}

// TestHostsRequeue: the jobs a host fails go back to the queue and run,
// once each, on the others; no host ever runs more than its slots; a job
// counts once in the result and in the events.
func TestHostsRequeue(t *testing.T) {
	t.Parallel()
	hosts := &testHosts{high: map[string]int{}, hosts: []*testHost{
		{name: "down", slots: 2, down: true}, {name: "a", slots: 1}, {name: "b", slots: 2},
	}}
	const n = 20
	res, err, sink, obs := runOnHosts(t, hosts, n)
	if err != nil {
		t.Fatal(err)
	}
	if res.Started != n || res.Succeeded != n || res.Failed != 0 {
		t.Errorf("result %+v: want %d started and succeeded", res, n)
	}
	for seq := int64(1); seq <= n; seq++ {
		if got, want := sink.out[seq].String(), strconv.Itoa(int(seq))+"\n"; got != want {
			t.Errorf("job %d wrote %q, want %q (once)", seq, got, want)
		}
		if obs.n[seq] != 1 {
			t.Errorf("job %d finished %d times", seq, obs.n[seq])
		}
	}
	if a, b := hosts.hosts[1].ran, hosts.hosts[2].ran; a+b != n || a == 0 || b == 0 {
		t.Errorf("hosts a and b ran %d and %d jobs; want all %d between them", a, b, n)
	}
	for _, h := range hosts.hosts {
		if hosts.high[h.name] > h.slots {
			t.Errorf("host %s ran %d jobs at once, with %d slots", h.name, hosts.high[h.name], h.slots)
		}
	}
}

// TestHostsNoneLeft: when every host has failed, the run stops with
// ErrNoHosts; the jobs that were placed count as failed, the others never
// start.
func TestHostsNoneLeft(t *testing.T) {
	t.Parallel()
	hosts := &testHosts{high: map[string]int{}, hosts: []*testHost{{name: "x", slots: 1, down: true}, {name: "y", slots: 1, down: true}}}
	res, err, _, obs := runOnHosts(t, hosts, 5)
	if !errors.Is(err, ErrNoHosts) {
		t.Fatalf("error %v, want ErrNoHosts", err)
	}
	if res.Succeeded != 0 || res.Failed != res.Started || res.Started == 0 {
		t.Errorf("result %+v: every started job fails", res)
	}
	total := 0
	for _, c := range obs.n {
		total += c
	}
	if total != res.Started {
		t.Errorf("%d finish events for %d started jobs", total, res.Started)
	}
}
