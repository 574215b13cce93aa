package release

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// TestReproducible compares checksums.txt of the two runs byte for byte:
// archives, packages and SBOMs must not depend on when they were built.
func TestReproducible(t *testing.T) {
	f := snapshot(t)
	second, err := os.ReadFile(filepath.Join(f.dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(f.firstSums, second) {
		return
	}
	first := strings.Split(string(f.firstSums), "\n")
	for _, line := range strings.Split(string(second), "\n") {
		if !slices.Contains(first, line) {
			t.Errorf("second run differs: %s", line)
		}
	}
	t.Errorf("checksums.txt differs between two runs on one commit")
}

// checksumLine is one line of checksums.txt, as sha256sum writes it.
var checksumLine = regexp.MustCompile(`^([0-9a-f]{64})  ([^/\s]+)$`)

// TestChecksums verifies every file checksums.txt lists, checks that it lists
// every artifact a user downloads, and runs the command docs/downloads.md gives
// users.
func TestChecksums(t *testing.T) {
	f := snapshot(t)
	sums := readChecksums(t, filepath.Join(f.dist, "checksums.txt"))
	for name, want := range sums {
		if got := sha256File(t, filepath.Join(f.dist, name)); got != want {
			t.Errorf("%s: sha256 %s, checksums.txt says %s", name, got, want)
		}
	}

	var want []string
	for _, typ := range []string{"Archive", "Linux Package", "SBOM"} {
		for _, a := range f.ofType(typ) {
			want = append(want, a.Name)
		}
	}
	// 2 programs x 2 architectures x (archive + deb + rpm + apk + SBOM).
	if n := len(binaries) * len(arches) * 5; len(want) != n {
		t.Errorf("artifacts.json lists %d downloads, want %d: %q", len(want), n, want)
	}
	// And the apk packages' public key, which they are signed with.
	want = append(want, apkPublicKeyFile)
	if key := listedAPKKey(t, f.dist); apkPublicKey == nil || !key.Equal(apkPublicKey) {
		t.Errorf("dist/%s is not the public half of the snapshot's APK_SIGNING_KEY_FILE", apkPublicKeyFile)
	}
	listed := slices.Sorted(maps.Keys(sums))
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("checksums.txt lists %q,\nwant %q", listed, want)
	}

	if out, err := command.New("sha256sum", "--strict", "--check", "checksums.txt").In(f.dist).Output(); err != nil {
		t.Errorf("sha256sum --check: %v\n%s", err, out)
	}
}

// readChecksums parses a checksums.txt into name -> sha256; a malformed
// line or a name listed twice fails the test.
func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		m := checksumLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: malformed line %q", path, line)
		}
		if _, dup := sums[m[2]]; dup {
			t.Fatalf("%s: %s listed twice", path, m[2])
		}
		sums[m[2]] = m[1]
	}
	return sums
}

// sha256File returns the hex SHA-256 of a file.
func sha256File(t *testing.T, path string) string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// snapshotVersion is the shape of .goreleaser.yaml's snapshot version.
var snapshotVersion = regexp.MustCompile(`^\d+\.\d+\.\d+-SNAPSHOT-[0-9a-f]{7,}$`)

// TestMetadata checks that GoReleaser read the clone's git information: a
// snapshot without it still succeeds, with commit "none" and no dates.
func TestMetadata(t *testing.T) {
	f := snapshot(t)
	if f.meta.ProjectName != "multistage" {
		t.Errorf("project_name = %q, want multistage", f.meta.ProjectName)
	}
	if f.meta.Commit != f.commit {
		t.Errorf("commit = %q, want the clone's HEAD %s", f.meta.Commit, f.commit)
	}
	if !snapshotVersion.MatchString(f.meta.Version) || !strings.HasSuffix(f.meta.Version, f.commit[:7]) {
		t.Errorf("version = %q, want <next patch>-SNAPSHOT-%s", f.meta.Version, f.commit[:7])
	}
}

// TestGoReleaserCheck validates .goreleaser.yaml with the pinned GoReleaser
// and rejects deprecation warnings.
func TestGoReleaserCheck(t *testing.T) {
	f := snapshot(t)
	out, err := command.New("bash", "-c", "scripts/release-goreleaser.sh check 2>&1").In(f.repo).Env("NO_COLOR=1").Output()
	if err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
	if strings.Contains(strings.ToLower(out), "deprecat") {
		t.Errorf("goreleaser check reports a deprecation:\n%s", out)
	}
}

// cycloneDX is the part of a CycloneDX SBOM the test reads.
type cycloneDX struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Metadata     struct {
		Timestamp  string       `json:"timestamp"`
		Component  cdxComponent `json:"component"`
		Properties []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"properties"`
	} `json:"metadata"`
	Components []cdxComponent `json:"components"`
}

// cdxComponent is a component of a CycloneDX SBOM.
type cdxComponent struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
}

// TestSBOMs checks the SBOM beside each archive: CycloneDX, free of
// run-dependent fields, and listing exactly the modules linked into the
// released binary.
func TestSBOMs(t *testing.T) {
	f := snapshot(t)
	sboms := f.ofType("SBOM")
	var names []string
	for _, a := range sboms {
		names = append(names, a.Name)
	}
	var want []string
	for _, a := range f.ofType("Archive") {
		want = append(want, strings.TrimSuffix(a.Name, ".tar.gz")+".cdx.json")
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("SBOMs %q, want one per archive: %q", names, want)
	}

	for _, a := range f.ofType("Archive") {
		t.Run(a.Name, func(t *testing.T) {
			binary := a.id()
			var bom cycloneDX
			if err := readJSON(filepath.Join(f.dist, strings.TrimSuffix(a.Name, ".tar.gz")+".cdx.json"), &bom); err != nil {
				t.Fatal(err)
			}
			if bom.BOMFormat != "CycloneDX" || bom.SpecVersion == "" {
				t.Errorf("bomFormat %q specVersion %q, want CycloneDX", bom.BOMFormat, bom.SpecVersion)
			}
			if bom.SerialNumber != "" || bom.Metadata.Timestamp != "" {
				t.Errorf("serialNumber %q, timestamp %q: both change on every run", bom.SerialNumber, bom.Metadata.Timestamp)
			}
			if bom.Metadata.Component.Name != modulePrefix+binary {
				t.Errorf("main component %q, want %s", bom.Metadata.Component.Name, modulePrefix+binary)
			}

			// It describes the released binary: its hash, and every module the
			// linker recorded, at its version.
			released := releasedBinary(t, f, binary, a.Goarch)
			sum := sha256.Sum256(released)
			var hashed bool
			for _, p := range bom.Metadata.Properties {
				if p.Name == "cdx:gomod:binary:hash:SHA-256" {
					hashed = p.Value == hex.EncodeToString(sum[:])
				}
			}
			if !hashed {
				t.Errorf("SBOM does not carry the SHA-256 of the archive's binary (%x)", sum)
			}
			exe := filepath.Join(t.TempDir(), binary)
			if err := os.WriteFile(exe, released, 0o755); err != nil {
				t.Fatal(err)
			}
			deps := linkedModules(t, exe)
			have := map[string]string{}
			for _, c := range bom.Components {
				have[c.Name] = c.Version
			}
			for path, version := range deps {
				if have[path] != version {
					t.Errorf("module %s@%s is linked but the SBOM has %q", path, version, have[path])
				}
			}
			if binary == "hello" && deps["github.com/labstack/echo/v4"] == "" {
				t.Error("hello links no github.com/labstack/echo/v4: wrong binary?")
			}
		})
	}
}

// linkedModules returns the dependency modules (path -> version) the Go
// linker recorded in a binary.
func linkedModules(t *testing.T, exe string) map[string]string {
	t.Helper()
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string]string{}
	for _, d := range info.Deps {
		deps[d.Path] = d.Version
	}
	return deps
}
