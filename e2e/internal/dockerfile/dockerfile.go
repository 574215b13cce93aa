// Package dockerfile reads the stages of this repository's Dockerfiles and
// their LABELs, the one source of the images' OCI labels: the tests compare
// built images and the GoReleaser config with what this package reads.
//
// It is a reader for the instructions the repository uses (comments, line
// continuations, quoted values), not a Dockerfile parser: it knows nothing
// of heredocs, JSON-form arguments or escape directives, and it must never
// be used to build anything.
package dockerfile

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
)

// File is what a Dockerfile declares.
type File struct {
	Path   string
	Stages []Stage
}

// Stage is one FROM and what follows it up to the next FROM.
type Stage struct {
	Name   string // the AS name, or ""
	From   string // the base as written, e.g. ${ALPINE_IMAGE} or scratch
	Line   int    // the FROM line
	Labels map[string]string
}

// Stage returns the stage called name.
func (f *File) Stage(name string) (Stage, bool) {
	for _, s := range f.Stages {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Stage{}, false
}

// instruction is one logical line: continuations joined, comments dropped.
type instruction struct {
	line    int // where it starts
	keyword string
	args    string
}

// Parse reads the Dockerfile at path.
func Parse(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

// parse reads data, the content of the Dockerfile at path.
func parse(path string, data []byte) (*File, error) {
	ins, err := instructions(path, data)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path}
	for _, in := range ins {
		switch in.keyword {
		case "FROM":
			s, err := parseFrom(in)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, in.line, err)
			}
			f.Stages = append(f.Stages, s)
		case "LABEL":
			if len(f.Stages) == 0 {
				return nil, fmt.Errorf("%s:%d: LABEL before the first FROM", path, in.line)
			}
			if err := parseLabels(in.args, f.Stages[len(f.Stages)-1].Labels); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, in.line, err)
			}
		}
	}
	if len(f.Stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM", path)
	}
	return f, nil
}

// instructions splits data, the content of path, into logical lines.
func instructions(path string, data []byte) ([]instruction, error) {
	var (
		out     []instruction
		cur     strings.Builder
		start   int
		lineNum int
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lineNum++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue // as Docker does, even inside a continued instruction
		}
		if cur.Len() == 0 {
			start = lineNum
		}
		cont := strings.HasSuffix(line, `\`)
		cur.WriteString(strings.TrimSuffix(line, `\`))
		cur.WriteByte(' ')
		if cont {
			continue
		}
		keyword, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{start, strings.ToUpper(keyword), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("%s:%d: the last instruction ends in a line continuation", path, start)
	}
	return out, nil
}

// parseFrom reads "FROM [--flag=...]... IMAGE [AS NAME]".
func parseFrom(in instruction) (Stage, error) {
	var words []string
	for _, w := range strings.Fields(in.args) {
		if !strings.HasPrefix(w, "--") {
			words = append(words, w)
		}
	}
	s := Stage{Line: in.line, Labels: map[string]string{}}
	switch {
	case len(words) == 1:
		s.From = words[0]
	case len(words) == 3 && strings.EqualFold(words[1], "AS"):
		s.From, s.Name = words[0], words[2]
	default:
		return Stage{}, fmt.Errorf("FROM %s: want IMAGE [AS NAME]", in.args)
	}
	return s, nil
}

// parseLabels adds the key=value pairs of a LABEL instruction to labels.
func parseLabels(args string, labels map[string]string) error {
	words, err := splitWords(args)
	if err != nil {
		return err
	}
	for _, w := range words {
		key, value, ok := strings.Cut(w, "=")
		if !ok || key == "" {
			return fmt.Errorf("LABEL %q: want key=value", w)
		}
		labels[unquote(key)] = unquote(value)
	}
	return nil
}

// splitWords splits s at white space outside double quotes, keeping the
// quotes (unquote removes them).
func splitWords(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		quote bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && quote && i+1 < len(s):
			cur.WriteByte(c)
			i++
			cur.WriteByte(s[i])
		case c == '"':
			quote = !quote
			cur.WriteByte(c)
		case (c == ' ' || c == '\t') && !quote:
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if quote {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words, nil
}

// unquote removes double quotes and their backslash escapes.
func unquote(s string) string {
	var b strings.Builder
	quote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quote = !quote
		case c == '\\' && quote && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var variable = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// Expand replaces $NAME and ${NAME} in s with vars[NAME] ("" when unset).
func Expand(s string, vars map[string]string) string {
	return variable.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.Trim(m, "${}")
		return vars[name]
	})
}

// LabelProblems compares an image's labels with source, the LABELs of its
// Dockerfile stage, and says what differs: a source label missing or with
// another value, or an org.opencontainers.image.* label source does not
// write. With vars, source values are expanded first; without (nil), a value
// that names a variable is only required to be there.
func LabelProblems(got, source, vars map[string]string) []string {
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(source)) {
		want := source[key]
		value, ok := got[key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("label %s missing", key))
		case vars != nil:
			if want = Expand(want, vars); value != want {
				problems = append(problems, fmt.Sprintf("label %s = %q, want %q", key, value, want))
			}
		case !strings.Contains(want, "$") && value != want:
			problems = append(problems, fmt.Sprintf("label %s = %q, want %q", key, value, want))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(got)) {
		if _, ok := source[key]; !ok && strings.HasPrefix(key, "org.opencontainers.image.") {
			problems = append(problems, fmt.Sprintf("label %s=%q is not the Dockerfile's, whose labels are the only ones", key, got[key]))
		}
	}
	return problems
}
