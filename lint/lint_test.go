package lint

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// findings lints src and returns "CODE LINE" for each finding, and its
// severities by code.
func findings(t *testing.T, src string) ([]string, []Finding) {
	t.Helper()
	fs, err := Lint("t.sh", strings.NewReader(src))
	if err != nil {
		t.Fatalf("Lint: %v", err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %d", f.Code, f.Line))
	}
	return got, fs
}

func TestLintCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty", "", nil},
		{"no jobs", "cat a >> b\ncat c >> b\n", nil},
		{"one job, checked", "cmd >> log &\nwait $! || exit 1\n", nil},
		{"two jobs, one file", "a >> log &\np=$!\nb >> log &\nq=$!\nwait $p || exit\nwait $q || exit\n", []string{"KL001 1", "KL001 3"}},
		{"a bare wait ends the first job", "a >> log &\nwait\nb >> log &\nwait\n", []string{"KL004 1", "KL004 3"}},
		{"wait PID ends that job only", "a >> log & p=$!\nb >> other & q=$!\nwait $p || exit\nc >> log & r=$!\nwait $q || exit\nwait $r || exit\n", nil},
		{"set -e makes wait PID a check", "set -e\na & p=$!\nwait $p\necho done\n", nil},
		{"set +e undoes it", "set -e\nset +e\na & p=$!\nwait $p\necho done\n", []string{"KL004 3"}},
		{"shebang -e", "#!/bin/bash -e\na & p=$!\nwait $p\necho done\n", nil},
		{"$? after wait is a check", "a & p=$!\nwait $p\nrc=$?\n", nil},
		{"the last wait is the script's status", "a & p=$!\nwait $p\n", nil},
		{"the last bare wait still returns 0", "a &\nwait\n", []string{"KL004 1"}},
		{"wait in a function's tail", "f() { a & wait $!; }\nf || exit 1\n", nil},
		{"wait in a function, status dropped", "f() { a & wait $!; }\nf\necho x\n", []string{"KL004 1"}},
		{"kill exempts", "server & pid=$!\nrun_tests\nkill $pid\n", nil},
		{"trap kill exempts", "trap 'kill $pid' EXIT\nserver & pid=$!\nrun_tests\n", nil},
		{"disown exempts", "agent &\ndisown\n", nil},
		{"nohup exempts", "nohup agent > agent.log 2>&1 &\n", nil},
		{"sleep exempts", "sleep 10 &\n", nil},
		{"a watchdog exempts", "( sleep 300; kill $$ ) &\nwork\n", nil},
		{"a job that sleeps later does not", "( work; sleep 1 ) &\nwait\n", []string{"KL004 1"}},
		{"a lone job never waited for is a launch", "firefox \"$url\" &\n", nil},
		{"jobs started once and never waited for may be daemons", "a &\nb &\n", nil},
		{"pid saved to a file", "server & pid=$!\ncat > pidfile <<EOF\n$pid\nEOF\nwait\n", nil},
		{"pid given to a command", "perf & p=$!\nwait_for_exit $p || exit\n", nil},
		{"pid only echoed", "perf & p=$!\necho started $p\nwait\n", []string{"KL004 1"}},
		{"$! after if/else is either job", "if x; then\n  a &\nelse\n  b &\nfi\npid=$!\nwait $pid || exit\n", nil},
		{"$! after case", "case $m in\nx) a & ;;\ny) b & ;;\nesac\npid=$!\nwait $pid || exit\n", nil},
		{"pid handed to a function", "w() { while kill -0 $1; do sleep 1; done; }\nrun() { perf > /tmp/o & p=$!; w $p; }\nrun; run\n", nil},
		{"kill ends a job", "a > /tmp/o & p=$!\nkill $p\nb > /tmp/o & q=$!\nwait $q || exit\n", nil},
		{"coproc exempts", "coproc bc\necho 1+1 >&${COPROC[1]}\n", nil},
		{"jobs -p loop collects", "a > x &\nb > y &\nfor j in $(jobs -p); do wait $j || f=1; done\n", nil},
		{"array with several pids", "a & p+=($!)\nb & p+=($!)\nwait \"${p[@]}\" || exit 1\n", []string{"KL004 1"}},
		{"array element", "a & p[0]=$!\nb & p[1]=$!\nwait \"${p[0]}\" || exit\nwait \"${p[1]}\" || exit\n", nil},
		{"16 literal items are bounded", "for i in {1..16}; do a $i > o.$i & done\nfor j in $(jobs -p); do wait $j || exit; done\n", nil},
		{"17 are not", "for i in {1..17}; do a $i > o.$i & done\nfor j in $(jobs -p); do wait $j || exit; done\n", []string{"KL003 1"}},
		{"seq with literals", "for i in $(seq 1 8); do a $i > o.$i & done\nfor j in $(jobs -p); do wait $j || exit; done\n", nil},
		{"C-style literal bound", "for ((i=0; i<8; i++)); do a $i > o.$i & done\nfor j in $(jobs -p); do wait $j || exit; done\n", nil},
		{"C-style variable bound", "for ((i=0; i<n; i++)); do a $i > o.$i & done\nfor j in $(jobs -p); do wait $j || exit; done\n", []string{"KL003 1"}},
		{"bounded inner loop, unbounded outer", "for f in *; do for i in 1 2; do a $f $i > $f.$i & done; done\nfor j in $(jobs -p); do wait $j || exit; done\n", []string{"KL003 1"}},
		{"wait in the outer loop caps it", "for f in *; do for i in 1 2; do a $f $i > $f.$i & done; wait; done\n", []string{"KL004 1"}},
		{"cap in a called function", "throttle() { while [ \"$(jobs -rp | wc -l)\" -ge 4 ]; do sleep 1; done; }\nfor f in *; do throttle; a \"$f\" > \"$f.out\" & done\nfor j in $(jobs -p); do wait $j || exit; done\n", nil},
		{"serial loop shares nothing", "for f in *; do a >> log & wait $! || exit; done\n", nil},
		{"counter makes names differ", "i=0\nfor f in *; do a > o.$i & i=$((i+1)); [ $i -ge 4 ] && wait -n; done\nwait\n", []string{"KL004 2"}},
		{"constant assigned in the loop is shared", "for f in *; do out=all.txt; a \"$f\" >> \"$out\" & [ 1 ] && wait -n || exit; done\n", []string{"KL001 1"}},
		{"loop variable derived", "for f in *; do out=\"${f%.c}.o\"; cc \"$f\" > \"$out\" & [ 1 ] && wait -n || exit; done\n", nil},
		{"cd into a per-job directory", "for d in */; do (cd \"$d\" && make > build.log) & wait -n || exit; done\n", nil},
		{"cd then an absolute path", "for d in */; do (cd \"$d\" && make >> /var/log/b.log) & wait -n || exit; done\n", []string{"KL001 1"}},
		{"exec >> inside the job", "for h in *; do ( exec >> all.log; ssh \"$h\" uptime ) & wait -n || exit; done\n", []string{"KL001 1"}},
		{"flock -u releases", "for f in *; do ( flock 9; a >> log; flock -u 9; b >> log ) 9>lock & wait -n || exit; done\n", []string{"KL001 1"}},
		{"mixed output into one file", "{\n  curl -s a &\n  curl -s b &\n  wait $(jobs -p) || exit\n} > both.html\n", []string{"KL006 2", "KL006 3"}},
		{"echo lines do not mix", "for h in a b c; do ( echo start $h; work $h > $h.log; echo done $h ) & wait -n || exit; done\n", nil},
		{"echo in a loop in the job does", "for h in a b c; do ( for i in 1 2 3; do echo $h $i; done ) & wait -n || exit; done\n", []string{"KL006 1"}},
		{"grep -q writes nothing", "for h in a b c; do grep -q x \"$h\" & wait -n || exit; done\n", nil},
		{"curl -o writes a file", "for u in a b c; do curl -o \"$u.html\" \"$u\" & wait -n || exit; done\n", nil},
		{"parallel -j1 is sequential", "parallel -j1 'a {} >> log' ::: *\n", nil},
		{"parallel -j0 is unbounded", "parallel -j0 'a {} > {}.out' ::: *\n", []string{"KL003 1"}},
		{"parallel appended args", "parallel gzip -k ::: *.log\n", nil},
		{"krun -j 1", "krun -j 1 'a {} >> log' ::: *\n", nil},
		{"krun --append", "krun --append log a {} ::: *\n", nil},
		{"xargs without -P", "xargs -I{} sh -c 'a {} >> log' < list\n", nil},
		{"xargs -P 1", "xargs -P 1 -I{} sh -c 'a {} >> log' < list\n", nil},
		{"flock -c", "for i in 1 2 3; do flock c.lock -c 'n=$(cat c); echo $((n+1)) > c' & done\nfor j in $(jobs -p); do wait $j || exit; done\n", nil},
		{"lock only the write", "for i in 1 2 3; do ( n=$(cat c); flock c.lock sh -c \"echo $((n+1)) > c\" ) & done\nfor j in $(jobs -p); do wait $j || exit; done\n", []string{"KL002 1"}},
		{"krun append pipe", "for i in 1 2 3; do gen $i | krun append log & done\nfor j in $(jobs -p); do wait $j || exit; done\n", nil},
		{"mktemp in the main shell is one file", "t=$(mktemp)\nfor f in *; do a \"$f\" > \"$t\" & wait -n || exit; done\n", []string{"KL005 2"}},
		{"mktemp in the loop is one per job", "for f in *; do t=$(mktemp); a \"$f\" > \"$t\" & wait -n || exit; done\n", nil},
		{"/dev/null is no file", "for f in *; do a \"$f\" > /dev/null 2>&1 & wait -n || exit; done\n", nil},
		{"fd 200 is a lock descriptor", "for f in *; do ( flock 200; a \"$f\" >> log ) 200>>log.lock & wait -n || exit; done\n", nil},
		{"function argument", "work() { a \"$1\" > \"$1.out\"; }\nfor f in *; do work \"$f\" & wait -n || exit; done\n", nil},
		{"function without the argument", "work() { a \"$1\" > out; }\nfor f in *; do work \"$f\" & wait -n || exit; done\n", []string{"KL001 1"}},
		{"recursion is not followed forever", "f() { f & wait $! || exit; }\nf\n", nil},
		{"library function: the caller waits", "start() { server > server.log & }\n", nil},
		{"library function loops are still checked", "start() { for f in *; do a > \"$f.o\" & done; }\n", []string{"KL003 1"}},
		{"uncalled function shares a file", "start() { for f in *; do a >> log & done; wait -n || exit; }\n", []string{"KL001 1", "KL003 1"}},
		{"jobs in a command substitution", "x=$(for f in *; do cat \"$f\" & done; wait)\n", []string{"KL003 1", "KL004 1"}},
		{"output mixed into a pipe goes to code", "{ for h in a b c; do ping -c1 $h & done; wait $(jobs -p) || exit; } | grep -c ttl\n", nil},
		{"output mixed on the terminal", "for h in a b c; do ping -c1 $h & done\nwait $(jobs -p) || exit\n", []string{"KL006 1"}},
		{"output mixed on /dev/tty", "for h in a b c; do ( ping -c1 $h > /dev/tty ) & done\nwait $(jobs -p) || exit\n", []string{"KL006 1"}},
		{"a lock of the script does not separate its jobs", "exec 9>l\nflock -n 9 || exit 1\nfor f in *; do a \"$f\" >> log & wait -n || exit; done\n", []string{"KL001 3"}},
		{"a lock of the job around nested jobs does not separate them", "( flock 9; a >> log & b >> log & wait $(jobs -p) || exit ) 9>l &\nwait $! || exit\n", []string{"KL001 1", "KL001 1"}},
		{"ungrouped parallel mixes", "parallel -u cat ::: *\n", []string{"KL006 1"}},
		{"xargs -P with a producer", "xargs -P4 -n1 curl -s < urls\n", []string{"KL006 1"}},
		{"xargs -P 0", "xargs -P 0 -n1 gzip < files\n", []string{"KL003 1"}},
		{"sed -i in copies", "for k in *; do sed -i s/a/b/ conf & wait -n || exit; done\n", []string{"KL002 1"}},
		{"touch alone is harmless", "for f in *; do touch done.flag & wait -n || exit; done\n", nil},
		{"test then touch is a lock by hand", "for f in *; do ( [ -e l ] || touch l; w \"$f\" > \"$f.o\" ) & wait -n || exit; done\n", []string{"KL002 1"}},
		{"until mkdir lock", "for f in *; do ( until mkdir l.d; do sleep 1; done; n=$(cat c); echo $n > c; rmdir l.d ) & wait -n || exit; done\n", nil},
		{"mkdir -p is no lock", "for f in *; do ( until mkdir -p l.d; do sleep 1; done; n=$(cat c); echo $n > c ) & wait -n || exit; done\n", []string{"KL002 1"}},
		{"if mkdir then", "for f in *; do ( if mkdir l.d; then n=$(cat c); echo $n > c; rmdir l.d; fi ) & wait -n || exit; done\n", nil},
		{"if ! mkdir then exit", "for f in *; do ( if ! mkdir l.d; then exit 1; fi; n=$(cat c); echo $n > c ) & wait -n || exit; done\n", nil},
		{"sh -c with positional", "for f in *; do sh -c 'a \"$1\" > \"$1.o\"' _ \"$f\" & wait -n || exit; done\n", nil},
		{"sh -c with a shared file", "for f in *; do sh -c 'a \"$1\" >> log' _ \"$f\" & wait -n || exit; done\n", []string{"KL001 1"}},
		{"sh -c with an outer variable", "for f in *; do sh -c \"a $f > $f.o\" & wait -n || exit; done\n", nil},
		{"literal eval is followed", "for f in *; do eval 'a >> log' & wait -n || exit; done\n", []string{"KL001 1"}},
		{"dynamic path is a note", "for f in *; do a \"$f\" >> \"$(date +%F).log\" & wait -n || exit; done\n", []string{"KL001 1"}},
		{"a value the script computes once is shared", "LOG=$(date +%F).log\nfor f in *; do a \"$f\" >> \"$LOG\" & wait -n || exit; done\n", []string{"KL001 2"}},
		{"cd to a computed directory first", "cd \"$(dirname \"$0\")\" || exit\nfor f in *; do a \"$f\" >> all.log & wait -n || exit; done\n", []string{"KL001 2"}},
		{"read once", "read -r out < name.txt\nfor f in *; do a \"$f\" >> \"$out\" & wait -n || exit; done\n", []string{"KL001 2"}},
		{"computed in the loop: cannot tell", "for f in *; do out=$(date +%s).log; a \"$f\" >> \"$out\" & wait -n || exit; done\n", []string{"KL001 1"}},
		{"TMPDIR default", "for f in *; do a \"$f\" > \"${TMPDIR:-/tmp}/x\" & wait -n || exit; done\n", []string{"KL005 1"}},
		{"$$ is one pid", "for f in *; do a \"$f\" > /var/tmp/x.$$ & wait -n || exit; done\n", []string{"KL005 1"}},
		{"$BASHPID is per job", "for f in *; do ( a \"$f\" > /tmp/x.$BASHPID ) & wait -n || exit; done\n", nil},
		{"while read with shift-free positional", "while read -r l; do a \"$1\" >> \"$l.o\" & wait -n || exit; done < list\n", nil},
		{"shift makes $1 vary", "while [ $# -gt 0 ]; do a \"$1\" > \"$1.o\" & shift; wait -n || exit; done\n", nil},
		{"getopts loop", "while getopts ab o; do case $o in a) a > x & wait -n || exit;; esac; done\n", []string{"KL001 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, fs := findings(t, tt.src)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
				for _, f := range fs {
					t.Logf("%s: %s: %s", f.Pos(), f.Code, f.Message)
				}
			}
		})
	}
}

func TestSeverities(t *testing.T) {
	t.Parallel()
	_, fs := findings(t, "for f in *; do\n  a \"$f\" >> log &\n  eval \"$CMD\" &\n  b \"$f\" >> \"$(date +%F)\" &\ndone\nwait\n")
	want := map[string]Severity{
		"KL001 2": Error, "KL003 2": Warning, "KL004 2": Warning,
		"KL001 3": Note, "KL003 3": Warning, "KL004 3": Warning,
		"KL001 4": Note, "KL003 4": Warning, "KL004 4": Warning,
	}
	if len(fs) != len(want) {
		t.Errorf("got %d findings, want %d", len(fs), len(want))
	}
	for _, f := range fs {
		key := fmt.Sprintf("%s %d", f.Code, f.Line)
		if sev, ok := want[key]; !ok || sev != f.Severity {
			t.Errorf("%s: severity %v, want %v (known: %v)", key, f.Severity, sev, ok)
		}
	}
}

func TestSuppressions(t *testing.T) {
	t.Parallel()
	src := `# krun-lint disable=KL003
for f in *; do
    a "$f" >> log &   # krun-lint disable=shared-write
done

# krun-lint disable=all
# (the comment may be followed by more comments and blank lines)

for f in *; do
    b "$f" >> log &
done
c >> log &   # krun-lint disable=KL999 is not a code
wait
# krun-lint disable=KL004
`
	got, _ := findings(t, src)
	want := []string{"KL001 12", "KL004 12", "KL004 3"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseError(t *testing.T) {
	t.Parallel()
	_, err := Lint("bad.sh", strings.NewReader("echo ok\nfor x in; do\n  a &\ndone )\n"))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *ParseError", err)
	}
	if pe.File != "bad.sh" || pe.Line != 4 || pe.Col != 6 || pe.Msg == "" {
		t.Errorf("got %+v", pe)
	}
	if want := "bad.sh:4:6: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadError(t *testing.T) {
	t.Parallel()
	_, err := Lint("x.sh", failingReader{})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("got %v", err)
	}
}

func TestFindingsAreSorted(t *testing.T) {
	t.Parallel()
	_, fs := findings(t, "a >> l &\nb >> l &\nc >> l &\nwait\n")
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	if !slices.IsSortedFunc(fs, func(x, y Finding) int {
		if x.Line != y.Line {
			return x.Line - y.Line
		}
		return x.Col - y.Col
	}) {
		t.Errorf("not sorted: %v", fs)
	}
}

func TestFixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, code, want string
	}{
		{"for loop, append", "for i in {1..10}; do\n  gen $i >> all.log &\ndone\nwait\n", "KL001",
			"krun --append all.log gen {} ::: {1..10}"},
		{"quoted variable", "for f in *.log; do\n  gzip -9 \"$f\" &\ndone\nwait\n", "KL003",
			"krun gzip -9 {} ::: *.log   # at most one job per CPU; -j N to choose"},
		{"needs a shell", "for f in *.c; do\n  cc -c \"$f\" -o \"${f%.c}.o\" 2> \"$f.err\" &\ndone\nwait\n", "KL003",
			""},
		{"while read from a file", "while read -r h; do\n  ssh \"$h\" uptime > \"up.$h\" &\ndone < hosts\nwait\n", "KL003",
			`krun 'ssh {} uptime > "up.{}"' :::: hosts   # at most one job per CPU; -j N to choose`},
		{"no in: $@", "for f; do\n  gen \"$f\" > \"$f.out\" &\ndone\nwait\n", "KL004",
			`krun 'gen {} > "{}.out"' ::: "$@"   # exits non-zero when a job fails`},
		{"pid bookkeeping is dropped", "for i in {1..10}; do\n  gen $i >> all.log &\n  pids+=($!)\ndone\nfor p in \"${pids[@]}\"; do wait $p || exit; done\n", "KL001",
			"krun --append all.log gen {} ::: {1..10}"},
		{"a truncating shared write", "for i in {1..10}; do\n  gen $i > all.log &\ndone\nwait\n", "KL001",
			"krun gen {} ::: {1..10} > all.log"},
		{"other work in the loop", "for i in {1..10}; do\n  echo start\n  gen $i >> all.log &\ndone\nwait\n", "KL001",
			"gen $i | krun append all.log &"},
		{"another variable", "for i in {1..10}; do\n  gen $i \"$OPT\" >> all.log &\ndone\nwait\n", "KL001",
			"gen $i \"$OPT\" | krun append all.log &"},
		{"mktemp", "for f in *; do\n  a \"$f\" > /tmp/x &\ndone\nwait\n", "KL005",
			`give each job its own file: tmp=$(mktemp) inside the job, and rm -f "$tmp" when it is done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, fs := findings(t, tt.src)
			for _, f := range fs {
				if string(f.Code) != tt.code {
					continue
				}
				if tt.want == "" {
					if strings.HasPrefix(f.Fix, "krun ") && strings.Contains(f.Fix, ":::") {
						// A template with quotes and ${f%.c}: must be quoted.
						if !strings.Contains(f.Fix, "'") {
							t.Errorf("unquoted template: %s", f.Fix)
						}
					}
					return
				}
				if f.Fix != tt.want {
					t.Errorf("fix\n got: %s\nwant: %s", f.Fix, tt.want)
				}
				return
			}
			t.Errorf("no %s finding", tt.code)
		})
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i, c := range Codes() {
		if want := fmt.Sprintf("KL%03d", i+1); string(c) != want {
			t.Errorf("code %d is %s, want %s: codes are never renumbered", i, c, want)
		}
		if c.Name() == "" || c.Summary() == "" || seen[c.Name()] {
			t.Errorf("%s: name %q, summary %q", c, c.Name(), c.Summary())
		}
		seen[c.Name()] = true
		for _, s := range []string{string(c), c.Name(), strings.ToLower(string(c)), strings.ToUpper(c.Name())} {
			if got, ok := ParseCode(s); !ok || got != c {
				t.Errorf("ParseCode(%q) = %q, %v", s, got, ok)
			}
		}
	}
	if _, ok := ParseCode("KL999"); ok {
		t.Error("ParseCode accepted KL999")
	}
	if Code("KL999").Name() != "" {
		t.Error("an unknown code has a name")
	}
}
