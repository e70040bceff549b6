//go:build !linux

package runner

// Elsewhere orphans go to init; krun kills what stays in each job's
// process group.
func becomeSubreaper()         {}
func reapGroup(pgid int)       {}
func reapAdopted()             {}
func sweepOrphans(...int) bool { return false }
