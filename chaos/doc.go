// Package chaos is krun's race detector for shell batches ("krun chaos"):
// it runs one batch many times, each time in a fresh copy of the state
// the jobs may change, under different timings (a shuffled start order,
// random start delays, another -j), compares every job's exit status,
// stdout and stderr and the final content of every file in the state with
// a reference run (one job at a time, in input order), and names what it
// can: appends that interleave, updates that get lost.
//
// The batch runs in the krun binary itself, exec'd with the user's run
// arguments plus --results (each job's status and output) and, for the
// reference runs, a hidden --chaos-trace that records the state after
// each job (a [Tracer]). Nothing here prints or exits: [Run] returns a
// [Report], which [Report.WriteText] and [Report.WriteJSON] write.
package chaos
