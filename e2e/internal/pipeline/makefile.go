// Package pipeline reads the two definitions of CI that must stay one: the
// local pipeline (.ci/run and the Makefile targets of `make test`) and the
// GitHub workflows, and says where the workflows run something the local
// pipeline does not, or give a job less time than its tests allow
// themselves.
package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Makefile is what the checks need of a Makefile: its explicit targets and
// its simple variables.
type Makefile struct {
	Targets map[string]Target
	Vars    map[string]string
}

// Target is one explicit rule: its prerequisites and its recipe, one entry
// per logical line (backslash continuations joined).
type Target struct {
	Prereqs []string
	Recipe  []string
}

var (
	ruleLine = regexp.MustCompile(`^([a-z0-9][a-z0-9-]*):(?:[^=]|$)(.*)$`)
	varLine  = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)\s*[:?]?=\s*(.*)$`)
)

// ParseMakefile reads the rules and variables of a Makefile. It knows what
// this project's Makefile uses: plain rules (`name: prereqs ## help`),
// tab-indented recipes, `:=`/`=`/`?=` variables; pattern rules and rules
// with computed names are left out.
func ParseMakefile(src []byte) (*Makefile, error) {
	mf := &Makefile{Targets: map[string]Target{}, Vars: map[string]string{}}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var pending strings.Builder
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasSuffix(line, `\`) {
			pending.WriteString(strings.TrimSuffix(line, `\`))
			pending.WriteByte(' ')
			continue
		}
		if pending.Len() > 0 {
			line = pending.String() + strings.TrimLeft(line, " \t")
			pending.Reset()
		}
		switch {
		case strings.HasPrefix(line, "\t"):
			if cur == "" {
				continue // a recipe of a rule left out
			}
			t := mf.Targets[cur]
			t.Recipe = append(t.Recipe, strings.TrimSpace(line))
			mf.Targets[cur] = t
		case strings.HasPrefix(line, ".PHONY") || strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			// neither a rule nor a variable; a blank line or comment ends nothing
		default:
			if m := varLine.FindStringSubmatch(line); m != nil {
				mf.Vars[m[1]] = strings.TrimSpace(m[2])
				cur = ""
				continue
			}
			m := ruleLine.FindStringSubmatch(line)
			if m == nil {
				cur = "" // a rule this reader leaves out
				continue
			}
			if _, dup := mf.Targets[m[1]]; dup {
				return nil, fmt.Errorf("makefile:%d: target %s defined twice", n, m[1])
			}
			deps, _, _ := strings.Cut(m[2], "##")
			cur = m[1]
			mf.Targets[cur] = Target{Prereqs: strings.Fields(deps)}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("makefile: %w", err)
	}
	return mf, nil
}

// subMake finds the targets a recipe line runs through $(MAKE).
var subMake = regexp.MustCompile(`\$\(MAKE\)((?:\s+[^\s;&|]+)*)`)

// SubMakes returns the targets that target's recipe runs with $(MAKE), in
// order: the words after $(MAKE) that name a target of mf.
func (mf *Makefile) SubMakes(target string) []string {
	var out []string
	for _, line := range mf.Targets[target].Recipe {
		for _, m := range subMake.FindAllStringSubmatch(line, -1) {
			for _, w := range strings.Fields(m[1]) {
				if _, ok := mf.Targets[w]; ok && !slices.Contains(out, w) {
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// Closure returns the targets that running targets runs, each once:
// themselves, their prerequisites and the targets their recipes run through
// $(MAKE), recursively. It fails on a name that is not a target.
func (mf *Makefile) Closure(targets ...string) ([]string, error) {
	var out []string
	var visit func(string) error
	visit = func(name string) error {
		if slices.Contains(out, name) {
			return nil
		}
		t, ok := mf.Targets[name]
		if !ok {
			return fmt.Errorf("no make target %q", name)
		}
		out = append(out, name)
		for _, d := range append(slices.Clone(t.Prereqs), mf.SubMakes(name)...) {
			if err := visit(d); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
	for _, t := range targets {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DefaultTestTimeout is what go test allows a test binary without -timeout.
const DefaultTestTimeout = 10 * time.Minute

var (
	goTest    = regexp.MustCompile(`\bgo(?:\s+-C\s+\S+)?\s+test\b`)
	timeout   = regexp.MustCompile(`\s-timeout[= ](\S+)`)
	forLoop   = regexp.MustCompile(`\bfor\s+\w+\s+in\s+([^;]*);`)
	makeVar   = regexp.MustCompile(`\$\(([A-Z_][A-Z0-9_]*)\)`)
	cmdBorder = regexp.MustCompile(`;|&&|\|\||\|`)
)

// TestTime returns how long target's own recipe lets its go test commands
// run: the sum of their -timeout values (DefaultTestTimeout where a command
// sets none), a command inside `for x in WORDS;` counted once per word.
// Prerequisites are not included; see Budget.
func (mf *Makefile) TestTime(target string) (time.Duration, error) {
	var total time.Duration
	for _, line := range mf.Targets[target].Recipe {
		loopBody, times := -1, 1
		if m := forLoop.FindStringSubmatchIndex(line); m != nil {
			loopBody, times = m[1], len(strings.Fields(mf.expand(line[m[2]:m[3]])))
		}
		for _, loc := range goTest.FindAllStringIndex(line, -1) {
			cmd := line[loc[0]:]
			if b := cmdBorder.FindStringIndex(cmd); b != nil {
				cmd = cmd[:b[0]]
			}
			if strings.Contains(cmd, " -list ") {
				continue // lists tests, runs none
			}
			d := DefaultTestTimeout
			if m := timeout.FindStringSubmatch(cmd); m != nil {
				var err error
				if d, err = time.ParseDuration(m[1]); err != nil {
					return 0, fmt.Errorf("target %s: -timeout %s: %w", target, m[1], err)
				}
			}
			if loopBody >= 0 && loc[0] >= loopBody {
				d *= time.Duration(times)
			}
			total += d
		}
	}
	return total, nil
}

// Budget returns the test time of everything running targets runs (see
// Closure and TestTime).
func (mf *Makefile) Budget(targets ...string) (time.Duration, error) {
	all, err := mf.Closure(targets...)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, t := range all {
		d, err := mf.TestTime(t)
		if err != nil {
			return 0, err
		}
		total += d
	}
	return total, nil
}

// expand replaces $(VAR) with the variable's value, recursively, for the
// variables mf knows.
func (mf *Makefile) expand(s string) string {
	for range 10 {
		next := makeVar.ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := mf.Vars[m[2:len(m)-1]]; ok {
				return v
			}
			return m
		})
		if next == s {
			break
		}
		s = next
	}
	return s
}

// minutes formats d in whole minutes, rounded up, as workflows state them.
func minutes(d time.Duration) string {
	return strconv.Itoa(int((d + time.Minute - 1) / time.Minute))
}
