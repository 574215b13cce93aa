package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	withVCS := &debug.BuildInfo{
		Main: debug.Module{Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc123"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		},
	}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}

	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{
			name:    "ldflags win over build info",
			version: "v2.0.0", commit: "fff", date: "2026-05-05T00:00:00Z",
			bi:   withVCS,
			want: Info{Version: "v2.0.0", Commit: "fff", Date: "2026-05-05T00:00:00Z"},
		},
		{
			name:    "build info fills what ldflags left empty",
			version: "v2.0.0",
			bi:      withVCS,
			want:    Info{Version: "v2.0.0", Commit: "abc123", Date: "2026-01-02T03:04:05Z"},
		},
		{
			name: "go install module@version",
			bi:   withVCS,
			want: Info{Version: "v1.4.0", Commit: "abc123", Date: "2026-01-02T03:04:05Z"},
		},
		{
			name: "devel build without VCS",
			bi:   devel,
			want: Info{Version: DefaultVersion, Commit: DefaultCommit, Date: DefaultDate},
		},
		{
			name: "no build info at all",
			want: Info{Version: DefaultVersion, Commit: DefaultCommit, Date: DefaultDate},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolve(tt.version, tt.commit, tt.date, tt.bi)
			tt.want.GoVersion = runtime.Version()
			tt.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got != tt.want {
				t.Errorf("resolve() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGetUsesLinkerVariables(t *testing.T) {
	saved := [3]string{Version, Commit, Date}
	t.Cleanup(func() { Version, Commit, Date = saved[0], saved[1], saved[2] })
	Version, Commit, Date = "v9.9.9", "deadbeef", "2030-01-01T00:00:00Z"

	got := Get()
	if got.Version != "v9.9.9" || got.Commit != "deadbeef" || got.Date != "2030-01-01T00:00:00Z" {
		t.Errorf("Get() = %+v, want the linker variables", got)
	}
}

func TestString(t *testing.T) {
	s := Info{Version: "v1", Commit: "c", Date: "d", GoVersion: "go1.26", Platform: "linux/amd64"}.String()
	want := "hello v1 (commit c, built d, go1.26 linux/amd64)"
	if s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	if strings.Contains(s, "\n") {
		t.Errorf("String() spans lines: %q", s)
	}
}
