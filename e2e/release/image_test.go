package release

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/dockerfile"
)

// flavour is one dockers_v2 entry of .goreleaser.yaml: a program on a base,
// with the suffix its tags carry.
type flavour struct {
	binary, base, suffix string
}

// flavours are the released images: hello defaults to alpine, calculator to
// scratch; the other base is a tag suffix.
var flavours = []flavour{
	{"hello", "alpine", ""},
	{"hello", "scratch", "-scratch"},
	{"calculator", "scratch", ""},
	{"calculator", "alpine", "-alpine"},
}

// tags returns the snapshot tags of fl for goarch: a snapshot loads one image
// per platform and appends the architecture to every tag.
func (f *fixture) tags(fl flavour, goarch string) []string {
	mm := majorMinor(f.meta.Tag)
	var refs []string
	for _, tag := range []string{f.meta.Version, mm, "latest"} {
		refs = append(refs, f.imagePrefix+"/"+fl.binary+":"+tag+fl.suffix+"-"+goarch)
	}
	return refs
}

// majorMinor returns "MAJOR.MINOR" of a tag such as v1.2.3.
func majorMinor(tag string) string {
	parts := strings.SplitN(strings.TrimPrefix(tag, "v"), ".", 3)
	if len(parts) < 2 {
		return tag
	}
	return parts[0] + "." + parts[1]
}

// TestImages checks every image the snapshot loaded: tags, platform, OCI
// labels from the release, and that the program inside is byte for byte the
// released binary.
func TestImages(t *testing.T) {
	f := snapshot(t)
	listed := map[string]bool{}
	for _, a := range f.ofType("Docker Image") {
		listed[a.Name] = true
	}
	ids := map[string]string{} // image ID -> flavour
	alpine := alpineArches()
	for _, fl := range flavours {
		for _, goarch := range arches {
			t.Run(fl.binary+"-"+fl.base+"-"+goarch, func(t *testing.T) {
				if fl.base == "alpine" && !slices.Contains(alpine, goarch) {
					for _, ref := range f.tags(fl, goarch) {
						if listed[ref] {
							t.Errorf("%s was built, but the alpine base is not available for %s", ref, goarch)
						}
					}
					t.Skipf("alpine-based images are built for %q only: ALPINE_IMAGE is a local single-platform image", alpine)
				}
				refs := f.tags(fl, goarch)
				var id string
				for _, ref := range refs {
					if !listed[ref] {
						t.Errorf("%s is not in artifacts.json", ref)
					}
					img := docker.InspectImage(t, ref)
					if id == "" {
						id = img.ID
					} else if img.ID != id {
						t.Errorf("%s is %s, want the same image as %s (%s)", ref, img.ID, refs[0], id)
					}
				}
				if other, seen := ids[id]; seen {
					t.Errorf("%s is the same image as %s", refs[0], other)
				}
				ids[id] = refs[0]

				img := docker.InspectImage(t, refs[0])
				if img.Os != "linux" || img.Architecture != goarch {
					t.Errorf("platform %s/%s, want linux/%s", img.Os, img.Architecture, goarch)
				}
				// The Dockerfile's labels, stamped with the release.
				stamp := map[string]string{
					"VERSION": f.meta.Version,
					"COMMIT":  f.commit,
					"DATE":    f.commitDate.UTC().Format(time.RFC3339),
				}
				for _, p := range dockerfile.LabelProblems(img.Config.Labels, sourceLabels(t, f.repo, fl), stamp) {
					t.Error(p)
				}

				entry := append(slices.Clone(img.Config.Entrypoint), img.Config.Cmd...)
				if len(entry) == 0 || path.Base(entry[0]) != fl.binary {
					t.Fatalf("entrypoint+cmd %q does not start %s", entry, fl.binary)
				}
				got := docker.CopyFromImage(t, refs[0], entry[0])
				if !bytes.Equal(got, releasedBinary(t, f, fl.binary, goarch)) {
					t.Errorf("%s in %s differs from the archive's binary", entry[0], refs[0])
				}
			})
		}
	}
}

// sourceLabels returns the LABELs Dockerfile.<binary> of the released
// commit (the clone at repo) writes for fl's base: the labels' one source
// (.goreleaser.yaml adds none).
func sourceLabels(t *testing.T, repo string, fl flavour) map[string]string {
	t.Helper()
	path := filepath.Join(repo, "Dockerfile."+fl.binary)
	df, err := dockerfile.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	stage, ok := df.Stage("runtime-" + fl.base)
	if !ok {
		t.Fatalf("%s has no stage runtime-%s", path, fl.base)
	}
	if src := stage.Labels["org.opencontainers.image.source"]; src != strings.TrimSuffix(dummyRemote, ".git") {
		t.Errorf("%s: label source %q is not the repository %s", path, src, dummyRemote)
	}
	return stage.Labels
}

// alpineArches returns the architectures of the alpine-based images. Like
// scripts/release-snapshot.sh, it follows ALPINE_PLATFORMS, else the
// platform of a local ALPINE_IMAGE (an offline stand-in holds one), else all.
func alpineArches() []string {
	platforms := os.Getenv("ALPINE_PLATFORMS")
	if base := os.Getenv("ALPINE_IMAGE"); platforms == "" && base != "" {
		if img, err := docker.LookupImage(base); err == nil {
			platforms = img.Os + "/" + img.Architecture
		}
	}
	if platforms == "" {
		return arches
	}
	var out []string
	for _, p := range strings.Split(platforms, ",") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(p), "linux/"))
	}
	return out
}

// smokeSkip names the tests of package e2e that build images of their own
// instead of testing the ones named by E2E_*: they add nothing here.
const smokeSkip = "^(TestReleaseTargets|TestHelloStopDrainsInFlight)$"

// TestImageSmoke runs the image tests of package e2e (the module's root
// package) against the snapshot's amd64 images: the same checks as the
// images built from source.
func TestImageSmoke(t *testing.T) {
	f := snapshot(t)
	env := []string{"GOWORK=off", "CI=true"} // CI: a missing image fails, never skips
	for name, fl := range map[string]flavour{
		"E2E_HELLO_ALPINE":  flavours[0],
		"E2E_HELLO_SCRATCH": flavours[1],
		"E2E_CALC_SCRATCH":  flavours[2],
		"E2E_CALC_ALPINE":   flavours[3],
	} {
		env = append(env, name+"="+f.tags(fl, "amd64")[0])
	}
	var out strings.Builder
	r := command.New("go", "test", "-count=1", "-v", "-skip", smokeSkip, ".").
		In(filepath.Join(f.repo, "e2e")).Env(env...).LogTo(&out).Timeout(20 * time.Minute).Run(t)
	if r.Code != 0 {
		t.Fatalf("image tests of package e2e failed against the snapshot's images: exit status %d\n%s", r.Code, out.String())
	}
	if !strings.Contains(out.String(), "--- PASS") || strings.Contains(out.String(), "--- SKIP") {
		t.Errorf("image tests of package e2e ran nothing, or skipped some:\n%s", out.String())
	}
}
