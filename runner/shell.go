package runner

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// knownShells are the shells krun takes from $SHELL. zsh is not among
// them: it evaluates arithmetic in so many places that krun refuses values
// with [ $ or ` in every zsh template, so zsh runs templates only when
// asked for with --shell.
var knownShells = map[string]bool{"sh": true, "bash": true, "dash": true, "ksh": true, "ash": true}

// ChooseShell returns the shell that runs job commands: override when set
// (--shell), else $SHELL (envShell) when it is sh, bash, dash, ksh or ash,
// else /bin/sh. It fails when the chosen shell cannot be found.
func ChooseShell(override, envShell string) (string, error) {
	name := "/bin/sh"
	switch {
	case override != "":
		name = override
	case envShell != "" && knownShells[filepath.Base(envShell)]:
		name = envShell
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("shell %s: %w", name, err)
	}
	return path, nil
}
