// Package lockfile decides who may write: advisory file locks that exclude
// both other processes and other goroutines of this process, an appender
// that adds one contiguous block to a shared file under such a lock, and a
// counting semaphore made of slot lock files in a private per-user
// directory.
//
// Every lock is a flock(2) lock taken through github.com/gofrs/flock, so it
// interoperates with flock(1) and with scripts that lock the same file,
// and the kernel drops it when its holder dies: a process killed with
// kill -9 never leaves a stale lock behind. Locks are advisory: they
// exclude only writers that take them too.
//
// Every wait takes a [context.Context] and ends when the context is done;
// waits poll the kernel lock every few milliseconds, so that no waiter is
// stuck in a blocking system call. Waiters are not served in any order.
//
// The package supports Unix systems; krun is tested on Linux and macOS.
// On Linux, flock(2) locks on NFS are emulated with fcntl(2) byte-range
// locks and so exclude NFS clients too; on systems where gofrs/flock uses
// fcntl(2) itself (AIX, Solaris, illumos), closing any descriptor of a
// file drops all of this process's locks on it.
package lockfile
