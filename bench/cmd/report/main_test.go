package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(options) bool
		wantErr bool
	}{
		{"full by default", nil, nil, func(o options) bool { return !o.quick && !o.ci && o.reportPath == "REPORT.md" }, false},
		{"quick from the environment", nil, map[string]string{"BENCH_QUICK": "1"},
			func(o options) bool { return o.quick && o.reportPath == filepath.Join("out", "REPORT.md") }, false},
		{"CI from the environment", nil, map[string]string{"CI": "true"}, func(o options) bool { return o.ci }, false},
		{"CI=false", nil, map[string]string{"CI": "false"}, func(o options) bool { return !o.ci }, false},
		{"-only", []string{"-only", "http,conns"}, nil, func(o options) bool { return slices.Equal(o.only, []string{"http", "conns"}) }, false},
		{"-only an unknown section", []string{"-only", "http,nope"}, nil, nil, true},
		{"images from the environment", nil, map[string]string{"GO_IMAGE": "g", "ALPINE_IMAGE": "a"},
			func(o options) bool { return o.goImage == "g" && o.alpineImage == "a" }, false},
		{"flags win", []string{"-quick=false", "-report", "x.md", "-server-cpu", ""}, map[string]string{"BENCH_QUICK": "1"},
			func(o options) bool { return !o.quick && o.reportPath == "x.md" && o.serverCPU == "" }, false},
		{"image tag dev by default", nil, nil, func(o options) bool { return o.imageTag == "dev" }, false},
		{"image tag from the environment", nil, map[string]string{"IMAGE_TAG": "h-1.x"}, func(o options) bool { return o.imageTag == "h-1.x" }, false},
		{"-image-tag wins", []string{"-image-tag", "mine"}, map[string]string{"IMAGE_TAG": "theirs"}, func(o options) bool { return o.imageTag == "mine" }, false},
		{"-image-tag not a tag", []string{"-image-tag", "a/b"}, nil, nil, true},
		{"-image-tag empty", []string{"-image-tag", ""}, nil, nil, true},
		{"-image-tag starting with -", []string{"-image-tag", "-x"}, nil, nil, true},
		{"stray argument", []string{"extra"}, nil, nil, true},
		{"unknown flag", []string{"-nope"}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parse(tt.args, env(tt.env), io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parse error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !tt.check(o) {
				t.Errorf("parse(%v) = %+v", tt.args, o)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	if got := commandLine(options{quick: true}, nil, env(map[string]string{"MAKELEVEL": "1"})); got != "BENCH_QUICK=1 make bench" {
		t.Errorf("under make: %q", got)
	}
	if got := commandLine(options{quick: true, imageTag: "mine"}, nil, env(map[string]string{"MAKELEVEL": "1", "IMAGE_TAG": "mine"})); got != "IMAGE_TAG=mine BENCH_QUICK=1 make bench" {
		t.Errorf("under make with IMAGE_TAG: %q", got)
	}
	if got := commandLine(options{}, []string{"-load-cpu", "1"}, env(nil)); got != "cd bench && GOWORK=off go run ./cmd/report -load-cpu 1" {
		t.Errorf("direct: %q", got)
	}
}

func TestNotes(t *testing.T) {
	if n := notes(options{serverCPU: "0", loadCPU: "1"}); len(n) != 1 {
		t.Errorf("pinned apart: %d notes, want only the general one", len(n))
	}
	if n := notes(options{}); len(n) != 2 || !strings.Contains(n[1], "not pinned") {
		t.Errorf("unpinned: %v", n)
	}
	if n := notes(options{serverCPU: "0", loadCPU: "0"}); len(n) != 2 || !strings.Contains(n[1], "same CPU") {
		t.Errorf("same CPU: %v", n)
	}
}

func TestPrepareReport(t *testing.T) {
	bench := t.TempDir()
	got, err := prepareReport(bench, filepath.Join("out", "new", "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(bench, "out", "new", "REPORT.md"); got != want {
		t.Errorf("path %q, want %q", got, want)
	}
	if fi, err := os.Stat(filepath.Dir(got)); err != nil || !fi.IsDir() {
		t.Errorf("report directory not made: %v", err)
	}
	abs := filepath.Join(t.TempDir(), "a", "R.md")
	if got, err := prepareReport(bench, abs); err != nil || got != abs {
		t.Errorf("absolute path: %q, %v; want %q", got, err, abs)
	}
	file := filepath.Join(bench, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := prepareReport(bench, filepath.Join("file", "R.md")); err == nil {
		t.Error("a report under a regular file: no error")
	}
}

func TestRunRejectsBadUsage(t *testing.T) {
	var stderr strings.Builder
	if code := run(context.Background(), []string{"extra"}, env(nil), &stderr); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if code := run(context.Background(), []string{"-h"}, env(nil), &stderr); code != 0 {
		t.Errorf("-h: exit code %d, want 0", code)
	}
}
