package lint

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

var sample = []Finding{{
	Code: SharedWrite, Severity: Error, File: "dir,a:b.sh", Line: 3, Col: 7,
	Message: "100% of the copies\nappend", Fix: "krun --append log gen {} ::: a b",
}, {
	Code: LostFailure, Severity: Warning, File: "x.sh", Line: 1, Col: 1,
	Message: "lost", Fix: "check it",
}, {
	Code: SharedWrite, Severity: Note, File: "x.sh", Line: 2, Col: 1,
	Message: "cannot tell", Fix: "look",
}}

func TestWriteText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Write(&b, FormatText, sample); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 6 { // a finding and its fix per finding
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	if want := "dir,a:b.sh:3:7: error: 100% of the copies; append [KL001 shared-write]"; lines[0] != want {
		t.Errorf("got %q", lines[0])
	}
	if lines[1] != "\tfix: krun --append log gen {} ::: a b" {
		t.Errorf("fix line %q", lines[1])
	}
	if lines[5] != "\tfix: look" || lines[4] != "x.sh:2:1: note: cannot tell [KL001 shared-write]" {
		t.Errorf("note %q %q", lines[4], lines[5])
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Write(&b, FormatJSON, sample); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(sample) {
		t.Fatalf("got %d lines, want one per finding:\n%s", len(lines), b.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"file": "dir,a:b.sh", "line": 3.0, "col": 7.0, "code": "KL001", "name": "shared-write",
		"severity": "error", "message": "100% of the copies\nappend", "fix": "krun --append log gen {} ::: a b",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v", got)
	}
}

func TestWriteGitHub(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Write(&b, FormatGitHub, sample); err != nil {
		t.Fatal(err)
	}
	want := "::error file=dir%2Ca%3Ab.sh,line=3,col=7,title=krun lint KL001 shared-write::100%25 of the copies%0Aappend Fix: krun --append log gen {} ::: a b\n" +
		"::warning file=x.sh,line=1,col=1,title=krun lint KL004 lost-failure::lost Fix: check it\n" +
		"::notice file=x.sh,line=2,col=1,title=krun lint KL001 shared-write::cannot tell Fix: look\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"text", "json", "github"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("sarif"); err == nil {
		t.Error("ParseFormat accepted sarif")
	}
}

// ExampleLint lints the loop from krun's README.
func ExampleLint() {
	script := `for i in {1..10}; do
    generate_report.sh $i >> final_report.log &
done
wait
`
	findings, err := Lint("report.sh", strings.NewReader(script))
	if err != nil {
		panic(err)
	}
	Write(os.Stdout, FormatText, findings)
	// Output:
	// report.sh:2:5: warning: the bare wait at line 4 returns 0 whatever the jobs did, so this background job's exit status is lost [KL004 lost-failure]
	// 	fix: krun --append final_report.log generate_report.sh {} ::: {1..10}   # exits non-zero when a job fails
	// report.sh:2:27: error: every copy of this background job appends to final_report.log with no lock held, so their writes interleave [KL001 shared-write]
	// 	fix: krun --append final_report.log generate_report.sh {} ::: {1..10}
}
