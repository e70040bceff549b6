package remote

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krun-dev/krun/internal/sshtest"
	"github.com/krun-dev/krun/runner"
)

// hostile are values that try every way out of the words they are put
// in, on both shells a remote command crosses.
var hostile = []string{
	"", " ", "a b", "it's", `"q"`, `'q'`, "$(touch pwned)", "`touch pwned`",
	"; touch pwned", "| touch pwned", "&& touch pwned", "*", "?", "[a]", "~", "~root",
	"-n", "--", "a\nb", "a\n", "\n", "x\\", "\\", `\'`, `\"`, "$HOME", "${HOME}",
	"$'\\x41'", "a b; rm -rf ~ $(id) \"q\" 'q' *\n", "\x01\x7f\xff\xfe", "é ü 漢",
	"\r\n", "#", "a#b", "{}", "!", "!!", "if", "a=b", "%s\\n", "'\"'\"'", "`", "$",
	"$(", "\"$(", "'$(", "x`y", "\\`", "exec 1>&-", "'; touch pwned; '", "\"; touch pwned; \"",
	"krun", "$1", "$@", "$c", "$p", "$g", "-", "--help", "\t", "a\x00b"[:1],
}

// remoteLeg runs jobs through the real remote leg: an sshd on this
// machine, the control connection, the login shell and the wrapper.
type remoteLeg struct {
	ssh    []string
	login  Login
	socket string
	conn   *conn
	dir    string // the jobs' working directory root on the "host"
}

func startLeg(t testing.TB) *remoteLeg {
	t.Helper()
	if why := sshtest.Missing(); why != "" {
		if sshtest.InCI() {
			t.Fatalf("needs OpenSSH: %s", why)
		}
		t.Skip(why)
	}
	h, err := sshtest.Start(t.TempDir(), "h1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	l := &remoteLeg{ssh: strings.Fields(h.SSH()), login: Login{Dest: "h1"}, dir: t.TempDir()}
	sockDir, err := controlDir("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	l.socket = filepath.Join(sockDir, "0")
	if l.conn, err = dial(context.Background(), l.ssh, l.login, l.socket); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.conn.close()
		<-l.conn.done
	})
	return l
}

// run runs command with shell on the host, in dir, with env, and returns
// its standard output.
func (l *remoteLeg) run(t testing.TB, dir, shell, command string, env []string) []byte {
	t.Helper()
	args := append(sshArgs(l.ssh, l.login, l.socket, "no"), remoteCommand(dir, shell, command, env))
	cmd := exec.Command(l.ssh[0], args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// The control pipe, held open as krun does: its end of file would
	// end the job.
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer ctlW.Close()
	cmd.Stdin = ctlR
	out, err := cmd.Output()
	ctlR.Close()
	if err != nil {
		t.Fatalf("remote %s -c %q: %v: %s", shell, command, err, stderr.Bytes())
	}
	return out
}

// templates put {} in the shell contexts values most often take, all in
// one command (one round trip per value); want is what printf receives.
var templates = []struct {
	text string
	want func(v string) []string
}{
	{`printf '%s\0' {} "{}" x{}y 'x{}y'`, func(v string) []string { return []string{v, v, "x" + v + "y", "x" + v + "y"} }},
	{`printf '%s\0' "$(printf %s {})" "$V"`, func(v string) []string { return []string{strings.TrimRight(v, "\n"), v} }},
}

// checkRemote sends the values through every template, as exported
// variables (--env) and in the name of the working directory, and checks
// that the jobs on the host receive them byte for byte and that nothing
// else ran. One command per shell carries them all: one round trip.
func checkRemote(t *testing.T, l *remoteLeg, values []string, shells []string) {
	t.Helper()
	var name strings.Builder
	name.WriteString("w")
	for _, v := range values {
		if name.Len() < 150 {
			name.WriteString(strings.NewReplacer("/", "_", "\x00", "").Replace(v))
		}
	}
	dir := filepath.Join(l.dir, name.String())
	for _, shell := range shells {
		// An IFS among the variables must not change the wrapper.
		cmds, want, env := []string(nil), []string(nil), []string{"IFS=TERMKIL -"}
		for i, v := range values {
			if strings.IndexByte(v, 0) >= 0 {
				continue // no command line carries NUL; krun refuses it before
			}
			env = append(env, fmt.Sprintf("V%d=%s", i, v))
			for _, tc := range templates {
				text := strings.ReplaceAll(tc.text, "$V", fmt.Sprintf("$V%d", i))
				tmpl, err := runner.ParseTemplate([]string{text}, runner.TemplateOptions{Shell: shell})
				if err != nil {
					t.Fatal(err)
				}
				cmd, err := tmpl.Expand(runner.Args{Fields: []string{v}, Seq: 1, Slot: 1})
				if err != nil {
					continue // a value krun refuses where it stands: never sent
				}
				cmds = append(cmds, cmd)
				want = append(want, tc.want(v)...)
			}
		}
		out := l.run(t, dir, filepath.Base(shell), strings.Join(cmds, "\n"), env)
		got := strings.Split(string(out), "\x00")
		got = got[:len(got)-1]
		if len(got) != len(want) {
			t.Fatalf("%s on the host: %d words, want %d:\ngot  %q\nwant %q", shell, len(got), len(want), got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s on the host: word %d is %q, want %q", shell, i, got[i], want[i])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatalf("values %q ran code on the host", values)
	}
}

// remoteShells are the shells the jobs' commands are run with on the
// host: sh, and bash where it is installed.
func remoteShells() []string {
	shells := []string{"/bin/sh"}
	if p, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, p)
	}
	return shells
}

// TestRemoteQuoting: hostile values reach the job on the host literally:
// in the command, in an exported variable, in the working directory.
func TestRemoteQuoting(t *testing.T) {
	t.Parallel()
	l := startLeg(t)
	checkRemote(t, l, hostile, remoteShells())
}

// FuzzRemoteQuoting is TestRemoteQuoting for any value: what krun's
// quoting lets through the two shells of the remote leg arrives byte for
// byte. A few seeds run with the tests (TestRemoteQuoting has the rest;
// each value is a round trip):
//
//	go test -run '^$' -fuzz FuzzRemoteQuoting ./remote
func FuzzRemoteQuoting(f *testing.F) {
	for _, v := range []string{"it's", "$(touch pwned)", "a\nb\n", "\x01\xff'\\"} {
		f.Add(v)
	}
	l := startLeg(f)
	f.Fuzz(func(t *testing.T, v string) {
		if len(v) > 4096 || strings.ContainsRune(v, '/') && len(v) > 200 {
			return
		}
		checkRemote(t, l, []string{v}, []string{"/bin/sh"})
	})
}
