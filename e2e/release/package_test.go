package release

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// pkgFile is a file a package must install: where from, and its mode.
type pkgFile struct {
	src  string // repository path, or "" for the program's binary
	mode os.FileMode
}

// packageFiles returns the files the package of binary must hold in format
// (deb, rpm or apk), keyed by absolute path.
func packageFiles(binary, format string) map[string]pkgFile {
	files := map[string]pkgFile{
		"/usr/bin/" + binary:                      {"", 0o755},
		"/usr/share/doc/" + binary + "/README.md": {binary + "/README.md", 0o644},
	}
	if format == "deb" {
		files["/usr/share/doc/"+binary+"/copyright"] = pkgFile{"LICENSE", 0o644}
	} else {
		files["/usr/share/licenses/"+binary+"/LICENSE"] = pkgFile{"LICENSE", 0o644}
	}
	// Only the systemd-based formats carry hello's unit and settings.
	if binary == "hello" && format != "apk" {
		files["/usr/lib/systemd/system/hello.service"] = pkgFile{"packaging/hello/hello.service", 0o644}
		files["/etc/default/hello"] = pkgFile{"packaging/hello/hello.default", 0o644}
	}
	return files
}

// configFiles lists the files of binary's package that are configuration
// (kept on upgrade and removal).
func configFiles(binary string) []string {
	if binary == "hello" {
		return []string{"/etc/default/hello"}
	}
	return nil
}

// packageArch maps GOARCH to the architecture rpm and apk packages name.
var packageArch = map[string]string{"amd64": "x86_64", "arm64": "aarch64"}

// packagesOf returns the Linux packages of one format, after checking that
// there is exactly one per binary and architecture.
func packagesOf(t *testing.T, f *fixture, format string) []art {
	t.Helper()
	var out []art
	for _, a := range f.ofType("Linux Package") {
		if a.extra("Format") == format {
			out = append(out, a)
		}
	}
	assertCoverage(t, format, out)
	return out
}

var (
	archiveBinariesOnce sync.Once
	archiveBinaries     map[string][]byte // "id/goarch" -> binary
)

// releasedBinary returns the binary of the archive for id and goarch, the
// bytes every package and image must carry.
func releasedBinary(t *testing.T, f *fixture, id, goarch string) []byte {
	t.Helper()
	archiveBinariesOnce.Do(func() {
		archiveBinaries = map[string][]byte{}
		for _, a := range f.ofType("Archive") {
			files := readTarGz(t, f.path(a))
			archiveBinaries[a.id()+"/"+a.Goarch] = files[a.id()].data
		}
	})
	b, ok := archiveBinaries[id+"/"+goarch]
	if !ok {
		t.Fatalf("no archive for %s/%s", id, goarch)
	}
	return b
}

// assertContent checks a packaged file's bytes against its source.
func assertContent(t *testing.T, f *fixture, pkg art, path string, want pkgFile, got []byte) {
	t.Helper()
	var expected []byte
	if want.src == "" {
		expected = releasedBinary(t, f, pkg.id(), pkg.Goarch)
	} else {
		var err error
		if expected, err = os.ReadFile(filepath.Join(f.repo, want.src)); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, expected) {
		t.Errorf("%s differs from %s", path, cmp.Or(want.src, "the archive's binary"))
	}
}

// TestDebPackages checks each deb with dpkg-deb: control fields, conffiles,
// maintainer scripts and every installed file with its mode, owner, time and
// bytes.
func TestDebPackages(t *testing.T) {
	f := snapshot(t)
	for _, pkg := range packagesOf(t, f, "deb") {
		t.Run(pkg.Name, func(t *testing.T) {
			binary, path := pkg.id(), f.path(pkg)
			fields := debFields(t, path)
			want := map[string]string{
				"Package":      binary,
				"Architecture": pkg.Goarch,
				"Version":      debVersion(f.meta.Version),
				"Homepage":     "https://github.com/go-multistage/multistage",
				"Priority":     "optional",
			}
			for key, value := range want {
				if fields[key] != value {
					t.Errorf("control field %s = %q, want %q", key, fields[key], value)
				}
			}
			for _, key := range []string{"Maintainer", "Description", "Section"} {
				if fields[key] == "" {
					t.Errorf("control field %s is empty", key)
				}
			}
			if fields["Depends"] != "" {
				t.Errorf("a static binary needs no dependencies, got Depends: %s", fields["Depends"])
			}

			control := tarOf(t, "dpkg-deb", "--ctrl-tarfile", path)
			var conffiles []string
			for line := range strings.Lines(string(control["conffiles"].data)) {
				conffiles = append(conffiles, strings.TrimSpace(line))
			}
			if !slices.Equal(conffiles, configFiles(binary)) {
				t.Errorf("conffiles = %q, want %q", conffiles, configFiles(binary))
			}
			for _, script := range []string{"postinst", "prerm", "postrm"} {
				_, has := control[script]
				if has != (binary == "hello") {
					t.Errorf("control has %s: %v, want %v", script, has, binary == "hello")
				}
			}

			data := tarOf(t, "dpkg-deb", "--fsys-tarfile", path)
			wantFiles := packageFiles(binary, "deb")
			got := map[string]tarFile{}
			for name, file := range data {
				got["/"+name] = file
			}
			if names, wantNames := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(wantFiles)); !slices.Equal(names, wantNames) {
				t.Fatalf("files %q, want %q", names, wantNames)
			}
			for name, file := range got {
				wf := wantFiles[name]
				if mode := file.header.FileInfo().Mode().Perm(); mode != wf.mode {
					t.Errorf("%s: mode %v, want %v", name, mode, wf.mode)
				}
				if file.header.Uname != "root" || file.header.Gname != "root" {
					t.Errorf("%s: owner %s:%s, want root:root", name, file.header.Uname, file.header.Gname)
				}
				if !file.header.ModTime.Equal(f.commitDate) {
					t.Errorf("%s: mtime %s, want the commit date %s", name, file.header.ModTime.UTC(), f.commitDate.UTC())
				}
				assertContent(t, f, pkg, name, wf, file.data)
			}
		})
	}
}

// TestDebInstall installs the amd64 debs with dpkg into a scratch root (a
// busybox shell for the maintainer scripts), runs the installed binary, then
// removes and purges the package.
func TestDebInstall(t *testing.T) {
	f := snapshot(t)
	// dpkg chroots to run maintainer scripts.
	host := newScratchHost(t, "installing a deb into a scratch root")
	for _, pkg := range amd64Packages(t, f, "deb") {
		t.Run(pkg.Name, func(t *testing.T) {
			binary, root := pkg.id(), host.scratchRoot(t)
			dpkg := func(args ...string) string {
				t.Helper()
				// The maintainer scripts run chrooted into root, with its busybox sh.
				out, err := host.asRoot.output("dpkg", append([]string{"--root=" + root, "--log=/dev/null"}, args...)...)
				if err != nil {
					t.Fatalf("dpkg %q: %v", args, err)
				}
				return out
			}
			dpkg("--install", f.path(pkg))
			status := dpkg("--status", binary)
			if !strings.Contains(status, "Status: install ok installed") {
				t.Fatalf("after install, dpkg --status says:\n%s", status)
			}
			exe := assertInstalled(t, f, pkg, root)

			dpkg("--remove", binary)
			if _, err := os.Stat(exe); !os.IsNotExist(err) {
				t.Errorf("after remove, %s: %v, want gone", exe, err)
			}
			for _, conf := range configFiles(binary) {
				if _, err := os.Stat(filepath.Join(root, conf)); err != nil {
					t.Errorf("after remove, configuration %s should stay: %v", conf, err)
				}
			}
			dpkg("--purge", binary)
			for _, conf := range configFiles(binary) {
				if _, err := os.Stat(filepath.Join(root, conf)); !os.IsNotExist(err) {
					t.Errorf("after purge, %s: %v, want gone", conf, err)
				}
			}
		})
	}
}

// amd64Packages returns the amd64 packages of format (packagesOf): the ones
// whose binaries run here without qemu, which the install tests install.
func amd64Packages(t *testing.T, f *fixture, format string) []art {
	t.Helper()
	return slices.DeleteFunc(packagesOf(t, f, format), func(a art) bool { return a.Goarch != "amd64" })
}

// assertInstalled checks that every file pkg must hold (packageFiles) is in
// root with its source's bytes, and that the installed binary runs and
// prints the release's version line. It returns the binary's path.
func assertInstalled(t *testing.T, f *fixture, pkg art, root string) string {
	t.Helper()
	binary := pkg.id()
	for name, want := range packageFiles(binary, pkg.extra("Format")) {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Errorf("installed file: %v", err)
			continue
		}
		assertContent(t, f, pkg, name, want, got)
	}
	exe := filepath.Join(root, "usr", "bin", binary)
	assertVersionLine(t, runBinary(t, exe, pkg.Goarch, "", versionArg[binary]), binary, f)
	return exe
}

// scratchRoot makes an empty dpkg root with the busybox shell, removed after
// the test (as root, as dpkg leaves root-owned files in it).
func (h scratchHost) scratchRoot(t *testing.T) string {
	t.Helper()
	root, err := os.MkdirTemp("", "release-e2e-dpkg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := h.asRoot.output("rm", "-rf", root); err != nil {
			t.Errorf("removing the scratch root: %v", err)
		}
	})
	for _, dir := range []string{"bin", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, file := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		if err := os.WriteFile(filepath.Join(root, file), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(h.busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("busybox", filepath.Join(root, "bin", "sh")); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestRPMPackages checks each rpm as `rpm -qp` reads it: name, version,
// architecture, license and every file with its mode, owner, time, config
// flag and digest.
func TestRPMPackages(t *testing.T) {
	f := snapshot(t)
	for _, pkg := range packagesOf(t, f, "rpm") {
		t.Run(pkg.Name, func(t *testing.T) {
			binary := pkg.id()
			p, err := queryRPM(f.path(pkg))
			if err != nil {
				t.Fatal(err)
			}
			for tag, got := range map[string][2]string{
				"name":    {p.name, binary},
				"arch":    {p.arch, packageArch[pkg.Goarch]},
				"license": {p.license, "MIT"},
			} {
				if got[0] != got[1] {
					t.Errorf("rpm %s %q, want %q", tag, got[0], got[1])
				}
			}
			if v := p.version + "-" + p.release; !strings.HasPrefix(v, rpmVersionPrefix(f.meta.Version)) {
				t.Errorf("rpm version-release %q does not start with %q", v, rpmVersionPrefix(f.meta.Version))
			}
			wantFiles := packageFiles(binary, "rpm")
			var names []string
			for _, file := range p.files {
				names = append(names, file.path)
				wf, ok := wantFiles[file.path]
				if !ok {
					continue
				}
				if file.mode != wf.mode {
					t.Errorf("%s: mode %v, want %v", file.path, file.mode, wf.mode)
				}
				if file.user != "root" {
					t.Errorf("%s: owner %q, want root", file.path, file.user)
				}
				if file.mtime != f.commitDate.Unix() {
					t.Errorf("%s: mtime %d, want the commit date %d", file.path, file.mtime, f.commitDate.Unix())
				}
				isConfig := file.flags&rpmFileConfig != 0
				if isConfig != slices.Contains(configFiles(binary), file.path) {
					t.Errorf("%s: config flag %v", file.path, isConfig)
				}
				if file.path == "/usr/bin/"+binary {
					sum := sha256.Sum256(releasedBinary(t, f, binary, pkg.Goarch))
					if file.digest != hex.EncodeToString(sum[:]) {
						t.Errorf("%s: digest %s, want the archive binary's %x", file.path, file.digest, sum)
					}
				}
			}
			slices.Sort(names)
			if wantNames := slices.Sorted(maps.Keys(wantFiles)); !slices.Equal(names, wantNames) {
				t.Errorf("files %q, want %q", names, wantNames)
			}
		})
	}
}

// TestAPKPackages reads each apk (concatenated gzip'd tar segments) with the
// standard library: .PKGINFO, install scripts and every file.
func TestAPKPackages(t *testing.T) {
	f := snapshot(t)
	for _, pkg := range packagesOf(t, f, "apk") {
		t.Run(pkg.Name, func(t *testing.T) {
			binary := pkg.id()
			entries := readTarGz(t, f.path(pkg))
			info := map[string]string{}
			sc := bufio.NewScanner(bytes.NewReader(entries[".PKGINFO"].data))
			for sc.Scan() {
				if key, value, ok := strings.Cut(sc.Text(), " = "); ok {
					info[key] = value
				}
			}
			for key, want := range map[string]string{"pkgname": binary, "arch": packageArch[pkg.Goarch], "license": "MIT"} {
				if info[key] != want {
					t.Errorf(".PKGINFO %s = %q, want %q", key, info[key], want)
				}
			}
			if !strings.HasPrefix(info["pkgver"], strings.SplitN(f.meta.Version, "-", 2)[0]) {
				t.Errorf(".PKGINFO pkgver = %q, want the release version %s", info["pkgver"], f.meta.Version)
			}
			wantFiles := packageFiles(binary, "apk")
			var names []string
			for name, file := range entries {
				if strings.HasPrefix(name, ".") {
					continue // .PKGINFO, .post-install and other control entries
				}
				names = append(names, "/"+name)
				if wf, ok := wantFiles["/"+name]; ok {
					if mode := file.header.FileInfo().Mode().Perm(); mode != wf.mode {
						t.Errorf("/%s: mode %v, want %v", name, mode, wf.mode)
					}
					assertContent(t, f, pkg, "/"+name, wf, file.data)
				}
			}
			slices.Sort(names)
			if wantNames := slices.Sorted(maps.Keys(wantFiles)); !slices.Equal(names, wantNames) {
				t.Errorf("files %q, want %q", names, wantNames)
			}
		})
	}
}

// TestSystemdUnit checks the packaged unit with systemd-analyze verify, with
// ExecStart pointed at the released amd64 binary.
func TestSystemdUnit(t *testing.T) {
	f := snapshot(t)
	unit, err := os.ReadFile(filepath.Join(f.repo, "packaging", "hello", "hello.service"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "hello")
	if err := os.WriteFile(exe, releasedBinary(t, f, "hello", "amd64"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(unit), "ExecStart=/usr/bin/hello", "ExecStart="+exe, 1)
	if text == string(unit) {
		t.Fatal("unit has no ExecStart=/usr/bin/hello")
	}
	for _, want := range []string{"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=\n", "EnvironmentFile=-/etc/default/hello"} {
		if !strings.Contains(text, want) {
			t.Errorf("unit lacks %q", strings.TrimSpace(want))
		}
	}
	path := filepath.Join(dir, "hello.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := command.New("systemd-analyze", "verify", "--man=no", path).Run(t); r.Code != 0 || strings.TrimSpace(r.Stdout+r.Stderr) != "" {
		t.Errorf("systemd-analyze verify: %s", r)
	}
}

// tarOf runs a command that writes a tar stream and reads it.
func tarOf(t *testing.T, name string, args ...string) map[string]tarFile {
	t.Helper()
	c := command.New(name, args...)
	r := c.Run(t)
	if r.Code != 0 {
		t.Fatalf("%s: %s", c, r)
	}
	files, err := readTar(strings.NewReader(r.Stdout)) // raw: not trimmed
	if err != nil {
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return files
}

// debFields returns the control fields of a deb.
func debFields(t *testing.T, path string) map[string]string {
	t.Helper()
	out, err := command.New("dpkg-deb", "--field", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	var last string
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, " ") && last != "" {
			fields[last] += "\n" + strings.TrimSpace(line)
			continue
		}
		if key, value, ok := strings.Cut(line, ":"); ok {
			last = key
			fields[key] = strings.TrimSpace(value)
		}
	}
	return fields
}

// debVersion is the deb version nFPM makes of a release version: the
// pre-release part follows a "~", so that it sorts before the release.
func debVersion(version string) string {
	base, pre, ok := strings.Cut(version, "-")
	if !ok {
		return version
	}
	return base + "~" + pre
}

// rpmVersionPrefix is the start of the rpm version-release of a release
// version.
func rpmVersionPrefix(version string) string {
	base, _, _ := strings.Cut(version, "-")
	return base
}
