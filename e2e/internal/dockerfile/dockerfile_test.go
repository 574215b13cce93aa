package dockerfile

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParse(t *testing.T) {
	f, err := Parse(write(t, `# a comment
ARG GO_IMAGE=golang:1.26.8@sha256:abc
ARG EMPTY=""
ARG NODEFAULT

FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG INSTAGE=x
RUN echo \
    # a comment inside a continuation
    done

from scratch as Run
LABEL a="one two" \
      b=plain \
      c="say \"hi\"" d="${VERSION}"
LABEL e=""
FROM run
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Stages) != 3 {
		t.Fatalf("%d stages, want 3: %+v", len(f.Stages), f.Stages)
	}
	if s := f.Stages[0]; s.Name != "build" || s.From != "${GO_IMAGE}" || s.Line != 6 {
		t.Errorf("stage 0 = %+v, want build from ${GO_IMAGE} at line 6", s)
	}
	run, ok := f.Stage("run")
	if !ok || run.From != "scratch" || run.Line != 12 {
		t.Fatalf("Stage(run) = %+v, %v; want from scratch at line 12", run, ok)
	}
	wantLabels := map[string]string{"a": "one two", "b": "plain", "c": `say "hi"`, "d": "${VERSION}", "e": ""}
	if !maps.Equal(run.Labels, wantLabels) {
		t.Errorf("labels = %q, want %q", run.Labels, wantLabels)
	}
	if s := f.Stages[2]; s.From != "run" || s.Name != "" || len(s.Labels) != 0 {
		t.Errorf("stage 2 = %+v, want an unnamed stage from run without labels", s)
	}
}

func TestParseErrors(t *testing.T) {
	for name, content := range map[string]string{
		"no FROM":               "ARG A=b\n",
		"LABEL before FROM":     "LABEL a=b\nFROM scratch\n",
		"label without value":   "FROM scratch\nLABEL novalue\n",
		"unterminated quote":    "FROM scratch\nLABEL a=\"b\n",
		"dangling continuation": "FROM scratch\nRUN true \\\n",
		"bad FROM":              "FROM a b c d\n",
	} {
		t.Run(name, func(t *testing.T) {
			if f, err := Parse(write(t, content)); err == nil {
				t.Errorf("Parse succeeded: %+v", f)
			} else if !strings.Contains(err.Error(), "Dockerfile") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	if _, err := Parse(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Parse of a missing file succeeded")
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "B_2": "two"}
	for in, want := range map[string]string{
		"${A}":        "1",
		"$A-${B_2}":   "1-two",
		"x${UNSET}y":  "xy",
		"no vars":     "no vars",
		"$":           "$",
		"${A}${A}$B_": "11",
	} {
		if got := Expand(in, vars); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabelProblems(t *testing.T) {
	source := map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "${VERSION}"}
	for _, tc := range []struct {
		name string
		got  map[string]string
		vars map[string]string
		want int // problems
	}{
		{"same", map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "v1"}, nil, 0},
		{"stamped", map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "v1"}, map[string]string{"VERSION": "v1"}, 0},
		{"wrong stamp", map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "v1"}, map[string]string{"VERSION": "v2"}, 1},
		{"missing", map[string]string{"org.opencontainers.image.title": "hello"}, nil, 1},
		{"other value", map[string]string{"org.opencontainers.image.title": "hi", "org.opencontainers.image.version": ""}, nil, 1},
		{"extra OCI label", map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "", "org.opencontainers.image.url": "x"}, nil, 1},
		{"other labels pass", map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "", "maintainer": "x"}, nil, 0},
	} {
		if p := LabelProblems(tc.got, source, tc.vars); len(p) != tc.want {
			t.Errorf("%s: %d problems %q, want %d", tc.name, len(p), p, tc.want)
		}
	}
}
