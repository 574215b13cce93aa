// Package buildinfo tells which build of the program is running.
//
// Release builds set the variables with the linker:
//
//	go build -ldflags "-X github.com/go-multistage/multistage/calculator/internal/buildinfo.Version=v1.2.3 \
//	  -X github.com/go-multistage/multistage/calculator/internal/buildinfo.Commit=abc1234 \
//	  -X github.com/go-multistage/multistage/calculator/internal/buildinfo.Date=2026-01-02T03:04:05Z"
//
// Without them, Get falls back to what the Go toolchain recorded in the
// binary (main module version, vcs.revision, vcs.time: what
// runtime/debug.ReadBuildInfo returns), then to "dev", "none" and
// "unknown".
//
// It must not call runtime/debug.ReadBuildInfo, which links fmt (about
// 200 KB), nor os.ReadFile, whose Stat links the time zone code: it reads
// the toolchain's record from the program's own executable itself. It must
// not depend on the rest of the calculator.
package buildinfo

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Set with -ldflags "-X ...". Empty means unset.
var (
	Version string // release version, such as "v1.2.3"
	Commit  string // VCS revision the program was built from
	Date    string // time of that commit (RFC 3339)
)

// Info describes a build.
type Info struct {
	Version   string
	Commit    string
	Date      string
	GoVersion string // the Go toolchain that built the program
}

// Get returns the running program's build information.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version()}
	if info.Version == "" || info.Commit == "" || info.Date == "" {
		info = fill(info, recorded())
	}
	return withDefaults(info)
}

var (
	recordOnce sync.Once
	record     modInfo
)

// recorded returns the toolchain's record, read once.
func recorded() modInfo {
	recordOnce.Do(func() { record = parseModInfo(readModInfo()) })
	return record
}

// String returns the information on one line, such as
// "v1.2.3 (commit abc1234, 2026-01-02T03:04:05Z, go1.26.0)".
func (i Info) String() string {
	return i.Version + " (commit " + i.Commit + ", " + i.Date + ", " + i.GoVersion + ")"
}

// modInfo is the part of the toolchain's record that Get uses.
type modInfo struct {
	path     string            // main package's path
	version  string            // main module's version, "(devel)" when unknown
	settings map[string]string // build settings, such as vcs.revision
}

// fill completes the unset fields of info from the toolchain's record.
func fill(info Info, m modInfo) Info {
	if info.Version == "" && m.version != "(devel)" {
		info.Version = m.version
	}
	if info.Commit == "" {
		info.Commit = m.settings["vcs.revision"]
	}
	if info.Date == "" {
		info.Date = m.settings["vcs.time"]
	}
	return info
}

func withDefaults(info Info) Info {
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "none"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}

// readModInfo returns the toolchain's record of the running executable,
// read from its file, or "" if that fails.
//
// This is what runtime/debug.ReadBuildInfo parses, but that function
// links package fmt, with reflect, into the program: about 200 KB, more
// than the whole calculator, whose image must stay small.
func readModInfo() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	// Not os.ReadFile: its Stat links the time zone code (about 40 KB).
	f, err := os.Open(exe) //nolint:gosec // G304: the path is this program's own executable
	if err != nil {
		return ""
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	return findModInfo(data)
}

// Markers of the toolchain's record in an executable (see
// debug/buildinfo and cmd/link): a 16-byte aligned header, and the 16
// bytes before and after the module information.
const (
	header     = "\xff Go buildinf:"
	infoStart  = "0w\xaf\x0c\x92t\b\x02A\xe1\xc1\a\xe6\xd6\x18\xe6"
	infoEnd    = "\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2"
	flagInline = 2 // the header is followed by the strings themselves
)

// findModInfo returns the module information in data, an executable
// built by Go 1.18 or later: after the 32-byte header come the Go version
// and the module information, each a string with a varint length.
func findModInfo(data []byte) string {
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(header))
		if i < 0 {
			return ""
		}
		i += off
		off = i + 1
		if i%16 != 0 || len(data) < i+32 || data[i+15]&flagInline == 0 {
			continue // not the header, perhaps this very string
		}
		_, rest, ok := varString(data[i+32:])
		if !ok {
			continue
		}
		mod, _, ok := varString(rest)
		if !ok || len(mod) < len(infoStart)+len(infoEnd) ||
			!strings.HasPrefix(mod, infoStart) || !strings.HasSuffix(mod, infoEnd) {
			continue
		}
		return mod[len(infoStart) : len(mod)-len(infoEnd)]
	}
}

// varString reads a string with a varint length from the start of b.
func varString(b []byte) (s string, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}

// parseModInfo parses the lines of module information the parts that
// modInfo keeps: "path\tP", "mod\tP\tVERSION\tSUM" and "build\tKEY=VALUE"
// (VALUE quoted when it needs to be).
func parseModInfo(text string) modInfo {
	m := modInfo{settings: map[string]string{}}
	for line := range strings.Lines(text) {
		kind, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		switch kind {
		case "path":
			m.path = rest
		case "mod":
			fields := strings.Split(rest, "\t")
			if len(fields) >= 2 {
				m.version = fields[1]
			}
		case "build":
			key, value, ok := strings.Cut(rest, "=")
			if !ok {
				continue
			}
			if uq, err := strconv.Unquote(value); err == nil && strings.HasPrefix(value, `"`) {
				value = uq
			}
			m.settings[key] = value
		}
	}
	return m
}
