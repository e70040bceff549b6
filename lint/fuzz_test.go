package lint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzLint checks that the linter never panics and always returns either
// a *ParseError or well-formed findings, the same on every run, whatever
// the script. The seeds are the whole corpus of testdata/lint.
func FuzzLint(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "lint", "*", "*.sh"))
	if len(files) == 0 {
		f.Fatal("no corpus in ../testdata/lint")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "&", "a & b & wait", "f() { f & }; f", "for ((;;)); do x & done",
		"eval \"$x\" &", "coproc { cat; }", "xargs -P", "parallel ::: a", "krun",
		"wait -n -p", "read -u", "exec 3>&-", "cat <<EOF &\n$(a &)\nEOF\n",
		"sh -c 'for i in 1 2; do a >> \"$0\" & done' x &",
		"for i in {1..99999999999999999999}; do a & done",
		"trap 'kill $(' EXIT", "x=$!; wait $x $x $x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// The Go fuzzer does not notice a worker that hangs: a slow
		// input must fail by itself.
		lintWithin(t, string(src), 10*time.Second)
		got, err := Lint("f.sh", bytes.NewReader(src))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, fd := range got {
			if fd.Code.Name() == "" || fd.File != "f.sh" || fd.Message == "" || fd.Fix == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
			if fd.Line < 1 || fd.Line > lines || fd.Col < 1 {
				t.Fatalf("finding at %d:%d in a file of %d lines: %+v", fd.Line, fd.Col, lines, fd)
			}
			if strings.Contains(fd.Message, "\n") {
				t.Fatalf("message on several lines: %q", fd.Message)
			}
		}
		again, _ := Lint("f.sh", bytes.NewReader(src))
		if !slices.Equal(got, again) {
			t.Fatalf("two runs differ:\n%v\n%v", got, again)
		}
	})
}
