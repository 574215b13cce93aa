// Package buildinfo reports which build of the program is running.
//
// Release builds set the variables with the linker:
//
//	go build -ldflags "-X github.com/go-multistage/multistage/hello/internal/buildinfo.Version=v1.2.3 \
//	  -X github.com/go-multistage/multistage/hello/internal/buildinfo.Commit=0123abc \
//	  -X github.com/go-multistage/multistage/hello/internal/buildinfo.Date=2026-01-02T03:04:05Z"
//
// Without them, [Get] falls back to what the Go toolchain recorded in the
// binary (module version, VCS revision and time), then to "dev", "none" and
// "unknown".
//
// It must not depend on the rest of hello or do I/O: it only reads what
// the linker and the toolchain put in the binary.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Values set at link time with -X. Empty means "not set".
var (
	// Version is the release version, for example "v1.2.3".
	Version string
	// Commit is the VCS revision the binary was built from.
	Commit string
	// Date is when that revision was committed (or built), RFC 3339.
	Date string
)

// Defaults reported when neither the linker nor the toolchain recorded a value.
const (
	DefaultVersion = "dev"
	DefaultCommit  = "none"
	DefaultDate    = "unknown"
)

// Info describes a build. The JSON names are part of the /version API.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Get returns the build information of the running binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Version, Commit, Date, bi)
}

// resolve picks, for each field, the linker value, else the toolchain's
// record in bi (which may be nil), else the default.
func resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	info := Info{
		Version:   version,
		Commit:    commit,
		Date:      date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi != nil {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.Date == "":
				info.Date = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = DefaultVersion
	}
	if info.Commit == "" {
		info.Commit = DefaultCommit
	}
	if info.Date == "" {
		info.Date = DefaultDate
	}
	return info
}

// String formats the information on one line, for "hello version".
func (i Info) String() string {
	return fmt.Sprintf("hello %s (commit %s, built %s, %s %s)",
		i.Version, i.Commit, i.Date, i.GoVersion, i.Platform)
}
