// Package lint finds the concurrency mistakes that "&" invites in bash and
// sh scripts: background jobs that append to one file, read-modify-write
// updates of a shared file, loops that start jobs without a cap, exit
// statuses nobody collects, fixed temporary paths shared by jobs, and jobs
// whose output mixes on one terminal. Each finding comes with the krun
// command or the small change that removes the race.
//
// The analysis works on the syntax tree of mvdan.cc/sh/v3/syntax, not on
// regular expressions: it walks the script the way the shell would run it
// (function calls are followed, loops are entered once), keeps track of
// which background jobs may be running at each point, and what files each
// job reads and writes. A path is compared as a word: two literal paths, or
// two words that differ in nothing but a variable that is the same for
// every job, name the same file; a word built from the loop variable names
// a file per job. What cannot be known without running the script (paths
// computed at run time, eval) is never reported as a race; at most it is a
// note, which does not count as a finding for the exit status.
//
// Precision matters more than recall: a script that is safe must not get a
// finding, so every check stays silent when it cannot tell.
package lint
