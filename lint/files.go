package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// This file knows which files well-known commands read and write, and
// which ones write many lines of output.

// producers are commands that can write many lines to their standard
// output: run at once, their output mixes.
var producers = map[string]bool{
	"cat": true, "tac": true, "grep": true, "egrep": true, "fgrep": true, "zgrep": true,
	"rg": true, "ag": true, "find": true, "ls": true, "du": true, "df": true, "ps": true,
	"ping": true, "dig": true, "nslookup": true, "host": true, "head": true, "tail": true,
	"sed": true, "awk": true, "gawk": true, "mawk": true, "sort": true, "uniq": true,
	"cut": true, "jq": true, "yq": true, "column": true, "diff": true, "comm": true,
	"md5sum": true, "sha1sum": true, "sha256sum": true, "sha512sum": true, "cksum": true,
	"wc": true, "stat": true, "nmap": true, "traceroute": true, "tee": true,
	"curl": true, "wget": true, "ssh": true, "make": true, "go": true, "cargo": true,
	"npm": true, "yarn": true, "pytest": true, "mvn": true, "gradle": true,
	"terraform": true, "ansible": true, "ansible-playbook": true, "kubectl": true,
	"docker": true, "nl": true, "od": true, "xxd": true, "strings": true,
}

// fileCommand records the files a well-known command reads and writes,
// and whether it writes many lines of output.
func (a *analyzer) fileCommand(name string, args []*syntax.Word, c ctx, at loc) {
	heavy := producers[name]
	switch name {
	case "cat", "tac", "head", "tail", "wc", "nl", "md5sum", "sha1sum", "sha256sum", "sha512sum",
		"cksum", "paste", "comm", "diff", "cmp", "od", "xxd", "base64", "strings", "column", "zcat":
		ops, flags := parseArgs(args, "ncdsfwl --lines --bytes --delimiters --width", false)
		for _, w := range ops {
			a.read(w, c, "reads")
		}
		if name == "cmp" || (name == "diff" && (flags.has("-q") || flags.has("--brief"))) {
			heavy = false
		}
	case "cut":
		ops, _ := parseArgs(args, "bcdf --bytes --characters --delimiter --fields --output-delimiter", false)
		for _, w := range ops {
			a.read(w, c, "reads")
		}
	case "grep", "egrep", "fgrep", "zgrep", "rg":
		ops, flags := parseArgs(args, "efmABCdD --regexp --file --max-count --after-context --before-context --context --include --exclude --exclude-dir --label --color --colour", false)
		if !flags.has("-e") && !flags.has("-f") && !flags.has("--regexp") && !flags.has("--file") && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			a.read(w, c, "reads")
		}
		if flags.has("-q") || flags.has("--quiet") || flags.has("--silent") {
			heavy = false
		}
	case "awk", "gawk", "mawk":
		ops, flags := parseArgs(args, "fvF --file --assign --field-separator", false)
		if !flags.has("-f") && !flags.has("--file") && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			if l, ok := firstLit(w); ok && strings.Contains(l, "=") {
				continue // var=value
			}
			a.read(w, c, "reads")
		}
	case "sed":
		ops, flags := parseArgs(args, "efl --expression --file --line-length", false)
		if !flags.has("-e") && !flags.has("-f") && !flags.has("--expression") && !flags.has("--file") && len(ops) > 0 {
			ops = ops[1:]
		}
		inPlace := flags.has("-i") || flags.has("--in-place")
		for k := range flags {
			if strings.HasPrefix(k, "--in-place") {
				inPlace = true
			}
		}
		for _, w := range ops {
			a.read(w, c, "reads")
			if inPlace {
				a.write(w, c, "rewrites", false, false)
			}
		}
		if inPlace {
			heavy = false
		}
	case "sort":
		ops, flags := parseArgs(args, "oktST --output --key --field-separator --buffer-size --temporary-directory", false)
		for _, w := range ops {
			a.read(w, c, "reads")
		}
		for _, f := range []string{"-o", "--output"} {
			if v, ok := flags[f]; ok && v.word != nil {
				a.write(v.word, c, "writes", false, false)
				heavy = false
			}
		}
	case "uniq":
		ops, _ := parseArgs(args, "fsw --skip-fields --skip-chars --check-chars", false)
		if len(ops) > 0 {
			a.read(ops[0], c, "reads")
		}
		if len(ops) > 1 {
			a.write(ops[1], c, "writes", false, false)
			heavy = false
		}
	case "jq", "yq":
		ops, flags := parseArgs(args, "f --arg --argjson --slurpfile --rawfile --indent --from-file", false)
		if !flags.has("-f") && !flags.has("--from-file") && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			a.read(w, c, "reads")
		}
	case "tee":
		ops, flags := parseArgs(args, "", false)
		app := flags.has("-a") || flags.has("--append")
		verb := "writes"
		if app {
			verb = "appends to"
		}
		for _, w := range ops {
			a.write(w, c, verb+" (tee)", app, false)
		}
	case "mv", "cp", "install":
		ops, flags := parseArgs(args, "tSm --target-directory --suffix --mode", false)
		if flags.has("-t") || flags.has("--target-directory") || len(ops) < 2 {
			break
		}
		verb := "moves a file over"
		if name != "mv" {
			verb = "copies a file over"
		}
		dst := ops[len(ops)-1]
		if l, ok := litValue(dst); ok && strings.HasSuffix(l, "/") {
			break // into a directory
		}
		a.write(dst, c, verb, false, false)
	case "touch":
		ops, _ := parseArgs(args, "drt --date --reference", false)
		for _, w := range ops {
			a.write(w, c, "creates", false, true)
		}
	case "dd":
		for _, w := range args {
			if l, ok := firstLit(w); ok {
				switch {
				case strings.HasPrefix(l, "of="):
					a.write(restWord(w, 3), c, "writes", false, false)
				case strings.HasPrefix(l, "if="):
					a.read(restWord(w, 3), c, "reads")
				}
			}
		}
	case "curl":
		_, flags := parseArgs(args, "odHXuAebcmwTFxrKEhCYyzQt --output --data --data-raw --data-binary --data-urlencode --header --request --user --user-agent --referer --cookie --cookie-jar --max-time --connect-timeout --write-out --upload-file --form --proxy --range --config --cert --key --cacert --retry --retry-delay --limit-rate --resolve --json --url", false)
		for _, f := range []string{"-o", "--output"} {
			if v, ok := flags[f]; ok && v.word != nil {
				if v.text != "-" && v.text != "/dev/null" {
					a.write(v.word, c, "writes", false, false)
				}
				heavy = false
			}
		}
		if flags.has("-O") || flags.has("--remote-name") || flags.has("--remote-name-all") {
			heavy = false
		}
	case "wget":
		_, flags := parseArgs(args, "OoaPUetTwiQ --output-document --output-file --append-output --directory-prefix --user-agent --execute --tries --timeout --wait --input-file --quota", false)
		heavy = false
		for _, f := range []string{"-O", "--output-document"} {
			if v, ok := flags[f]; ok && v.word != nil {
				if v.text == "-" {
					heavy = true
				} else {
					a.write(v.word, c, "writes", false, false)
				}
			}
		}
	case "ssh":
		_, flags := parseArgs(args, "bcDEeFIiJLlmOoPpQRSWw", false)
		if flags.has("-f") || flags.has("-N") {
			heavy = false
		}
	}
	if heavy {
		a.produce(c, at, name, true)
	}
}

// read records that the command reads file w.
func (a *analyzer) read(w *syntax.Word, c ctx, verb string) {
	if lit, ok := litValue(w); ok && (lit == "-" || strings.HasPrefix(lit, "/dev/")) {
		return
	}
	a.record(&access{kind: accRead, path: a.pathValue(w, c), word: a.print(w), at: c.at(w.Pos()), verb: verb}, c)
}

// write records that the command writes file w.
func (a *analyzer) write(w *syntax.Word, c ctx, verb string, app, weak bool) {
	if lit, ok := litValue(w); ok && (lit == "-" || strings.HasPrefix(lit, "/dev/")) {
		return
	}
	a.record(&access{kind: accWrite, path: a.pathValue(w, c), word: a.print(w), at: c.at(w.Pos()), verb: verb, append: app, weak: weak}, c)
}
