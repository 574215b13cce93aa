package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// modulePrefix is the module path prefix of both programs.
const modulePrefix = "github.com/go-multistage/multistage/"

// elfMachines maps GOARCH to the ELF machine of its binaries.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64,
	"arm64": elf.EM_AARCH64,
}

// TestArchives opens every archive and checks its files, their times and
// owners, and the binary inside: a static, stripped ELF for the archive's
// architecture, built from the right module and commit, that runs and
// answers.
func TestArchives(t *testing.T) {
	f := snapshot(t)
	archives := f.ofType("Archive")
	assertCoverage(t, "archive", archives)

	for _, a := range archives {
		t.Run(a.Name, func(t *testing.T) {
			binary := a.id()
			wantName := fmt.Sprintf("%s_%s_linux_%s.tar.gz", binary, f.meta.Version, a.Goarch)
			if a.Name != wantName {
				t.Errorf("archive name = %q, want %q", a.Name, wantName)
			}
			files := readTarGz(t, f.path(a))
			var names []string
			for name, file := range files {
				names = append(names, name)
				if !file.header.ModTime.Equal(f.commitDate) {
					t.Errorf("%s: mtime %s, want the commit date %s", name, file.header.ModTime.UTC(), f.commitDate.UTC())
				}
				if file.header.Uid != 0 || file.header.Gid != 0 || file.header.Uname != "root" || file.header.Gname != "root" {
					t.Errorf("%s: owner %d:%d (%s:%s), want root", name, file.header.Uid, file.header.Gid, file.header.Uname, file.header.Gname)
				}
			}
			slices.Sort(names)
			if want := []string{"LICENSE", "README.md", binary}; !slices.Equal(names, sortedCopy(want)) {
				t.Fatalf("archive holds %q, want %q", names, sortedCopy(want))
			}
			for name, src := range map[string]string{"LICENSE": "LICENSE", "README.md": filepath.Join(binary, "README.md")} {
				want, err := os.ReadFile(filepath.Join(f.repo, src))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(files[name].data, want) {
					t.Errorf("%s differs from the repository's %s", name, src)
				}
			}
			if mode := files[binary].header.FileInfo().Mode().Perm(); mode != 0o755 {
				t.Errorf("%s: mode %v, want 0755", binary, mode)
			}

			exe := filepath.Join(t.TempDir(), binary)
			if err := os.WriteFile(exe, files[binary].data, 0o755); err != nil {
				t.Fatal(err)
			}
			checkELF(t, exe, a.Goarch)
			checkBuildInfo(t, exe, binary, a.Goarch, f)
			checkRuns(t, exe, binary, a.Goarch, f)
		})
	}
}

// checkELF asserts that path is a static, stripped, non-PIE executable for
// goarch.
func checkELF(t *testing.T, path, goarch string) {
	t.Helper()
	file, err := elf.Open(path)
	if err != nil {
		t.Fatalf("not an ELF file: %v", err)
	}
	defer file.Close()
	if file.Class != elf.ELFCLASS64 || file.Machine != elfMachines[goarch] {
		t.Errorf("ELF class %v machine %v, want ELFCLASS64 %v", file.Class, file.Machine, elfMachines[goarch])
	}
	if file.Type != elf.ET_EXEC {
		t.Errorf("ELF type %v, want ET_EXEC (a static, non-PIE executable)", file.Type)
	}
	for _, prog := range file.Progs {
		if prog.Type == elf.PT_INTERP || prog.Type == elf.PT_DYNAMIC {
			t.Errorf("has a %v program header: dynamically linked", prog.Type)
		}
	}
	if libs, _ := file.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("needs shared libraries %q", libs)
	}
	if file.Section(".symtab") != nil {
		t.Error("has a symbol table: not stripped (-s)")
	}
}

// checkBuildInfo reads the module information the Go linker embedded and
// checks that the binary was built from the right module and commit, static
// and trimmed.
func checkBuildInfo(t *testing.T, path, binary, goarch string, f *fixture) {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("no Go build information: %v", err)
	}
	if want := modulePrefix + binary; info.Main.Path != want || info.Path != want {
		t.Errorf("built from %s (main module %s), want %s", info.Path, info.Main.Path, want)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{
		"CGO_ENABLED":  "0",
		"GOEXPERIMENT": "nojsonv2",
		"GOOS":         "linux",
		"GOARCH":       goarch,
		"-trimpath":    "true",
		"vcs":          "git",
		"vcs.revision": f.commit,
		"vcs.modified": "false",
	}
	for key, value := range want {
		if settings[key] != value {
			t.Errorf("build setting %s = %q, want %q", key, settings[key], value)
		}
	}
	// -ldflags is not recorded under -trimpath; the version line checks it.
}

// versionArg is the argument that makes each program print its version line.
var versionArg = map[string]string{"hello": "version", "calculator": "--version"}

// checkRuns runs the binary (arm64 ones under qemu-aarch64-static) and checks
// its version line and one real answer.
func checkRuns(t *testing.T, exe, binary, goarch string, f *fixture) {
	t.Helper()
	switch binary {
	case "hello":
		out := runBinary(t, exe, goarch, "", versionArg[binary])
		assertVersionLine(t, out, binary, f)
		if want := "linux/" + goarch; !strings.Contains(out, want) {
			t.Errorf("hello version %q does not name its platform %s", strings.TrimSpace(out), want)
		}
	case "calculator":
		assertVersionLine(t, runBinary(t, exe, goarch, "", versionArg[binary]), binary, f)
		for _, c := range []struct {
			stdin string
			args  []string
			want  string
		}{
			{stdin: "1 + 2\n", want: "3"},
			{stdin: "0.1 + 0.2\n", want: "0.3"},
			{stdin: "(1.5 + 2.25) * 4 - 10 / 3\n", want: "11.666666666666666667"},
			{args: []string{"2 ^ 10"}, want: "1024"},
		} {
			if got := strings.TrimSpace(runBinary(t, exe, goarch, c.stdin, c.args...)); got != c.want {
				t.Errorf("calculator %q with input %q printed %q, want %q", c.args, c.stdin, got, c.want)
			}
		}
	default:
		t.Fatalf("no run check for %s", binary)
	}
}

// assertVersionLine checks a version line: it names the program, the release
// version, the commit and the commit date.
func assertVersionLine(t *testing.T, out, binary string, f *fixture) {
	t.Helper()
	for _, want := range []string{
		binary + " " + f.meta.Version + " ",
		f.commit,
		f.commitDate.UTC().Format(time.RFC3339),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("version output %q lacks %q", strings.TrimSpace(out), want)
		}
	}
}

// runBinary runs exe with args and stdin and returns its standard output; it
// fails the test on a non-zero exit. arm64 binaries run under
// qemu-aarch64-static, as binfmt_misc may not be set up.
func runBinary(t *testing.T, exe, goarch, stdin string, args ...string) string {
	t.Helper()
	c := command.New(exe, args...)
	if goarch == "arm64" {
		c = command.New("qemu-aarch64-static", append([]string{exe}, args...)...)
	}
	r := c.OnlyEnv("PATH=/usr/bin:/bin").Input(stdin).Timeout(30 * time.Second).Run(t)
	if r.Code != 0 {
		t.Fatalf("%s: %s", c, r)
	}
	return r.Stdout
}

// tarFile is one entry read from a tar stream: its header and its bytes.
type tarFile struct {
	header *tar.Header
	data   []byte
}

// readTarGz reads every regular file of a gzip-compressed tar archive. It
// also reads concatenated gzip members as one stream, which is how apk
// packages are made.
func readTarGz(t *testing.T, path string) map[string]tarFile {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	zr, err := gzip.NewReader(file)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	files, err := readTar(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return files
}

// readTar reads every regular file of a tar stream, keyed by its name
// without a leading "./".
func readTar(r io.Reader) (map[string]tarFile, error) {
	entries, err := readTarEntries(r)
	if err != nil {
		return nil, err
	}
	files := map[string]tarFile{}
	for _, e := range entries {
		if e.header.Typeflag == tar.TypeReg {
			files[strings.TrimPrefix(e.header.Name, "./")] = e
		}
	}
	return files, nil
}

// readTarEntries reads every entry of a tar stream, of any type, in order
// and named as written: what a reader such as apk-tools sees.
func readTarEntries(r io.Reader) ([]tarFile, error) {
	var entries []tarFile
	tr := tar.NewReader(r)
	for {
		header, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		entries = append(entries, tarFile{header: header, data: data})
	}
}

// assertCoverage checks that artifacts hold exactly one entry per binary and
// architecture.
func assertCoverage(t *testing.T, what string, artifacts []art) {
	t.Helper()
	var got, want []string
	for _, a := range artifacts {
		got = append(got, a.id()+"/"+a.Goarch)
	}
	for _, b := range binaries {
		for _, arch := range arches {
			want = append(want, b+"/"+arch)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s artifacts cover %q, want %q", what, got, want)
	}
}

// sortedCopy returns a sorted copy of s.
func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
