package lint

import (
	"strings"
	"testing"
	"time"
)

// lintWithin lints src and fails if that takes longer than d: the
// analysis must stay polynomial whatever the nesting.
func lintWithin(t testing.TB, src string, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		Lint("slow.sh", strings.NewReader(src))
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("Lint took longer than %v on %d bytes starting %.80q", d, len(src), src)
	}
}

func TestPathologicalInputs(t *testing.T) {
	t.Parallel()
	nested := "echo"
	for range 40 {
		nested = "${x:-$(echo " + nested + ")}"
	}
	var funcs strings.Builder
	for i := range 60 {
		// Each function calls the next one twice: 2^60 calls if followed.
		funcs.WriteString("f" + itoa(i) + "() { f" + itoa(i+1) + " >> log & f" + itoa(i+1) + "; }\n")
	}
	funcs.WriteString("for x in *; do f0 & done\n")
	var many strings.Builder
	for range 3000 {
		many.WriteString("a >> log & b > /tmp/x &\n")
	}
	var loops strings.Builder
	for range 200 {
		loops.WriteString("for i in *; do ")
	}
	loops.WriteString("a >> log &")
	for range 200 {
		loops.WriteString("; done")
	}
	var strs strings.Builder
	strs.WriteString("x")
	for range 8 {
		s := strs.String()
		strs.Reset()
		strs.WriteString("sh -c " + quote(s) + " &")
	}
	var writes strings.Builder
	writes.WriteString("f() {\n")
	for i := range 3000 {
		writes.WriteString("  a > f" + itoa(i) + "; cat f" + itoa(i) + "\n")
	}
	writes.WriteString("}\nfor i in *; do f & f & done\n")
	for name, src := range map[string]string{
		"nested substitutions": "for f in *; do a > \"" + nested + "\" & done\n",
		"doubling calls":       funcs.String(),
		"many jobs":            many.String(),
		"deep loops":           loops.String(),
		"nested sh -c":         strs.String(),
		"many files per job":   writes.String(),
		"many braces":          "for i in " + strings.Repeat("{", 5000) + "; do a & done\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// A hang detector, not a speed test: these inputs take about a
			// second; a blow-up (exponential in nesting, or a power of
			// the size) takes hours. The bound is far above what a loaded
			// CI machine makes of a second (20 s fired at load 26).
			lintWithin(t, src, 3*time.Minute)
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
