package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/krun-dev/krun/outfile"
	"github.com/krun-dev/krun/timeline"
)

// newTimelineCommand is "krun timeline": a chart of a recorded run.
func newTimelineCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var from, out, format string
	cmd := &cobra.Command{
		Use:   "timeline [--from FILE] [-o FILE.html|FILE.svg]",
		Short: "Draw a run's jobs on a time line, from --events or a joblog",
		Long: `krun timeline draws a recorded run: one row per job slot, each try of a
job a bar from its start to its end, coloured by how it ended (ok, failed,
timed out, retried, ended by a halt or signal), with the halt and breaker
events as markers and a header with the totals: jobs, failures, wall time,
slot utilisation and the five longest jobs. Hover over a bar for its seq,
command, exit status and duration.

The run is read from krun's --events file or from a joblog, krun's or GNU
parallel's (--joblog), whichever the file holds. The chart is one file with
nothing to load and no script: an HTML page, or an SVG picture when the
output's name ends in .svg (or with --format svg).

A run with more than 10,000 tries is drawn with neighbouring bars that are
narrower than a pixel merged into one, coloured by the worst outcome among
them, with the counts in its hover text.

krun --timeline FILE draws the chart of the run itself at its end.

Exit status: 0 when the chart is written; 255 for a usage error or an input
that cannot be read, with a message naming the file and line.`,
		Example: `  krun --events events.jsonl ./test.sh ::: tests/*
  krun timeline --from events.jsonl -o run.html
  parallel --joblog jobs.tsv ./test.sh ::: tests/*
  krun timeline --from jobs.tsv -o run.svg`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(fmt.Errorf("timeline: unexpected argument %q: give the input with --from FILE", args[0]))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Signals keep their default: a wait for a FIFO (--from or
			// -o) ends with the process, which leaves nothing behind.
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return drawTimeline(ctx, stdin, stdout, stderr, from, out, format)
		},
	}
	cmd.Flags().SortFlags = false
	cmd.Flags().StringVarP(&from, "from", "f", "-", "read the run from `FILE`: krun's --events, or a joblog (krun's or GNU parallel's); - is standard input")
	cmd.Flags().StringVarP(&out, "output", "o", "-", "write the chart to `FILE`: an SVG picture if its name ends in .svg, else an HTML page; - is standard output")
	cmd.Flags().StringVar(&format, "format", "", "`html` or svg, whatever the name of the output (default: from the name, html for standard output)")
	return cmd
}

// drawTimeline reads a run from the file from and writes its chart to out.
func drawTimeline(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, from, out, format string) error {
	var f timeline.Format
	switch format {
	case "":
		f = timeline.FormatOf(out)
		if out == "-" {
			f = timeline.HTML
		}
	case "html":
		f = timeline.HTML
	case "svg":
		f = timeline.SVG
	default:
		return usageError(fmt.Errorf("timeline: --format: invalid value %q: want html or svg", format))
	}
	if out != "-" {
		if err := outfile.Check(out); err != nil {
			return usageError(fmt.Errorf("timeline: --output: %w", err))
		}
	}
	var run *timeline.Run
	var err error
	if from == "-" {
		if stdin == nil {
			stdin = strings.NewReader("")
		}
		if fl, ok := stdin.(*os.File); ok && isatty.IsTerminal(fl.Fd()) {
			return usageError(errors.New("timeline: give the run to draw with --from FILE (an --events file or a joblog), or on standard input"))
		}
		run, err = timeline.Read(stdin, "standard input")
	} else {
		run, err = timeline.ReadFile(from)
	}
	if err != nil {
		return usageError(err)
	}
	if out == "-" {
		err = timeline.Render(stdout, run, f, timeline.Options{})
	} else {
		var chart bytes.Buffer
		if err = timeline.Render(&chart, run, f, timeline.Options{}); err == nil {
			err = outfile.Replace(ctx, out, chart.Bytes(), waitNotice(lineWriter{stderr}, "timeline", out))
		}
	}
	if err != nil {
		return usageError(fmt.Errorf("timeline: write %s: %w", out, err))
	}
	return nil
}
