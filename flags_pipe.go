package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/spf13/pflag"

	"github.com/krun-dev/krun/output"
	"github.com/krun-dev/krun/pipe"
	"github.com/krun-dev/krun/runner"
)

// pipeFlags are the flags that cut one input into blocks, one per job's
// standard input: --pipe and --pipepart (package pipe).
type pipeFlags struct {
	pipe          bool // --pipe, --spreadstdin
	pipePart      bool
	block         string
	recEnd        string
	recStart      string
	pipeRegexp    bool
	recordsPerJob int // -N
	roundRobin    bool
	cat, fifo     bool
	// pipeSource is the open source of blocks, in pipe mode.
	pipeSource *pipe.Source
}

func init() {
	for alt, name := range map[string]string{
		"spreadstdin": "pipe", "block-size": "block", "roundrobin": "round-robin", "round": "round-robin",
	} {
		gnuSpellings[alt] = name
	}
}

// piping reports whether krun cuts its input into blocks (--pipe,
// --pipepart) rather than into arguments.
func (p *pipeFlags) piping() bool { return p.pipe || p.pipePart }

// register defines the flags of pipe mode on fs (--header, which both
// modes read, is registered with the GNU options).
func (p *pipeFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&p.pipe, "pipe", false, "cut standard input (or -a FILE) into blocks at record ends, each block one job's standard input")
	fs.BoolVar(&p.pipePart, "pipepart", false, "with -a FILE, a seekable file: each job reads its own block straight from the file")
	fs.StringVar(&p.block, "block", "1M", "with --pipe: blocks of at least `SIZE` (K, M, G suffixes), ending at the first record end after it")
	fs.StringVar(&p.recEnd, "recend", "", "with --pipe: records end with `STR` (default \\n; none when --recstart is given)")
	fs.StringVar(&p.recStart, "recstart", "", "with --pipe: records start with `STR`")
	fs.BoolVar(&p.pipeRegexp, "regexp", false, "with --pipe: --recend and --recstart are regular expressions")
	fs.IntVarP(&p.recordsPerJob, "max-records", "N", 0, "with --pipe: exactly `N` records per job instead of a block size")
	fs.BoolVar(&p.roundRobin, "round-robin", false, "with --pipe: start -j jobs only, each taking block after block while the input lasts")
	fs.BoolVar(&p.cat, "cat", false, "with --pipe: give each block as a temporary file named by {} instead of standard input")
	fs.BoolVar(&p.fifo, "fifo", false, "with --pipe: give each block through a named pipe named by {} instead of standard input")
}

// normalizePipe: in pipe mode --tag tags a job's lines with its block's
// number, {#}, as a block has no arguments.
func (o *options) normalizePipe() {
	if o.pipeMode() && o.tag && o.tagString == "" {
		o.tagString = "{#}"
	}
}

// pipeDescriptors is how many descriptors a job holds in krun beyond its
// output pipes: the write end of its standard input's pipe.
func (o *options) pipeDescriptors() int {
	if o.pipeSource == nil {
		return 0
	}
	return 1
}

// pipeMode reports whether jobs take blocks of one input.
func (p *pipeFlags) pipeMode() bool { return p.pipe || p.pipePart }

// validatePipe checks the flags of pipe mode and how they combine with
// the others.
func (o *options) validatePipe() error {
	given := func(name string) bool { return o.changed != nil && o.changed(name) }
	if !o.pipeMode() {
		for _, name := range []string{"block", "recend", "recstart", "regexp", "max-records", "round-robin", "cat", "fifo"} {
			if given(name) {
				if name == "max-records" {
					return errors.New("-N applies to --pipe and --pipepart: give one of them (-n puts N arguments in each command)")
				}
				return fmt.Errorf("--%s applies to --pipe and --pipepart: give one of them", name)
			}
		}
		return nil
	}
	switch {
	case o.pipe && o.pipePart:
		return errors.New("--pipe and --pipepart: use one (--pipepart reads the -a FILE's blocks straight from it)")
	case o.pipePart && len(o.argFiles) != 1:
		return errors.New("--pipepart needs one seekable file: -a FILE")
	case o.pipe && len(o.argFiles) > 1:
		return errors.New("--pipe reads one input: standard input or one -a FILE")
	case o.cat && o.fifo:
		return errors.New("--cat and --fifo both say how a block is given: use one")
	case o.pipePart && (o.cat || o.fifo || o.roundRobin || o.recordsPerJob > 0):
		return errors.New("--pipepart gives each job its range of the file on standard input: --cat, --fifo, --round-robin and -N need --pipe")
	case o.recordsPerJob < 0:
		return fmt.Errorf("-N: %d records is negative", o.recordsPerJob)
	case o.recordsPerJob == 0 && given("max-records"):
		return errors.New("-N: 0 records per job: give 1 or more")
	case o.roundRobin && o.retries > 1:
		return errors.New("--round-robin and --retries: a job of --round-robin takes many blocks, which cannot be given again")
	case o.roundRobin && (o.cat || o.fifo):
		return errors.New("--round-robin gives its jobs blocks on standard input: not with --cat or --fifo")
	case o.null && given("recend"):
		return errors.New("-0 and --recend both set the record end: use one")
	case o.delimiterSet:
		return errors.New("--delimiter splits arguments: with --pipe, records end with --recend")
	case o.shuffle:
		return errors.New("--shuffle: blocks are cut in input order, and --pipe starts them so")
	case o.maxArgs > 0 || o.xargs || o.context:
		return errors.New("-n, -X and -m put arguments in commands: with --pipe, -N sets the records per job")
	}
	_, err := o.pipeOptions(0)
	return err
}

// pipeOptions builds the block settings from the flags, for jobs slots.
func (o *options) pipeOptions(jobs int) (pipe.Options, error) {
	opt := pipe.Options{Count: o.recordsPerJob, Header: o.header, Regexp: o.pipeRegexp, Again: o.retries > 1, TmpDir: o.tmpDir, Jobs: jobs, RoundRobin: o.roundRobin}
	size, err := output.ParseSize(o.block)
	if err != nil {
		return opt, fmt.Errorf("--block: %w", err)
	}
	opt.BlockSize = size
	given := func(name string) bool { return o.changed != nil && o.changed(name) }
	opt.RecEnd, opt.RecStart = o.recEnd, o.recStart
	if !given("recend") && !(given("recstart") && o.recStart != "") {
		opt.RecEnd = "\n"
		if o.null {
			opt.RecEnd = "\x00"
		}
	}
	if !o.pipeRegexp {
		// Escapes as in --delimiter: \n \t \0 \xHH.
		for _, s := range []*string{&opt.RecEnd, &opt.RecStart} {
			if *s == "" {
				continue
			}
			if *s, err = runner.ParseDelimiter(*s); err != nil {
				return opt, fmt.Errorf("--recend or --recstart: %w", err)
			}
		}
	}
	switch {
	case o.cat:
		opt.Deliver = pipe.ToFile
	case o.fifo:
		opt.Deliver = pipe.ToFIFO
	}
	if err := opt.Check(); err != nil {
		name := "--block"
		switch {
		case o.recordsPerJob != 0:
			name = "-N"
		case o.header != "":
			name = "--header"
		}
		if given("recend") || given("recstart") {
			name = "--recend/--recstart"
		}
		return opt, fmt.Errorf("%s: %w", name, err)
	}
	return opt, nil
}

// openPipe opens the source of blocks in pipe mode: standard input or
// the -a FILE for --pipe, the -a FILE for --pipepart. It is a no-op
// otherwise.
func (o *options) openPipe(words []string, sources []runner.Source, stdin io.Reader, jobs int) error {
	if !o.pipeMode() {
		return nil
	}
	if len(words) == 0 {
		return errors.New("--pipe and --pipepart give blocks to a command: give one (krun --pipe wc -l)")
	}
	if len(sources) > 0 {
		return errors.New("--pipe and --pipepart cut one input into blocks: ::: and :::: arguments do not apply (give the input on standard input or with -a FILE)")
	}
	if o.roundRobin && jobs == 0 {
		jobs = runtime.NumCPU()
	}
	opt, err := o.pipeOptions(jobs)
	if err != nil {
		return err
	}
	var in io.Reader = stdin
	if len(o.argFiles) == 1 && !(o.pipe && o.argFiles[0] == "-") {
		f, err := os.Open(o.argFiles[0])
		if err != nil {
			return fmt.Errorf("input file: %w", err)
		}
		if o.pipePart {
			o.pipeSource, err = pipe.NewPart(f, opt)
			if err != nil {
				f.Close()
				return fmt.Errorf("--pipepart: %w", err)
			}
			return nil
		}
		in = f
	}
	o.pipeSource, err = pipe.NewStream(in, opt)
	return err
}

// jobSource is what the jobs are made from: the blocks in pipe mode, else
// the batches of arguments.
func (o *options) jobSource(batches runner.RecordSource) runner.RecordSource {
	if o.pipeSource != nil {
		return o.pipeSource
	}
	return batches
}

// closePipe waits for the blocks' writers and removes what is left of
// the blocks' files.
func (o *options) closePipe() error {
	if o.pipeSource == nil {
		return nil
	}
	return o.pipeSource.Close()
}

// blockFailures tells where a failed job's block lies in the input, so
// that it can be found again.
type blockFailures struct {
	to interface{ Message(string) }
}

// Observe reports the block of a job that failed.
func (b blockFailures) Observe(e runner.Event) {
	if e.Kind != runner.EventFinish || e.Job == nil || e.Job.Stdin == nil || !e.Status.Failed() {
		return
	}
	start, end, ok := pipe.Range(e.Job.Stdin)
	switch {
	case ok && end < 0:
		b.to.Message(noteLine("job %d failed; its block starts at offset %d of the input", e.Job.Seq, start))
	case ok:
		b.to.Message(noteLine("job %d failed; its block: %d bytes at offset %d of the input", e.Job.Seq, end-start, start))
	}
}

// watchBlocks adds the report of failed blocks to obs, in pipe mode.
func (o *options) watchBlocks(obs output.Observers, to interface{ Message(string) }) output.Observers {
	if o.pipeSource == nil {
		return obs
	}
	return append(obs, blockFailures{to: to})
}
