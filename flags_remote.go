package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/remote"
	"github.com/krun-dev/krun/runner"
)

// remoteFlags are the flags that run jobs on other machines over ssh
// (-S and its companions, GNU parallel's names).
type remoteFlags struct {
	sshLogins     []string
	sshLoginFiles []string
	ssh           string
	workdir       string
	env           []string
	transferFiles []string
	transfer      bool
	returnFiles   []string
	cleanup       bool
	trc           []string
	basefiles     []string
	controlMaster bool
}

// remoteSpellings are GNU parallel's other names for the remote flags.
var remoteSpellings = map[string]string{
	"slf": "sshloginfile",
	"tf":  "transferfile",
	"wd":  "workdir",
	"bf":  "basefile",
}

func init() { maps.Copy(gnuSpellings, remoteSpellings) }

// register defines the remote flags on fs.
func (f *remoteFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.sshLogins, "sshlogin", "S", nil, "run jobs on `[N/]LOGIN[:PORT]` over ssh (repeatable, or comma-separated; : is this machine; N jobs at once there, default its CPU count)")
	fs.StringArrayVar(&f.sshLoginFiles, "sshloginfile", nil, "read -S logins from `FILE`, one a line (# comments)")
	fs.StringVar(&f.ssh, "ssh", "", "run ssh as `CMD`: the program and its options, split at spaces (default: $PARALLEL_SSH, else ssh)")
	fs.StringVar(&f.workdir, "workdir", "", "run remote jobs in `DIR` on the host, relative to the login directory; ... is a new directory for each job, removed after it")
	fs.StringArrayVar(&f.env, "env", nil, "export the variable `NAME` (its value here) to the remote jobs (repeatable)")
	fs.StringArrayVar(&f.transferFiles, "transferfile", nil, "send `FILE` (replacement strings allowed, e.g. {}) to the host before each remote job (repeatable)")
	fs.BoolVar(&f.transfer, "transfer", false, "same as --transferfile {}")
	fs.StringArrayVar(&f.returnFiles, "return", nil, "bring `FILE` (replacement strings allowed, e.g. {}.out) back from the host after each remote job (repeatable)")
	fs.BoolVar(&f.cleanup, "cleanup", false, "remove from the host, after each remote job, the files sent and brought back")
	fs.StringArrayVar(&f.trc, "trc", nil, "same as --transferfile {} --return `FILE` --cleanup")
	fs.BoolVarP(&f.controlMaster, "controlmaster", "M", false, "GNU parallel's switch to share one ssh connection per host: accepted, krun always does")
	fs.StringArrayVar(&f.basefiles, "basefile", nil, "send `FILE` to each host once, before its first job (repeatable; removed at the end with --cleanup)")
}

// enabled reports whether jobs run on hosts given by -S or --sshloginfile.
func (f *remoteFlags) enabled() bool { return len(f.sshLogins) > 0 || len(f.sshLoginFiles) > 0 }

// validate checks the remote flags, with no I/O: the files they name are
// read by openHosts.
func (f *remoteFlags) validate() error {
	if !f.enabled() {
		for _, name := range []struct {
			name string
			set  bool
		}{
			{"workdir", f.workdir != ""}, {"env", len(f.env) > 0}, {"transferfile", len(f.transferFiles) > 0},
			{"transfer", f.transfer}, {"return", len(f.returnFiles) > 0}, {"cleanup", f.cleanup},
			{"trc", len(f.trc) > 0}, {"basefile", len(f.basefiles) > 0}, {"ssh", f.ssh != ""},
		} {
			if name.set {
				return fmt.Errorf("--%s works with remote hosts: give -S LOGIN or --sshloginfile FILE", name.name)
			}
		}
		return nil
	}
	for _, l := range f.sshLogins {
		if _, err := remote.ParseLogins(l); err != nil {
			return fmt.Errorf("--sshlogin: %w", err)
		}
	}
	for _, name := range f.env {
		if !envName().MatchString(name) {
			return fmt.Errorf("--env: %q is not a variable name", name)
		}
	}
	for _, list := range []struct {
		name  string
		files []string
	}{{"transferfile", f.transferFiles}, {"return", f.returnFiles}, {"trc", f.trc}, {"basefile", f.basefiles}} {
		for _, file := range list.files {
			if file == "" {
				return fmt.Errorf("--%s: the file name is empty", list.name)
			}
		}
	}
	return nil
}

// logins reads the hosts of -S and --sshloginfile.
func (f *remoteFlags) logins() ([]remote.Login, error) {
	var logins []remote.Login
	for _, s := range f.sshLogins {
		ls, err := remote.ParseLogins(s)
		if err != nil {
			return nil, fmt.Errorf("--sshlogin: %w", err)
		}
		logins = append(logins, ls...)
	}
	for _, file := range f.sshLoginFiles {
		ls, err := remote.ReadLoginFile(file)
		if err != nil {
			return nil, fmt.Errorf("--sshloginfile: %w", err)
		}
		logins = append(logins, ls...)
	}
	return logins, nil
}

// sshCommand is the ssh command as words: --ssh, else $PARALLEL_SSH, else
// ssh.
func (f *remoteFlags) sshCommand(getenv func(string) string) ([]string, error) {
	cmd, from := f.ssh, "--ssh"
	if cmd == "" {
		cmd, from = getenv("PARALLEL_SSH"), "PARALLEL_SSH"
	}
	if cmd == "" {
		return []string{"ssh"}, nil
	}
	words := strings.Fields(cmd)
	if len(words) == 0 {
		return nil, fmt.Errorf("%s: the command is empty", from)
	}
	return words, nil
}

// openHosts connects to the hosts of -S, nil without it (or with
// --dry-run, which connects to nothing). msg writes krun's lines.
func (o *options) openHosts(ctx context.Context, shell string, msg func(string)) (*remote.Set, error) {
	f := &o.remoteFlags
	if !f.enabled() || o.dryRun {
		return nil, nil
	}
	logins, err := f.logins()
	if err != nil {
		return nil, err
	}
	for _, b := range f.basefiles {
		if _, err := os.Stat(b); err != nil {
			return nil, fmt.Errorf("--basefile: %w", err)
		}
	}
	sshCmd, err := f.sshCommand(os.Getenv)
	if err != nil {
		return nil, err
	}
	opt := remote.Options{
		Logins: logins, SSH: sshCmd, Shell: filepath.Base(shell), Workdir: f.workdir, Env: f.env,
		Cleanup: f.cleanup || len(f.trc) > 0, Basefiles: f.basefiles, Message: msg, TmpDir: o.tmpDir,
	}
	opt.LocalCPUs = runtime.NumCPU()
	if o.jobs != "" {
		// -j sets the slots of each host without N/, from its CPU count.
		opt.LocalCPUs, _ = runner.ParseJobs(o.jobs, runtime.NumCPU())
		opt.SlotsFor = func(cpus int) int {
			n, err := runner.ParseJobs(o.jobs, cpus)
			if err != nil || n <= 0 {
				return cpus
			}
			return n
		}
	}
	transfers := f.transferFiles
	if f.transfer || len(f.trc) > 0 {
		transfers = append(transfers, "{}")
	}
	parse := func(name, text string) (*runner.Template, error) {
		t, err := runner.ParseTemplate([]string{text}, runner.TemplateOptions{Replace: o.replace, Literal: true})
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
		return t, nil
	}
	for _, t := range transfers {
		tmpl, err := parse("transferfile", t)
		if err != nil {
			return nil, err
		}
		opt.Transfer = append(opt.Transfer, tmpl)
	}
	for _, t := range append(append([]string(nil), f.returnFiles...), f.trc...) {
		tmpl, err := parse("return", t)
		if err != nil {
			return nil, err
		}
		opt.Return = append(opt.Return, tmpl)
	}
	if opt.LocalCPUs <= 0 {
		opt.LocalCPUs = runtime.NumCPU()
	}
	set, err := remote.Open(ctx, opt)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("-S: %w", err)
	}
	return set, nil
}

// connectHosts opens the hosts of -S (see openHosts) and sets the run's
// configuration for them: the hosts place the jobs, and the job limit is
// their slots. It returns the function that closes them (a no-op without
// hosts), and for an error, the one runJobs returns: 128+N after a
// signal, else exit status 255.
func (o *options) connectHosts(intr *interrupts, shell string, msg func(string), stderr io.Writer, cfg *runner.Config, jobs *int, jobsFile **runner.JobsFile) (func(), error) {
	hosts, err := o.openHosts(intr.ctx, shell, msg)
	if sig := intr.signal(); sig != nil {
		return func() {}, &exitError{code: signalCode(sig)}
	}
	if err != nil {
		return func() {}, usageError(err)
	}
	if hosts == nil {
		return func() {}, nil
	}
	cfg.Hosts = hosts
	*jobs, *jobsFile = hosts.Slots(), nil
	return func() {
		if err := hosts.Close(intr.fresh()); err != nil {
			fmt.Fprintln(stderr, "krun: warning: "+err.Error())
		}
	}, nil
}
