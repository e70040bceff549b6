package remote

import (
	"fmt"
	"io"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/krun-dev/krun/quoting"
)

// wrapper is the POSIX sh script that runs a job on the host, as
//
//	sh -c WRAPPER krun DIR SHELL COMMAND [NAME=VALUE...]
//
// It enters DIR (made if missing; "" is the login directory) and starts
// "SHELL -c COMMAND" with the variables added to its environment (by env,
// so that none of them, IFS say, changes the wrapper itself), in a session
// of its own (setsid, when the host has it), with standard input from
// /dev/null.
// Meanwhile it reads its own standard input, krun's control pipe: each
// line is a signal name, sent to the job's whole process group; end of
// file (krun closed the pipe, or died, or the connection broke) ends the
// group: TERM, then KILL 2 seconds later. When the job's shell exits, what
// it left in its group is killed, as krun does locally, and the wrapper
// exits with the shell's status. The wrapper's own messages (a shell's
// "Terminated") go to /dev/null; the job's stderr is descriptor 4, the
// session's stderr.
const wrapper = `exec 4>&2 2>/dev/null 3<&0
d=$1 s=$2 c=$3
shift 3
if [ -n "$d" ]; then
	mkdir -p -- "$d"
	cd -- "$d" || { echo "krun: cannot enter $d on $(uname -n)" >&4; exit 1; }
fi
if command -v setsid >/dev/null; then
	setsid env "$@" "$s" -c "$c" </dev/null 2>&4 3<&- 4>&- &
	p=$!; g=-$p
else
	env "$@" "$s" -c "$c" </dev/null 2>&4 3<&- 4>&- &
	p=$!; g=$p
fi
{
	while read -r x; do kill -s "$x" -- "$g"; done
	kill -s TERM -- "$g"; sleep 2; kill -s KILL -- "$g"
} <&3 >/dev/null 4>&- &
w=$!
exec 3<&- 4>&-
wait "$p"; r=$?
kill -s KILL -- "$g"
kill "$w"
exit "$r"`

// remoteCommand is the command line ssh gives the host's login shell
// ($SHELL -c) to run command there with shell (a name, found in the host's
// PATH), in dir, with env exported: every value is quoted once for the
// login shell, and the wrapper passes it on as an argument, never as code.
func remoteCommand(dir, shell, command string, env []string) string {
	var b strings.Builder
	b.Grow(len(wrapper) + len(command) + 64)
	b.WriteString("exec /bin/sh -c ")
	b.WriteString(quoting.Quote(wrapper))
	b.WriteString(" krun ")
	b.WriteString(quoting.Quote(dir))
	b.WriteByte(' ')
	b.WriteString(quoting.Quote(shell))
	b.WriteByte(' ')
	b.WriteString(quoting.Quote(command))
	for _, kv := range env {
		b.WriteByte(' ')
		b.WriteString(quoting.Quote(kv))
	}
	return b.String()
}

// shellScript is the command line that runs script with sh on the host,
// its arguments args ($1, $2...), each quoted for the login shell.
func shellScript(script string, args ...string) string {
	var b strings.Builder
	b.WriteString("exec /bin/sh -c ")
	b.WriteString(quoting.Quote(script))
	b.WriteString(" krun")
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(quoting.Quote(a))
	}
	return b.String()
}

// sendSignal writes the wrapper's message for sig to w: the signal's name.
func sendSignal(w io.Writer, sig syscall.Signal) error {
	name := strings.TrimPrefix(unix.SignalName(sig), "SIG")
	if name == "" {
		return fmt.Errorf("signal %d has no name", int(sig))
	}
	_, err := io.WriteString(w, name+"\n")
	return err
}
