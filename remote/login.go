package remote

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Login is one host to run jobs on, as -S gives it: [N/]login[:port].
type Login struct {
	// Slots is how many jobs run there at once; 0 means the host's CPU
	// count.
	Slots int
	// Dest is ssh's destination, [user@]host, or ":" for the local
	// machine.
	Dest string
	// Port is the ssh port, "" for ssh's default.
	Port string
}

// Local reports whether l is the local machine (":").
func (l Login) Local() bool { return l.Dest == ":" }

// String returns the login as -S gives it, without the slot count: the
// name of the host in reports.
func (l Login) String() string {
	if l.Port == "" {
		return l.Dest
	}
	if strings.Contains(l.Dest, ":") {
		return "[" + l.Dest + "]:" + l.Port
	}
	return l.Dest + ":" + l.Port
}

// ParseLogins parses the value of one -S: logins separated by commas.
func ParseLogins(s string) ([]Login, error) {
	var logins []Login
	for _, f := range strings.Split(s, ",") {
		l, err := ParseLogin(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		logins = append(logins, l)
	}
	return logins, nil
}

// ParseLogin parses one login: [N/]login[:port], where login is
// [user@]host, [user@][IPv6]:port, or ":" for the local machine.
func ParseLogin(s string) (Login, error) {
	var l Login
	orig := s
	if s == "" {
		return l, errors.New("a login is empty")
	}
	if n, rest, ok := strings.Cut(s, "/"); ok {
		slots, err := strconv.Atoi(n)
		if err != nil || slots < 1 {
			return l, fmt.Errorf("%q: the number of slots before / must be a whole number from 1", orig)
		}
		l.Slots, s = slots, rest
	}
	if s == ":" {
		l.Dest = s
		return l, nil
	}
	switch at := strings.LastIndexByte(s, '@'); {
	case strings.HasPrefix(s[at+1:], "["):
		// [user@][v6]:port or [user@][v6]
		end := strings.IndexByte(s[at+1:], ']')
		if end < 0 {
			return l, fmt.Errorf("%q: no ] after [", orig)
		}
		end += at + 1
		l.Dest = s[:at+1] + s[at+2:end]
		switch rest := s[end+1:]; {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			l.Port = rest[1:]
		default:
			return l, fmt.Errorf("%q: unexpected %q after ]", orig, rest)
		}
	default:
		if i := strings.LastIndexByte(s, ':'); i > at {
			s, l.Port = s[:i], s[i+1:]
		}
		l.Dest = s
	}
	if l.Port != "" {
		if p, err := strconv.Atoi(l.Port); err != nil || p < 1 || p > 65535 {
			return l, fmt.Errorf("%q: the port must be a number from 1 to 65535", orig)
		}
	}
	host := l.Dest[strings.LastIndexByte(l.Dest, '@')+1:]
	switch {
	case host == "":
		return l, fmt.Errorf("%q: the host name is empty", orig)
	case strings.HasPrefix(l.Dest, "-") || strings.HasPrefix(host, "-"):
		// ssh would read it as an option, or hand it to a ProxyCommand.
		return l, fmt.Errorf("%q: a login or host name cannot start with -", orig)
	case strings.ContainsFunc(l.Dest, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune(`'"\$;&|<>()*?[]{}!#~`+"`", r) }):
		return l, fmt.Errorf("%q: a login holds only letters, digits and . - _ @ : %% + (no spaces, quotes or shell characters)", orig)
	}
	return l, nil
}

// ReadLoginFile reads an --sshloginfile: one login a line, as -S takes
// them (commas too); empty lines and lines starting with # are skipped.
// A file of no login is an error.
func ReadLoginFile(path string) ([]Login, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var logins []Login
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ls, err := ParseLogins(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		logins = append(logins, ls...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(logins) == 0 {
		return nil, fmt.Errorf("%s: no login in the file", path)
	}
	return logins, nil
}
