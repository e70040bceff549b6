// Package pipe cuts one input into blocks for krun's --pipe and
// --pipepart: each block goes to one job's standard input.
//
// Records: the input is a sequence of records, each ending where the
// record end string (--recend, "\n" by default) is followed by the record
// start string (--recstart, empty by default); with --regexp both are
// regular expressions. A record is never cut: [Records] finds the
// boundaries.
//
// Blocks: a block holds whole records, at least the block size of them
// (the last block may hold less): it ends at the first record boundary at
// or after that size, so a record longer than the block makes the block
// grow to hold it. With a record count (-N) a block holds exactly that
// many records instead. A header (--header) taken from the start of the
// input is repeated at the top of every block.
//
// Paths: a block is held in memory (the copy path) when it may have to be
// given again (--retries), be written to a file (--cat, --fifo), or when
// finding its end needs the records themselves (--recstart, --regexp, a
// record end longer than a byte, -N). Otherwise, on Linux, it is streamed
// (the splice path): splice(2) moves the block's bulk from krun's standard
// input to the job's pipe without copying it through krun, and only the
// bytes around its end, where the record end is looked for, are read.
//
// Ranges (--pipepart): for a seekable file the block boundaries are found
// by reading a little around each multiple of the block size, and each job
// gets its byte range spliced straight from the file.
package pipe
