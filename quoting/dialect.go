package quoting

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Dialect is the family of shell grammar a template is parsed and quoted
// for. Every known Dialect is quoted with the same POSIX single quotes;
// they differ in how the template is parsed (zsh reads $name[...] as a
// subscript even in double quotes) and in what krun refuses.
type Dialect uint8

const (
	// dialectBash covers sh, dash, ash, bash and ksh93. They are parsed
	// as bash, the richest of them, so that krun finds every bash context
	// even where /bin/sh is bash.
	dialectBash Dialect = iota
	// dialectZsh is zsh, parsed with zsh's grammar.
	dialectZsh
	// dialectUnknown is any other program: fish, csh, tcsh, nu, mksh...
	// krun does not quote values for it.
	dialectUnknown
)

// shellDialects maps a shell's file name to its Dialect. mksh (and lksh,
// pdksh) are left out on purpose: they evaluate arithmetic in test's -eq,
// shift and ulimit, where no other shell does, so the rules krun applies
// would not cover them.
var shellDialects = map[string]Dialect{
	"sh": dialectBash, "dash": dialectBash, "ash": dialectBash, "busybox": dialectBash,
	"bash": dialectBash, "bash-static": dialectBash, "rbash": dialectBash,
	"ksh": dialectBash, "ksh93": dialectBash,
	"zsh": dialectZsh,
}

// ambiguousNames are the names several shells are installed under: a hard
// link or copy named sh or ksh may be mksh or pdksh (OpenBSD, Android), so
// such a shell is asked what it is.
var ambiguousNames = map[string]bool{"sh": true, "ksh": true}

// probed caches what each ambiguous shell said it was.
var probed sync.Map // path -> Dialect

// DialectOf classifies a shell by its name and, when that is a symbolic
// link (Debian's /bin/sh, /usr/bin/ksh through the alternatives), by the
// program it leads to: both must be known, and the stricter one wins.
// An empty name is /bin/sh's Dialect.
func DialectOf(shell string) Dialect {
	if shell == "" {
		shell = "/bin/sh"
	}
	d := dialectByName(shell)
	resolved, err := filepath.EvalSymlinks(shell)
	if err != nil {
		return d
	}
	d = max(d, dialectByName(resolved))
	if d == dialectUnknown || !ambiguousNames[filepath.Base(resolved)] {
		return d
	}
	if v, ok := probed.Load(resolved); ok {
		return max(d, v.(Dialect))
	}
	v := probeDialect(resolved)
	probed.Store(resolved, v)
	return max(d, v)
}

// probeDialect runs shell once and asks which shell it is. mksh, lksh and
// pdksh name themselves in KSH_VERSION; ksh93 does too, with "93".
func probeDialect(shell string) Dialect {
	out, err := exec.Command(shell, "-c", `echo "${BASH_VERSION-}|${ZSH_VERSION-}|${KSH_VERSION-}"`).Output()
	if err != nil {
		return dialectUnknown
	}
	bashV, rest, _ := strings.Cut(strings.TrimSpace(string(out)), "|")
	zshV, kshV, _ := strings.Cut(rest, "|")
	switch {
	case zshV != "":
		return dialectZsh
	case bashV != "":
		return dialectBash
	case kshV != "" && !strings.Contains(kshV, "93"):
		return dialectUnknown // mksh, lksh, pdksh
	}
	return dialectBash // dash, ash, busybox, ksh93
}

func dialectByName(path string) Dialect {
	name := filepath.Base(path)
	if d, ok := shellDialects[name]; ok {
		return d
	}
	// Versioned names: bash5.2, zsh-5.9.
	for known, d := range shellDialects {
		if rest, ok := strings.CutPrefix(name, known); ok && rest != "" && strings.Trim(rest, "0123456789.-") == "" {
			return d
		}
	}
	return dialectUnknown
}

// Known reports whether krun quotes values for shells of d.
func (d Dialect) Known() bool { return d != dialectUnknown }
