// Package remote runs krun's jobs on other machines over ssh (krun -S):
// it reads the logins (-S, --sshloginfile), keeps one ssh connection per
// host for the whole run (an OpenSSH ControlMaster whose socket lives in a
// private directory, removed at the end; one more for every 8 jobs at
// once, within sshd's default MaxSessions), asks each host its CPU count,
// places jobs on hosts with a free slot, builds the ssh command line of
// each job, sends and brings back its files, and takes out of rotation a
// host that keeps failing.
//
// A job runs on the host under a small POSIX sh wrapper (script.go) that
// starts it in a session of its own and reads signals on its standard
// input: a signal krun sends to the job (--timeout, --halt, Ctrl-C) goes
// to the job's whole process tree on the host, and when the connection
// breaks, or krun dies, that tree is ended too.
//
// The package implements runner.Hosts. It never writes to the terminal:
// its messages go to the function the caller passes in.
//
// Every value that reaches the host's shell is quoted with quoting.Quote
// (POSIX single quotes): the login shell of the account on the host must
// be a POSIX shell (sh, dash, bash, ksh or zsh).
package remote
