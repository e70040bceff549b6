package lint

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Option specs for parseArgs: the short options that take an argument,
// then, after a space, the long ones that do. -X takes none, in GNU
// parallel as in krun.
const (
	flockSpec    = "wEc --wait --timeout --conflict-exit-code --command"
	semSpec      = "jPI --jobs --id --timeout --max-procs"
	xargsSpec    = "PIinLlsdaEe --max-procs --replace --max-args --max-lines --max-chars --delimiter --arg-file --eof --process-slot-var"
	parallelSpec = "jPSaIdCnNLlE --jobs --max-procs --sshlogin --arg-file --replace --delimiter --colsep --max-args --max-replace-args --timeout --joblog --results --res --tmpdir --halt --retries --delay --tagstring --workdir --wd --env --basefile --return --sshloginfile --memfree --load --nice --block --seqreplace --id --termseq --shard --shebang-wrap --limit --trim"
	krunSpec     = KrunOptionSpec
)

// KrunOptionSpec is krun's own command line in parseArgs's form: the
// options that take a value. The CLI's tests hold it to krun's real flags.
const KrunOptionSpec = "CEILNPSadjns --append --append-stderr --arg-file --argfile --basefile --bf --block --block-size --breaker --buffer-size --chaos-trace --ci --col-sep --colsep --ctagstring --delay --delimiter --env --eof --events --halt --halt-on-error --haltonerror --header --jitter --jl --joblog --jobs --junit --limit --lines --load --lock-file --max-args --max-chars --max-lines --max-procs --max-records --maxargs --maxchars --maxlines --maxprocs --memfree --nice --proc-dir --process-slot-var --processslotvar --recend --recstart --replace --result --results --retries --retry-delay --return --seed --shard --shell --slf --ssh --sshlogin --sshloginfile --tag-string --tagstring --tempdir --termseq --tf --timeline --timeout --tmpdir --transferfile --trc --trim --wd --workdir"

// optVal is the argument of an option, as text when it is literal.
type optVal struct {
	text string
	word *syntax.Word
}

// argFlags maps the options seen ("-o", "--output") to their argument.
type argFlags map[string]optVal

func (f argFlags) has(name string) bool {
	_, ok := f[name]
	return ok
}

// parseArgs splits a command's arguments into options and operands, the
// way getopt does. spec names the options that take an argument (see
// flockSpec). With stop, the first operand ends the options, as for
// commands that run a command (flock FILE CMD -x).
func parseArgs(words []*syntax.Word, spec string, stop bool) ([]*syntax.Word, argFlags) {
	shortArg, longArgs, _ := strings.Cut(spec, " ")
	takesArg := func(long string) bool {
		for _, l := range strings.Fields(longArgs) {
			if l == long {
				return true
			}
		}
		return false
	}
	flags := argFlags{}
	var ops []*syntax.Word
	for i := 0; i < len(words); i++ {
		w := words[i]
		first, ok := firstLit(w)
		if !ok || !strings.HasPrefix(first, "-") || first == "-" {
			ops = append(ops, w)
			if stop {
				ops = append(ops, words[i+1:]...)
				break
			}
			continue
		}
		if lit, isLit := litValue(w); isLit && lit == "--" {
			ops = append(ops, words[i+1:]...)
			break
		}
		if strings.HasPrefix(first, "--") {
			name, val, hasVal := strings.Cut(first, "=")
			switch {
			case hasVal:
				flags[name] = optVal{text: valText(val, w), word: restWord(w, len(name)+1)}
			case takesArg(name) && i+1 < len(words):
				i++
				t, _ := litValue(words[i])
				flags[name] = optVal{text: t, word: words[i]}
			default:
				flags[name] = optVal{}
			}
			continue
		}
		// A cluster of short options: -abc, -ofile, -o file.
		for k := 1; k < len(first); k++ {
			name := "-" + first[k:k+1]
			if !strings.Contains(shortArg, first[k:k+1]) {
				flags[name] = optVal{}
				continue
			}
			if k+1 < len(first) || len(w.Parts) > 1 {
				flags[name] = optVal{text: valText(first[k+1:], w), word: restWord(w, k+1)}
			} else if i+1 < len(words) {
				i++
				t, _ := litValue(words[i])
				flags[name] = optVal{text: t, word: words[i]}
			} else {
				flags[name] = optVal{}
			}
			break
		}
	}
	return ops, flags
}

// firstLit returns the literal text a word starts with.
func firstLit(w *syntax.Word) (string, bool) {
	if w == nil || len(w.Parts) == 0 {
		return "", false
	}
	if lit, ok := litValue(w); ok {
		return lit, true
	}
	if l, ok := w.Parts[0].(*syntax.Lit); ok {
		return l.Value, true
	}
	return "", false
}

// valText is the text of an inline option argument: all of it when the
// word is literal, else "" (not known).
func valText(rest string, w *syntax.Word) string {
	if _, ok := litValue(w); ok {
		return rest
	}
	return ""
}

// restWord returns w without its first n bytes of literal text: the
// argument of -ofile or --output=file as a word of its own.
func restWord(w *syntax.Word, n int) *syntax.Word {
	if lit, ok := litValue(w); ok {
		if n > len(lit) {
			n = len(lit)
		}
		return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: w.Pos(), ValueEnd: w.End(), Value: lit[n:]}}}
	}
	first, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return w
	}
	parts := []syntax.WordPart{}
	if n < len(first.Value) {
		parts = append(parts, &syntax.Lit{ValuePos: first.ValuePos, ValueEnd: first.ValueEnd, Value: first.Value[n:]})
	}
	parts = append(parts, w.Parts[1:]...)
	return &syntax.Word{Parts: parts}
}

// unwrap strips the commands that run another command unchanged (command,
// exec, nice, env, stdbuf, timeout, nohup, ...) and returns the command
// words; exempt is true for nohup and setsid, whose job nobody waits for.
func unwrap(words []*syntax.Word) ([]*syntax.Word, bool) {
	exempt := false
	for range 8 {
		if len(words) == 0 {
			return words, exempt
		}
		name, ok := litValue(words[0])
		if !ok {
			return words, exempt
		}
		var ops []*syntax.Word
		var flags argFlags
		switch name {
		case "command", "builtin":
			ops, flags = parseArgs(words[1:], "", true)
			if flags.has("-v") || flags.has("-V") {
				return nil, exempt
			}
		case "exec":
			ops, _ = parseArgs(words[1:], "a", true)
		case "nohup", "setsid":
			exempt = true
			ops, _ = parseArgs(words[1:], "", true)
		case "nice":
			ops, _ = parseArgs(words[1:], "n --adjustment", true)
		case "ionice":
			ops, _ = parseArgs(words[1:], "cnp --class --classdata --pid", true)
		case "stdbuf":
			ops, _ = parseArgs(words[1:], "ioe --input --output --error", true)
		case "time":
			ops, _ = parseArgs(words[1:], "fo --format --output", true)
		case "sudo", "doas":
			ops, _ = parseArgs(words[1:], "ugpCcDhrtTU --user --group --prompt", true)
		case "timeout":
			ops, _ = parseArgs(words[1:], "sk --signal --kill-after", true)
			if len(ops) > 0 {
				ops = ops[1:] // the duration
			}
		case "env":
			ops, _ = parseArgs(words[1:], "uCS --unset --chdir --split-string", true)
			for len(ops) > 0 {
				if l, ok := firstLit(ops[0]); ok && strings.Contains(l, "=") && isName(l[:strings.Index(l, "=")]) {
					ops = ops[1:]
					continue
				}
				break
			}
		case "taskset":
			ops, flags = parseArgs(words[1:], "", true)
			if !flags.has("-p") && len(ops) > 0 {
				ops = ops[1:] // the mask or cpu list
			}
		default:
			return words, exempt
		}
		words = ops
	}
	return words, exempt
}
