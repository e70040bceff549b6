package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/quoting"
	"github.com/krun-dev/krun/runner"
)

// Files travel with rsync when both ends have it (one rsync per job and
// direction), else through ssh with cat, one file per round trip. Either
// way they go through the host's control connection. A relative name is
// relative to krun's directory here and to the job's working directory
// there, subdirectories kept (foo/bar.txt arrives as DIR/foo/bar.txt); an
// absolute name is the same path on both machines.

// sendScript receives a file on the host: $1 the working directory, $2
// the file's name, $3 its mode; the data on standard input.
const sendScript = `d=$1 f=$2
if [ -n "$d" ]; then mkdir -p -- "$d" && cd -- "$d" || exit 1; fi
case $f in */*) mkdir -p -- "${f%/*}" || exit 1;; esac
cat > "$f" && chmod -- "$3" "$f"`

// fetchScript sends a file from the host: $1 the working directory, $2
// the file's name.
const fetchScript = `if [ -n "$1" ]; then cd -- "$1" || exit 1; fi
exec cat < "$2"`

// removeScript removes files from the host: $1 the working directory,
// $2 "yes" to remove it whole (a private one), else the files after $2.
const removeScript = `d=$1 all=$2
shift 2
if [ "$all" = yes ]; then rm -rf -- "$d"; exit 0; fi
if [ -n "$d" ]; then cd -- "$d" || exit 0; fi
rm -f -- "$@"
exit 0`

// expand expands file name templates for job, dropping empty names.
func expand(tmpls []*runner.Template, job *runner.Job, host string) []string {
	var names []string
	for _, t := range tmpls {
		name, err := t.Expand(runner.Args{Fields: job.Args, Seq: job.Seq, Slot: job.Slot, Host: host})
		if err == nil && name != "" {
			names = append(names, name)
		}
	}
	return names
}

// send sends the base files before the host's first job, then the job's
// --transferfile files.
func (p *placement) send(ctx context.Context, job *runner.Job) error {
	h := p.host
	if len(h.set.opt.Basefiles) > 0 {
		h.connMu.Lock()
		var err error
		if !h.basesSent {
			if err = p.copyTo(ctx, h.baseDir(), h.set.opt.Basefiles); err == nil {
				h.basesSent = true
			}
		}
		h.connMu.Unlock()
		if err != nil {
			return fmt.Errorf("--basefile: %w", err)
		}
	}
	files := expand(h.set.opt.Transfer, job, h.name)
	if len(files) == 0 {
		return nil
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("--transferfile: %w", err)
		}
	}
	p.sent = files
	if err := p.copyTo(ctx, p.dir, files); err != nil {
		return fmt.Errorf("--transferfile: %w", err)
	}
	return nil
}

// copyTo sends files to dir on the host.
func (p *placement) copyTo(ctx context.Context, dir string, files []string) error {
	if p.useRsync() {
		var rel, abs []string
		for _, f := range files {
			if filepath.IsAbs(f) {
				abs = append(abs, f)
			} else {
				rel = append(rel, "./"+f) // never read as an option
			}
		}
		if len(rel) > 0 {
			args := append(rel, p.remotePath(dir, "")+"/")
			if dir != "" {
				// The directory is made by the command that starts rsync
				// there: no round trip of its own.
				args = append([]string{"--rsync-path=mkdir -p -- " + quoting.Quote(dir) + " && rsync"}, args...)
			}
			if err := p.rsync(ctx, args...); err != nil {
				return err
			}
		}
		if len(abs) > 0 {
			return p.rsync(ctx, append(abs, p.remotePath("/", ""))...)
		}
		return nil
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return err
		}
		in, err := os.Open(f)
		if err != nil {
			return err
		}
		err = p.ssh(ctx, in, nil, sendScript, dir, f, fmt.Sprintf("%o", fi.Mode().Perm()))
		in.Close()
		if err != nil {
			return fmt.Errorf("send %s: %w", f, err)
		}
	}
	return nil
}

// fetch brings back the job's --return files.
func (p *placement) fetch(ctx context.Context, job *runner.Job) error {
	files := expand(p.host.set.opt.Return, job, p.host.name)
	if len(files) == 0 {
		return nil
	}
	p.returned = files
	if p.useRsync() {
		var rel, abs []string
		for _, f := range files {
			if filepath.IsAbs(f) {
				abs = append(abs, p.remotePath("/./"+strings.TrimLeft(f, "/"), ""))
			} else {
				// dir/./name: -R keeps the path after the ./ here.
				rel = append(rel, p.remotePath(p.dir, "./"+f))
			}
		}
		if len(rel) > 0 {
			if err := p.rsync(ctx, append(rel, ".")...); err != nil {
				return fmt.Errorf("--return: %w", err)
			}
		}
		if len(abs) > 0 {
			if err := p.rsync(ctx, append(abs, "/")...); err != nil {
				return fmt.Errorf("--return: %w", err)
			}
		}
		return nil
	}
	for _, f := range files {
		if dir := filepath.Dir(f); dir != "." {
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return fmt.Errorf("--return: %w", err)
			}
		}
		out, err := outfile.OpenNow(f, outfile.Truncate)
		if err != nil {
			return fmt.Errorf("--return: %w", err)
		}
		err = p.ssh(ctx, nil, out, fetchScript, p.dir, f)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("--return %s: %w", f, err)
		}
	}
	return nil
}

// cleanup removes the job's files from the host (--cleanup) and its
// private working directory.
func (p *placement) cleanup(ctx context.Context, job *runner.Job) error {
	opt := p.host.set.opt
	private := opt.Workdir == TempWorkdir
	var files []string
	if opt.Cleanup {
		files = append(append(files, p.sent...), p.returned...)
	}
	if len(files) == 0 && !private {
		return nil
	}
	all := "no"
	if private {
		all = "yes"
	}
	if err := p.ssh(ctx, nil, nil, removeScript, append([]string{p.dir, all}, files...)...); err != nil {
		return fmt.Errorf("--cleanup: %w", err)
	}
	return nil
}

// removeBasefiles removes the base files from the host (--cleanup).
func (h *host) removeBasefiles(ctx context.Context, c *conn) error {
	p := &placement{host: h, conn: c}
	return p.ssh(ctx, nil, nil, removeScript, append([]string{h.baseDir(), "no"}, h.set.opt.Basefiles...)...)
}

// baseDir is where the base files go: the working directory, or the
// login directory when each job has a private one.
func (h *host) baseDir() string {
	if h.set.opt.Workdir == TempWorkdir {
		return ""
	}
	return h.set.opt.Workdir
}

// useRsync reports whether files travel with rsync: both ends have it.
func (p *placement) useRsync() bool { return p.host.set.rsync && p.conn.rsync }

// remotePath is rsync's name of path on the host, below dir unless
// absolute.
func (p *placement) remotePath(dir, path string) string {
	switch {
	case path == "":
		path = dir
	case dir != "" && !filepath.IsAbs(path):
		path = strings.TrimSuffix(dir, "/") + "/" + path
	}
	if path == "" {
		path = "."
	}
	dest := p.host.login.Dest
	if at := strings.LastIndexByte(dest, '@'); strings.Contains(dest[at+1:], ":") {
		dest = dest[:at+1] + "[" + dest[at+1:] + "]" // IPv6: rsync's [addr]:path
	}
	return dest + ":" + path
}

// rsync runs rsync with args through the host's control connection.
// -s (--protect-args) keeps the host's shell away from the names.
func (p *placement) rsync(ctx context.Context, args ...string) error {
	s, h := p.host.set, p.host
	words := append([]string{s.ssh[0]}, sshOptions(s.ssh, h.login, p.conn.socket, "no")...)
	for i, w := range words {
		if strings.ContainsAny(w, " \t'\"\\") {
			words[i] = quoting.Quote(w)
		}
	}
	argv := []string{"-sR", "-e", strings.Join(words, " ")}
	for len(args) > 0 && strings.HasPrefix(args[0], "--rsync-path=") {
		argv, args = append(argv, args[0]), args[1:]
	}
	argv = append(append(argv, "--"), args...)
	return run(ctx, exec.CommandContext(ctx, "rsync", argv...), nil, nil)
}

// ssh runs script with sh on the host, with its arguments, standard input
// in and standard output out (nil: none).
func (p *placement) ssh(ctx context.Context, in io.Reader, out io.Writer, script string, args ...string) error {
	s, h := p.host.set, p.host
	argv := append(sshArgs(s.ssh, h.login, p.conn.socket, "no"), shellScript(script, args...))
	return run(ctx, exec.CommandContext(ctx, s.ssh[0], argv...), in, out)
}

// run runs cmd and returns its error with the last line it wrote to
// stderr.
func run(ctx context.Context, cmd *exec.Cmd, in io.Reader, out io.Writer) error {
	cmd.Stdin, cmd.Stdout = in, out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if msg := strings.TrimSpace(lines[len(lines)-1]); msg != "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
}
