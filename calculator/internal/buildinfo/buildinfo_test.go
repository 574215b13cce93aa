package buildinfo

import (
	"encoding/binary"
	"maps"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestReadModInfo checks the reading of the toolchain's record from the
// test binary's own file against runtime/debug's.
func TestReadModInfo(t *testing.T) {
	want, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("debug.ReadBuildInfo: no build information")
	}
	got := parseModInfo(readModInfo())
	if got.path != want.Path || got.version != want.Main.Version {
		t.Errorf("path, version = %q, %q; want %q, %q", got.path, got.version, want.Path, want.Main.Version)
	}
	settings := map[string]string{}
	for _, s := range want.Settings {
		settings[s.Key] = s.Value
	}
	if len(settings) == 0 {
		t.Fatal("the test binary has no build settings to compare")
	}
	if !maps.Equal(got.settings, settings) {
		t.Errorf("settings = %v, want %v", got.settings, settings)
	}
}

func TestFindModInfo(t *testing.T) {
	const mod = "path\tp\nmod\tp\tv1.2.3\t\nbuild\tvcs.revision=abc\n"
	section := func(flags byte, modinfo string) []byte {
		b := make([]byte, 32)
		copy(b, header)
		b[14], b[15] = 8, flags
		b = binary.AppendUvarint(b, 6)
		b = append(b, "go1.26"...)
		b = binary.AppendUvarint(b, uint64(len(modinfo)))
		return append(b, modinfo...)
	}
	at := func(offset int, parts ...[]byte) []byte {
		b := make([]byte, offset)
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	framed := infoStart + mod + infoEnd
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"found", at(64, section(flagInline, framed)), mod},
		{"after a false start", at(16, []byte(header+"x"), make([]byte, 17), section(flagInline, framed)), mod},
		{"misaligned", at(65, section(flagInline, framed)), ""},
		{"old format", at(64, section(0, framed)), ""},
		{"no markers", at(64, section(flagInline, mod)), ""},
		{"cut short", at(64, section(flagInline, framed))[:64+40], ""},
		{"nothing", []byte("no header here"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findModInfo(tt.data); got != tt.want {
				t.Errorf("findModInfo = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseModInfo(t *testing.T) {
	m := parseModInfo("path\tex/cmd\nmod\tex\tv1.2.3\th1:x=\ndep\tgolang.org/x/term\tv0.47.0\th1:y=\n" +
		"build\t-ldflags=\"-s -w\"\nbuild\tvcs.revision=0123abc\nbuild\tvcs.time=2026-01-02T03:04:05Z\n")
	if m.path != "ex/cmd" || m.version != "v1.2.3" {
		t.Errorf("path, version = %q, %q", m.path, m.version)
	}
	want := map[string]string{"-ldflags": "-s -w", "vcs.revision": "0123abc", "vcs.time": "2026-01-02T03:04:05Z"}
	if !maps.Equal(m.settings, want) {
		t.Errorf("settings = %v, want %v", m.settings, want)
	}
}

func TestFill(t *testing.T) {
	recorded := modInfo{version: "v0.3.0", settings: map[string]string{
		"vcs.revision": "0123abc", "vcs.time": "2026-01-02T03:04:05Z", "vcs.modified": "false"}}
	tests := []struct {
		name string
		set  Info
		m    modInfo
		want Info
	}{
		{"nothing known", Info{}, modInfo{}, Info{Version: "dev", Commit: "none", Date: "unknown"}},
		{"devel version ignored", Info{}, modInfo{version: "(devel)"},
			Info{Version: "dev", Commit: "none", Date: "unknown"}},
		{"recorded by the toolchain", Info{}, recorded,
			Info{Version: "v0.3.0", Commit: "0123abc", Date: "2026-01-02T03:04:05Z"}},
		{"linker flags win", Info{Version: "v1.0.0", Commit: "fff", Date: "2026-03-04T00:00:00Z"}, recorded,
			Info{Version: "v1.0.0", Commit: "fff", Date: "2026-03-04T00:00:00Z"}},
		{"partly set", Info{Version: "v1.0.0"}, recorded,
			Info{Version: "v1.0.0", Commit: "0123abc", Date: "2026-01-02T03:04:05Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withDefaults(fill(tt.set, tt.m)); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	info := Get()
	if info.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", info.GoVersion, runtime.Version())
	}
	if info.Version == "" || info.Commit == "" || info.Date == "" {
		t.Errorf("Get() = %+v: empty fields", info)
	}
}

func TestString(t *testing.T) {
	info := Info{Version: "v1.2.3", Commit: "abc1234", Date: "2026-01-02T03:04:05Z", GoVersion: "go1.26.0"}
	if got, want := info.String(), "v1.2.3 (commit abc1234, 2026-01-02T03:04:05Z, go1.26.0)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
