package gobuild

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

func TestLdflags(t *testing.T) {
	const pkg = "github.com/go-multistage/multistage/hello/internal/buildinfo"
	tests := []struct {
		stamp Stamp
		want  string
	}{
		{Stamp{}, "-s -w"},
		{Stamp{Version: "v1.2.3"}, "-s -w -X " + pkg + ".Version=v1.2.3"},
		{Stamp{Version: "v1.2.3", Commit: "0123abc", Date: "2026-01-02T03:04:05Z"},
			"-s -w -X " + pkg + ".Version=v1.2.3 -X " + pkg + ".Commit=0123abc -X " + pkg + ".Date=2026-01-02T03:04:05Z"},
		{Stamp{Date: "2026-01-02T03:04:05Z"}, "-s -w -X " + pkg + ".Date=2026-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		if got := Ldflags("hello", tt.stamp); got != tt.want {
			t.Errorf("Ldflags(hello, %+v) =\n%s\nwant\n%s", tt.stamp, got, tt.want)
		}
	}
}

// writeModule writes a program shaped like ours: module demo, whose main
// prints what internal/buildinfo holds.
func writeModule(t *testing.T, mainBody string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                     "module " + modulePrefix + "demo\n\ngo 1.26.0\n",
		"internal/buildinfo/info.go": "// Package buildinfo holds the stamp.\npackage buildinfo\n\n// Version and Commit are set by -ldflags.\nvar Version, Commit = \"dev\", \"none\"\n",
		"main.go":                    "package main\n\nimport (\n\t\"fmt\"\n\n\t\"" + modulePrefix + "demo/internal/buildinfo\"\n)\n\nfunc main() {\n" + mainBody + "\n}\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the binary is built for linux and run here")
	}
	dir := writeModule(t, "\tfmt.Println(buildinfo.Version, buildinfo.Commit)")
	out := filepath.Join(t.TempDir(), "linux", "demo")
	if err := Build(dir, ".", out, Ldflags("demo", Stamp{Version: "v9.8.7"}), Linux...); err != nil {
		t.Fatal(err)
	}
	if got, err := command.New(out).Output(); err != nil || got != "v9.8.7 none" {
		t.Errorf("the binary printed %q, %v; want the stamped version and the default commit", got, err)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has an ELF interpreter: it is not static")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table: it is not stripped")
	}
	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-trimpath=true", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + runtime.GOARCH} {
		if !slices.ContainsFunc(info.Settings, func(s debug.BuildSetting) bool { return s.Key+"="+s.Value == want }) {
			t.Errorf("build settings %v lack %s", info.Settings, want)
		}
	}
}

func TestBuildError(t *testing.T) {
	dir := writeModule(t, "\tfmt.Println(buildinfo.Missing)")
	err := Build(dir, ".", filepath.Join(t.TempDir(), "demo"), "-s -w")
	if err == nil {
		t.Fatal("a program that does not compile built")
	}
	for _, want := range []string{"go build -trimpath -ldflags \"-s -w\"", "exit status 1", "undefined: buildinfo.Missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
