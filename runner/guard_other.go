//go:build !linux

package runner

import (
	"errors"
	"syscall"
)

// GuardEnv is the environment variable that makes krun's binary run as a
// guardian; only Linux has one.
const GuardEnv = "KRUN_GUARDIAN"

// guard does nothing here: on other systems a killed krun leaves its jobs
// running (their process groups are still ended by every signal krun can
// catch).
type guard struct{}

func newRunMarker() (token, entry string) { return "", "" }
func startGuard(string, []string) (*guard, error) {
	return nil, errors.New("no guardian on this system")
}
func (g *guard) watch(int)  {}
func (g *guard) forget(int) {}
func (g *guard) close(bool) {}
func GuardMain() int        { return 2 }

// IsGuardian reports false: there is no guardian here.
func IsGuardian() bool                     { return false }
func jobSysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// process returns 0: there is no guardian process.
func (g *guard) process() int { return 0 }
