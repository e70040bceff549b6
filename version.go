package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is krun's version; release builds set it with
// -ldflags "-X main.version=v1.2.3".
var version = ""

// versionString returns the version set at build time, else the module
// version go install recorded, else "devel".
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// versionLine is what "krun version" and "krun --version" print: the
// version, the platform, the Go release and, when the build recorded it,
// the commit and its date.
func versionLine() string {
	line := fmt.Sprintf("krun %s %s/%s %s", versionString(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return line
	}
	var rev, date, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			date = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		line += fmt.Sprintf(" (%.12s%s %s)", rev, dirty, date)
	}
	return line
}

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print krun's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, versionLine())
			return err
		},
	}
}
