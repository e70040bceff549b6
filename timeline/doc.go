// Package timeline draws the jobs of a run on a time line, to answer
// "where did the time go?" after a long run: one row per job slot (per
// host and slot when jobs ran on several hosts), one bar per try from its
// start to its end, coloured by how it ended (ok, failed, timed out,
// retried, ended by a halt or signal), with hover text for each bar, the
// run's halt and circuit-breaker events as markers, and a header with the
// totals: jobs, failures, wall time, slot utilisation and the five longest
// jobs.
//
// A run is read from krun's --events stream (JSON Lines, see [Read]) or
// from a joblog in GNU parallel's tab-separated format, krun's or GNU
// parallel's own; the format is told from the content. A run being
// recorded live is collected with a [Recorder] instead. [Render] writes
// one self-contained file, SVG or HTML, that loads nothing from elsewhere
// and runs no script. Every text that comes from the input (commands,
// messages, host names) is escaped, so a hostile command is shown, never
// interpreted.
//
// The output is a function of the input alone: the same run gives the
// same bytes, whatever the machine, the time zone or the order in which
// concurrent events were recorded.
//
// Large runs stay small and quick to draw: past a budget of bars
// ([Options].MaxBars), neighbouring bars on a row that are narrower than a
// pixel are merged into one aggregated bar, coloured by the worst outcome
// among them and with a count in its hover text; past [Options].MaxRows,
// neighbouring slots share a row. See [Render].
//
// The package uses the standard library only and no other package of
// krun: it reads the files krun writes.
package timeline
