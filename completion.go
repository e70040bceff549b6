package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// setupCompletion adds cobra's "completion bash|zsh|fish|powershell"
// command, made strict: an unknown shell, or none, is a usage error
// instead of a help text and exit status 0.
func setupCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.RunE = func(*cobra.Command, []string) error {
				return usageError(errors.New("completion: name a shell: bash, zsh, fish or powershell"))
			}
		}
	}
}
