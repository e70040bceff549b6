package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// minCorpus is the least number of scripts each half of the lint corpus
// must have, so that losing files cannot make the test pass.
const minCorpus = 25

// expectLine is a racy script's header: "# expect: KL001 12" says the
// script must get a finding KL001 on line 12. A script lists every finding
// it must get, once per finding.
var expectLine = regexp.MustCompile(`^# expect: (KL\d{3}) (\d+)$`)

// TestLintCorpus runs krun lint, the real binary, over every script in
// testdata/lint. Each racy script must get exactly the findings its
// "# expect:" headers list (code and line, as many times as listed) and
// exit 1; each safe script must get no finding, not even a note, and
// exit 0.
func TestLintCorpus(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"racy", "safe"} {
		files, err := filepath.Glob(filepath.Join("testdata", "lint", kind, "*.sh"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < minCorpus {
			t.Fatalf("testdata/lint/%s has %d scripts, want at least %d", kind, len(files), minCorpus)
		}
		for _, file := range files {
			t.Run(kind+"/"+filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				want, err := expectedFindings(file)
				if err != nil {
					t.Fatal(err)
				}
				if kind == "racy" && len(want) == 0 {
					t.Fatal("a racy script without # expect: headers")
				}
				if kind == "safe" && len(want) > 0 {
					t.Fatal("a safe script with # expect: headers")
				}
				got, code, stderr := runLint(t, file)
				if stderr != "" {
					t.Errorf("stderr: %s", stderr)
				}
				wantCode := 0
				if kind == "racy" {
					wantCode = 1
				}
				if code != wantCode {
					t.Errorf("exit status %d, want %d", code, wantCode)
				}
				if !slices.Equal(got, want) {
					t.Errorf("findings (code line)\n got: %v\nwant: %v", got, want)
				}
			})
		}
	}
}

// expectedFindings reads the "# expect: CODE LINE" headers of a script,
// sorted.
func expectedFindings(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var want []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "# expect:") {
			continue
		}
		m := expectLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("malformed header %q", line)
		}
		want = append(want, m[1]+" "+m[2])
	}
	slices.Sort(want)
	return want, nil
}

// runLint runs "krun lint --format json FILE" and returns its findings as
// sorted "CODE LINE" strings, its exit status and its stderr.
func runLint(t *testing.T, file string) ([]string, int, string) {
	t.Helper()
	cmd := exec.Command("krun", "lint", "--format", "json", file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	var got []string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var f struct {
			File     string `json:"file"`
			Line     int    `json:"line"`
			Col      int    `json:"col"`
			Code     string `json:"code"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Fix      string `json:"fix"`
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("not a JSON finding: %q: %v", sc.Text(), err)
		}
		if f.File != file || f.Line < 1 || f.Col < 1 || f.Message == "" || f.Fix == "" || f.Severity == "" {
			t.Errorf("incomplete finding: %s", sc.Text())
		}
		got = append(got, f.Code+" "+strconv.Itoa(f.Line))
	}
	slices.Sort(got)
	return got, code, stderr.String()
}
