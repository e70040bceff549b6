package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// snapshotDir describes every file under dir: name, kind, mode, size and
// content hash, so that any change shows.
func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		line := fmt.Sprintf("%s %v %d", rel, fi.Mode(), fi.Size())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestRejectedInvocationTouchesNothing: every invocation krun rejects
// exits 255 with one line naming the flag, starts no job and leaves the
// file system exactly as it was: no report truncated, created or replaced.
func TestRejectedInvocationTouchesNothing(t *testing.T) {
	t.Parallel()
	reports := []string{"--joblog", "keep.tsv", "--events", "ev.jsonl", "--junit", "report.xml", "--results", "res", "--append-stderr", "err.txt"}
	cases := []struct {
		name   string
		args   []string
		want   string // in the message
		noBase bool   // without the report flags
	}{
		{"the issue's lock-file without append", []string{"--joblog", "keep.tsv", "--events", "ev.jsonl", "--lock-file", "x"}, "--lock-file", true},
		{"lock-file without append", []string{"--append-stderr", "", "--lock-file", "x"}, "--append-stderr: the value is empty", false},
		{"timeout", []string{"--timeout", "bogus"}, "--timeout", false},
		{"halt", []string{"--halt", "sometimes"}, "--halt", false},
		{"retries negative", []string{"--retries", "-1"}, "--retries", false},
		{"retries not a number", []string{"--retries", "abc"}, `--retries: "abc": not a whole number`, false},
		{"max-args 0", []string{"-n", "0"}, "--max-args", false},
		{"max-args not a number", []string{"-n", "x"}, `--max-args: "x": not a whole number`, false},
		{"jobs empty", []string{"-j", ""}, "--jobs: the value is empty", false},
		{"max-procs empty", []string{"-P", ""}, "--max-procs: the value is empty", false},
		{"replace empty", []string{"-I", ""}, "--replace: the value is empty", false},
		{"resume and resume-failed", []string{"--resume", "--resume-failed"}, "--resume and --resume-failed", false},
		{"joblog empty", []string{"--joblog", ""}, "--joblog: the value is empty", false},
		{"events empty", []string{"--events", ""}, "--events: the value is empty", false},
		{"junit empty", []string{"--junit", ""}, "--junit: the value is empty", false},
		{"results empty", []string{"--results", ""}, "--results: the value is empty", false},
		{"append empty", []string{"--append", ""}, "--append: the value is empty", false},
		{"append-stderr empty", []string{"--append-stderr", ""}, "--append-stderr: the value is empty", false},
		{"shell empty", []string{"--shell", ""}, "--shell: the value is empty", false},
		{"arg-file empty", []string{"-a", ""}, "--arg-file", false},
		{"junit in a missing directory", []string{"--junit", "nodir/r.xml"}, "--junit", false},
		{"lock-file is a directory", []string{"--append", "out.txt", "--lock-file", "adir"}, "--lock-file: adir is a directory", false},
		{"joblog is a directory", []string{"--joblog", "adir", "--junit", "report.xml"}, "--joblog: adir is a directory", false},
		{"unknown shell", []string{"--shell", "./fish"}, "--shell", false},
		{"breaker", []string{"--breaker", "fail=200%"}, "--breaker", false},
		{"output modes", []string{"--line-buffer", "--ungroup"}, "output modes", false},
		// Checked before the joblog and events are opened (truncated).
		{"events is a directory", []string{"--events", "adir"}, "--events: adir is a directory", false},
		{"append is a directory", []string{"--append", "adir"}, "--append: adir is a directory", false},
		{"results is a file", []string{"--results", "out.txt"}, "--results: out.txt is not a directory", false},
		{"resume from a device", []string{"--joblog", "/dev/null", "--resume"}, "--joblog: /dev/null is not a regular file", false},
		{"GNU spellings: --jl empty", []string{"--jl", ""}, "--joblog: the value is empty", false},
		{"GNU spellings: --lb with -u", []string{"--lb", "-u"}, "output modes", false},
		{"GNU spellings: --halt-on-error", []string{"--halt-on-error", "x"}, "--halt", false},
		{"color value", []string{"--color=sometimes"}, "--color", false},
		{"trim value", []string{"--trim", "x"}, "--trim", false},
		{"jobs file with a bad value", []string{"-j", "keep.tsv"}, "--jobs: -j file keep.tsv", false},
		{"joblog + alone", []string{"--joblog", "+"}, "--joblog: the value is empty", false},
		{"perl expression", []string{"--tagstring", "{= $_ =}"}, "Perl", false},
		{"xargs -l N", []string{"-l", "2"}, "-l 2: GNU parallel takes", false},
		{"xargs -i WORD", []string{"-i", "touch"}, "-i touch: GNU parallel takes", false},
		{"xargs -L 0", []string{"-L", "0"}, "--lines", false},
		{"xargs -L with -n", []string{"-L", "2", "-n", "2"}, "-L (--lines) and -n", false},
		{"xargs -s too small", []string{"-s", "1"}, "--max-chars", false},
		{"xargs slot variable", []string{"--process-slot-var", "A-B"}, "--process-slot-var", false},
	}
	// $PARALLEL holds options read before the command line: the same
	// rules, and its own.
	parallelEnv := map[string]struct{ value, want string }{
		"$PARALLEL with a command":      {"-j2 touch", `$PARALLEL: "touch" is not an option`},
		"$PARALLEL with a $VAR":         {"-j $N", "$PARALLEL: column 4"},
		"$PARALLEL with a bad value":    {"--halt sometimes", "--halt"},
		"$PARALLEL with an empty value": {"--lock-file ''", "--lock-file: the value is empty"},
		"$PARALLEL ending the options":  {"-k --", `$PARALLEL: "--"`},
	}
	for name, pe := range parallelEnv {
		cases = append(cases, struct {
			name   string
			args   []string
			want   string
			noBase bool
		}{name, nil, pe.want, false})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, content := range map[string]string{"keep.tsv": "Seq\tHost\n1\t:\n", "ev.jsonl": "{}\n", "report.xml": "<old/>\n", "out.txt": "before\n", "err.txt": "before\n"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/bin/sh", filepath.Join(dir, "fish")); err != nil {
				t.Fatal(err)
			}
			before := snapshotDir(t, dir)
			args := append([]string{}, tc.args...)
			if !tc.noBase {
				args = append(append([]string{}, reports...), tc.args...)
			}
			// The flags after the reports win where they repeat one.
			args = append(args, "touch", "ran-{}", ":::", "a")
			var env []string
			if pe, ok := parallelEnv[tc.name]; ok {
				env = []string{"PARALLEL=" + pe.value}
			}
			res := runReportKrunEnv(t, dir, nil, env, args...)
			if res.code != exitUsage {
				t.Errorf("exit status %d, want %d; stderr: %s", res.code, exitUsage, res.stderr)
			}
			if !strings.HasPrefix(res.stderr, "krun: error: ") || strings.Count(res.stderr, "\n") != 1 || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q: want one line starting \"krun: error: \" naming %q", res.stderr, tc.want)
			}
			if after := snapshotDir(t, dir); after != before {
				t.Errorf("the rejected invocation changed files:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}
