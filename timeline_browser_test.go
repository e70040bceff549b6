package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// findChromium returns the path of a Chromium, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium runs headless Chromium on the file with args, in a profile of
// its own (other Chromiums may run on the machine), and returns its
// standard output and error.
func chromium(t *testing.T, bin, file string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--enable-logging=stderr", "--v=0", "--user-data-dir=" + t.TempDir(), "--window-size=1200,800"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+file)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleLine is how Chromium logs a message of a page's console
// (console.error, an uncaught exception, a Content-Security-Policy
// violation) with --enable-logging=stderr.
var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

// TestTimelineBrowser loads charts in a real browser, headless Chromium:
// the page logs nothing to the console (no error, no blocked script or
// load), the screenshot shows the bars in their colours, and the DOM of
// a chart of hostile commands holds them as text, not as elements. CI
// must run it (.ci/run installs chromium): without Chromium it fails when
// $CI is set, and is skipped otherwise.
func TestTimelineBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: CI must run the browser test (apt-get install chromium)")
		}
		t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	}
	dir := t.TempDir()

	// The detector works: a page with a script error is caught.
	bad := filepath.Join(dir, "bad.html")
	os.WriteFile(bad, []byte(`<!DOCTYPE html><p>x</p><script>console.error("console-check"); notDefined();</script>`), 0o644)
	if _, stderr := chromium(t, bin, bad, "--dump-dom"); !strings.Contains(strings.Join(consoleLine.FindAllString(stderr, -1), "\n"), "console-check") {
		t.Fatalf("Chromium logged no console message for a page with a script error; its stderr:\n%s", stderr)
	}

	draw := func(in, name string) string {
		out := filepath.Join(dir, name)
		var stdout, stderr bytes.Buffer
		if code := run([]string{"timeline", "--from", in, "-o", out}, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("krun timeline --from %s: exit %d: %s", in, code, stderr.String())
		}
		return out
	}
	for _, tc := range []struct{ in, name string }{
		{"testdata/timeline/breaker.jsonl", "breaker.html"},
		{"testdata/timeline/breaker.jsonl", "breaker.svg"},
		{"testdata/timeline/hosts.tsv", "hosts.html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := draw(tc.in, tc.name)
			shot := filepath.Join(dir, tc.name+".png")
			_, stderr := chromium(t, bin, file, "--screenshot="+shot)
			if msgs := consoleLine.FindAllString(stderr, -1); len(msgs) > 0 {
				t.Errorf("console messages:\n%s", strings.Join(msgs, "\n"))
			}
			img := readPNG(t, shot)
			if img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 800 {
				t.Errorf("screenshot %v, want 1200x800", img.Bounds())
			}
			st := pixelStats(img)
			t.Logf("%d colours, %.1f%% not white, pixels by colour: %v", st.colours, 100*st.inked, st.counts)
			if st.colours < 20 || st.inked < 0.03 {
				t.Errorf("the screenshot looks blank: %d colours, %.1f%% not white", st.colours, 100*st.inked)
			}
			// Bars in the colours of their outcomes, filled (not just
			// their edges): ok, failed; and retried where the run has it.
			for _, c := range []string{"#59a14f", "#e15759"} {
				if st.counts[c] < 200 {
					t.Errorf("%d pixels of %s: the bars were not drawn", st.counts[c], c)
				}
			}
			if strings.HasPrefix(tc.name, "breaker") && st.counts["#edc948"] < 200 {
				t.Errorf("%d pixels of the retried colour", st.counts["#edc948"])
			}
		})
	}

	t.Run("hostile", func(t *testing.T) {
		file := draw("testdata/timeline/hostile.jsonl", "hostile.html")
		dom, stderr := chromium(t, bin, file, "--dump-dom")
		if msgs := consoleLine.FindAllString(stderr, -1); len(msgs) > 0 {
			t.Errorf("console messages:\n%s", strings.Join(msgs, "\n"))
		}
		lower := strings.ToLower(dom)
		for _, el := range []string{"<script", "<svg onload", "<b>"} {
			if strings.Contains(lower, el) {
				t.Errorf("the page's DOM holds %q: a command became markup", el)
			}
		}
		for _, text := range []string{"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", `"&gt;&lt;svg onload=alert(1)&gt;`, "&lt;b&gt;bold&lt;/b&gt;"} {
			if !strings.Contains(dom, text) {
				t.Errorf("the page's DOM does not show %q as text", text)
			}
		}
		page, _ := os.ReadFile(file)
		if got, want := strings.Count(dom, "<rect class="), strings.Count(string(page), "<rect class="); got != want || want == 0 {
			t.Errorf("%d bars in the DOM, %d in the file", got, want)
		}
	})
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

type pixels struct {
	colours int
	inked   float64        // the share of pixels that are not white
	counts  map[string]int // pixels by colour, #rrggbb
}

func pixelStats(img image.Image) pixels {
	counts := map[string]int{}
	b := img.Bounds()
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			counts[fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)]++
			if c.R < 250 || c.G < 250 || c.B < 250 {
				ink++
			}
		}
	}
	p := pixels{colours: len(counts), inked: float64(ink) / float64(b.Dx()*b.Dy()), counts: map[string]int{}}
	for _, c := range []string{"#59a14f", "#e15759", "#edc948"} {
		p.counts[c] = counts[c]
	}
	return p
}
