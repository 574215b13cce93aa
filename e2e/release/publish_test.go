package release

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/dockerfile"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// The rehearsal releases this version. A release candidate of it sits on the
// same commit, as when a maintainer promotes an rc: the final must win.
const (
	publishTag = "v1.2.3"
	publishRC  = "v1.2.3-rc.1"
)

// publishedRelease is what one run of scripts/publish-local.sh left behind:
// a real `goreleaser release` of a tagged throwaway clone, with the images
// pushed to a registry on loopback that the script started itself.
type publishedRelease struct {
	repo      string
	dist      string
	registry  string // host:port
	prefix    string // IMAGE_PREFIX: registry/go-multistage
	commit    string
	date      time.Time
	log       string
	cosign    string // the pinned cosign
	publicKey string // the throwaway key pair's public half
	meta      metadata
	artifacts []art
}

var (
	rehearsal lazy[*publishedRelease]
	pubRoot   string
)

// publish returns the rehearsal's results, running it on first use.
func publish(t *testing.T) *publishedRelease {
	t.Helper()
	return rehearsal.get(t, "the release rehearsal builds and pushes a full release", setupPublish)
}

// cleanupPublish stops the registries the rehearsals started and removes
// their clones.
func cleanupPublish() {
	if pubRoot == "" {
		return
	}
	for _, addr := range startedRegistries {
		if _, err := command.New(filepath.Join(pubRoot, "repo", "scripts", "machine", "registry.sh"), "stop", addr).Output(); err != nil {
			fmt.Fprintf(os.Stderr, "release e2e: stopping the registry at %s: %v\n", addr, err)
		}
	}
	if err := os.RemoveAll(pubRoot); err != nil {
		fmt.Fprintln(os.Stderr, "release e2e: cleanup:", err)
	}
}

// startedRegistries are the registry addresses the tests made the scripts
// start; cleanupPublish stops them.
var startedRegistries []string

func setupPublish() (*publishedRelease, error) {
	if err := requireTools(); err != nil {
		return nil, err
	}
	for _, tool := range []string{"curl", "runc", "docker-registry"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				return nil, &unavailableError{fmt.Sprintf("%s not found (make deps installs it)", tool)}
			}
		}
	}
	source, err := repo.Root()
	if err != nil {
		return nil, err
	}
	if pubRoot, err = os.MkdirTemp("", "release-publish-"); err != nil {
		return nil, err
	}
	p := &publishedRelease{repo: filepath.Join(pubRoot, "repo")}
	p.dist = filepath.Join(p.repo, "dist")
	p.log = filepath.Join(pubRoot, "publish.log")
	if err := cloneWorkingTree(source, p.repo); err != nil {
		return nil, fmt.Errorf("preparing the throwaway clone: %w", err)
	}
	if err := tagRelease(p.repo); err != nil {
		return nil, err
	}
	if p.commit, p.date, err = head(p.repo); err != nil {
		return nil, err
	}
	if p.registry, err = freeLoopbackAddr(); err != nil {
		return nil, err
	}
	p.prefix = p.registry + "/go-multistage"
	if registryAnswers(p.registry) {
		return nil, fmt.Errorf("something already answers at %s", p.registry)
	}
	keyEnv, err := p.makeKeyPair()
	if err != nil {
		return nil, err
	}
	startedRegistries = append(startedRegistries, p.registry)
	r, out, err := runPublish(p.repo, p.log, nil, append(keyEnv, "IMAGE_PREFIX="+p.prefix)...)
	if err == nil && r.Code != 0 {
		err = fmt.Errorf("exit status %d", r.Code)
	}
	if err != nil {
		return nil, fmt.Errorf("scripts/publish-local.sh: %w; last lines of %s:\n%s", err, p.log, command.Tail(string(out), 40))
	}
	if err := readJSON(filepath.Join(p.dist, "metadata.json"), &p.meta); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(p.dist, "artifacts.json"), &p.artifacts); err != nil {
		return nil, err
	}
	return p, nil
}

// keyPassword protects the throwaway signing key of the rehearsal.
const keyPassword = "rehearsal-only"

// makeKeyPair makes the throwaway cosign key pair the rehearsal signs with
// (there is no Fulcio or Rekor here) and returns the environment that hands
// it to publish-local.sh.
func (p *publishedRelease) makeKeyPair() ([]string, error) {
	var err error
	if p.cosign, err = command.New("go", "-C", filepath.Join(p.repo, "tools", "cosign"), "tool", "-n", "cosign").Env("GOWORK=off").Timeout(20 * time.Minute).Output(); err != nil {
		return nil, fmt.Errorf("building the pinned cosign: %w", err)
	}
	dir := filepath.Join(pubRoot, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if _, err := command.New(p.cosign, "generate-key-pair").In(dir).Env("COSIGN_PASSWORD=" + keyPassword).Output(); err != nil {
		return nil, err
	}
	key, err := os.ReadFile(filepath.Join(dir, "cosign.key"))
	if err != nil {
		return nil, err
	}
	p.publicKey = filepath.Join(dir, "cosign.pub")
	return []string{"COSIGN_KEY=" + string(key), "COSIGN_PASSWORD=" + keyPassword}, nil
}

// tagRelease replaces the clone's tags with a release candidate and then its
// final release on the same commit, made as a maintainer makes them: with
// tools/release (make tag), which also tags the modules.
func tagRelease(repo string) error {
	tags, err := gitOut(repo, "tag", "--list")
	if err != nil {
		return err
	}
	if tags != "" {
		if _, err := gitOut(repo, append([]string{"tag", "-d"}, strings.Fields(tags)...)...); err != nil {
			return err
		}
	}
	for _, version := range []string{publishRC, publishTag} {
		if err := makeTag(repo, version); err != nil {
			return err
		}
	}
	for _, tag := range []string{"hello/" + publishTag, "calculator/" + publishTag} {
		if _, err := gitOut(repo, "rev-parse", "-q", "--verify", "refs/tags/"+tag); err != nil {
			return fmt.Errorf("make tag %s made no %s: %w", publishTag, tag, err)
		}
	}
	return nil
}

// makeTag runs make tag VERSION=version in repo, as a maintainer does.
func makeTag(repo, version string) error {
	_, err := command.New("make", "--no-print-directory", "tag", "VERSION="+version).In(repo).Env(gitEnv...).Output()
	return err
}

// runPublish runs scripts/publish-local.sh in repo with the arguments (for
// goreleaser) and the extra environment, logging to logPath, and returns how
// it ended and the log.
func runPublish(repo, logPath string, args []string, env ...string) (command.Result, []byte, error) {
	own := withoutEnv(os.Environ(), "GORELEASER_CURRENT_TAG", "IMAGE_PREFIX", "ALPINE_IMAGE", "GO_IMAGE")
	c := command.New(filepath.Join(repo, "scripts", "publish-local.sh"), args...).In(repo).OnlyEnv(append(own, env...)...)
	return runLogged(c, logPath)
}

// withoutEnv returns env without the named variables.
func withoutEnv(env []string, names ...string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, name)
	})
}

// freeLoopbackAddr returns 127.0.0.1:PORT with a port nothing listens on.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// registryAnswers reports whether an OCI registry answers at addr.
func registryAnswers(addr string) bool {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/v2/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestPublishVersion checks that the final release won over its release
// candidate on the same commit, and that the module tags changed nothing.
func TestPublishVersion(t *testing.T) {
	p := publish(t)
	if p.meta.Tag != publishTag || p.meta.Version != strings.TrimPrefix(publishTag, "v") {
		t.Errorf("released tag %q version %q, want %s", p.meta.Tag, p.meta.Version, publishTag)
	}
	if p.meta.Commit != p.commit {
		t.Errorf("released commit %s, want HEAD %s", p.meta.Commit, p.commit)
	}
	if !registryAnswers(p.registry) {
		t.Errorf("the registry publish-local started at %s no longer answers", p.registry)
	}
}

// TestPublishAssets checks that every file the GitHub release would carry is
// in dist/ and listed, with its digest, in checksums.txt, which lists nothing
// else: the archives, packages and SBOMs, and the apk public key, which
// verifies the rehearsal's apk packages.
func TestPublishAssets(t *testing.T) {
	p := publish(t)
	sums := readChecksums(t, filepath.Join(p.dist, "checksums.txt"))
	var uploads int
	var apks []art
	listed := []string{apkPublicKeyFile}
	for _, a := range p.artifacts {
		switch a.Type {
		case "Archive", "Linux Package", "SBOM":
		default:
			continue
		}
		uploads++
		listed = append(listed, a.Name)
		if a.Type == "Linux Package" && a.extra("Format") == "apk" {
			apks = append(apks, a)
		}
		want, ok := sums[a.Name]
		if !ok {
			t.Errorf("%s (%s) is not in checksums.txt", a.Name, a.Type)
			continue
		}
		if got := sha256File(t, filepath.Join(p.repo, a.Path)); got != want {
			t.Errorf("%s: sha256 %s, checksums.txt says %s", a.Name, got, want)
		}
	}
	if n := len(binaries) * len(arches) * 5; uploads != n {
		t.Errorf("%d uploadable files, want %d", uploads, n)
	}
	if got := slices.Sorted(maps.Keys(sums)); !slices.Equal(got, slices.Sorted(slices.Values(listed))) {
		t.Errorf("checksums.txt lists %q,\nwant %q", got, slices.Sorted(slices.Values(listed)))
	}
	if _, err := os.Stat(filepath.Join(p.dist, "checksums.txt.sigstore.json")); err != nil {
		t.Errorf("the signature of checksums.txt: %v", err)
	}
	key := listedAPKKey(t, p.dist)
	verifyAPKsWith(t, apks, func(a art) string { return filepath.Join(p.repo, a.Path) }, key)
}

// imageTags returns every image tag docs/operators.md promises for fl at version.
func imageTags(fl flavour, version string) []string {
	mm := majorMinor(version)
	return []string{version + fl.suffix, mm + fl.suffix, "latest" + fl.suffix}
}

// TestPublishedIndexes reads every promised tag straight from the registry:
// each is an index for linux/amd64 and linux/arm64 with a provenance
// attestation per platform and the index annotations, and all tags of one
// flavour name the same index.
func TestPublishedIndexes(t *testing.T) {
	p := publish(t)
	version := strings.TrimPrefix(publishTag, "v")
	for _, fl := range flavours {
		t.Run(fl.binary+fl.suffix, func(t *testing.T) {
			var digests []string
			for _, tag := range imageTags(fl, version) {
				idx, digest := fetchIndex(t, p.registry, "go-multistage/"+fl.binary, tag)
				digests = append(digests, digest)
				checkIndex(t, p, fl, idx)
			}
			if len(slices.Compact(slices.Clone(digests))) != 1 || digests[0] == "" {
				t.Errorf("the tags of %s name different indexes: %q", fl.binary+fl.suffix, digests)
			}
		})
	}
}

// ociIndex is an OCI image index (or Docker manifest list).
type ociIndex struct {
	MediaType   string            `json:"mediaType"`
	Manifests   []ociDescriptor   `json:"manifests"`
	Annotations map[string]string `json:"annotations"`
}

// ociManifest is an OCI image manifest.
type ociManifest struct {
	MediaType string          `json:"mediaType"`
	Layers    []ociDescriptor `json:"layers"`
}

// ociDescriptor points at a blob or manifest.
type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Annotations map[string]string `json:"annotations"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform"`
}

// inTotoStatement is the part of an in-toto attestation the test reads.
type inTotoStatement struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate json.RawMessage `json:"predicate"`
}

const (
	mediaOCIIndex    = "application/vnd.oci.image.index.v1+json"
	mediaOCIManifest = "application/vnd.oci.image.manifest.v1+json"
	attestationType  = "attestation-manifest"
)

func checkIndex(t *testing.T, p *publishedRelease, fl flavour, idx ociIndex) {
	t.Helper()
	if idx.MediaType != mediaOCIIndex {
		t.Errorf("media type %q, want %s", idx.MediaType, mediaOCIIndex)
	}
	images := map[string]string{} // digest -> os/arch
	attestations := map[string]string{}
	for _, m := range idx.Manifests {
		if m.Annotations["vnd.docker.reference.type"] == attestationType {
			attestations[m.Annotations["vnd.docker.reference.digest"]] = m.Digest
			continue
		}
		if m.Platform == nil {
			t.Errorf("manifest %s has no platform", m.Digest)
			continue
		}
		images[m.Digest] = m.Platform.OS + "/" + m.Platform.Architecture
	}
	var platforms []string
	for digest, platform := range images {
		platforms = append(platforms, platform)
		att, ok := attestations[digest]
		if !ok {
			t.Errorf("%s (%s) has no attestation manifest", platform, digest)
			continue
		}
		checkProvenance(t, p, fl, att, digest)
	}
	slices.Sort(platforms)
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(platforms, want) {
		t.Errorf("platforms %q, want %q", platforms, want)
	}
	for key, want := range map[string]string{
		"org.opencontainers.image.description": map[string]string{"hello": "Small, hardened HTTP greeting server", "calculator": "Exact command-line calculator"}[fl.binary],
		"org.opencontainers.image.source":      strings.TrimSuffix(dummyRemote, ".git"),
		"org.opencontainers.image.licenses":    "MIT",
	} {
		if got := idx.Annotations[key]; got != want {
			t.Errorf("index annotation %s = %q, want %q", key, got, want)
		}
	}
}

// checkProvenance reads the attestation manifest att of the image manifest
// image: it must hold an SLSA provenance statement about that image.
func checkProvenance(t *testing.T, p *publishedRelease, fl flavour, att, image string) {
	t.Helper()
	repo := "go-multistage/" + fl.binary
	var m ociManifest
	body, _ := registryGet(t, p.registry, "/v2/"+repo+"/manifests/"+att, mediaOCIManifest)
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("attestation manifest %s: %v", att, err)
	}
	var found bool
	for _, layer := range m.Layers {
		predicate := layer.Annotations["in-toto.io/predicate-type"]
		if !strings.HasPrefix(predicate, "https://slsa.dev/provenance/") {
			continue
		}
		found = true
		blob, _ := registryGet(t, p.registry, "/v2/"+repo+"/blobs/"+layer.Digest)
		var st inTotoStatement
		if err := json.Unmarshal(blob, &st); err != nil {
			t.Fatalf("provenance %s: %v", layer.Digest, err)
		}
		if st.PredicateType != predicate {
			t.Errorf("provenance predicate type %q, layer says %q", st.PredicateType, predicate)
		}
		var subjects []string
		for _, s := range st.Subject {
			subjects = append(subjects, "sha256:"+s.Digest["sha256"])
		}
		if !slices.Contains(subjects, image) {
			t.Errorf("provenance subjects %q do not name the image %s", subjects, image)
		}
		// mode=max records the build's arguments: the released version.
		var predicateTree any
		if err := json.Unmarshal(st.Predicate, &predicateTree); err != nil {
			t.Fatalf("provenance predicate %s: %v", layer.Digest, err)
		}
		if !hasEntry(predicateTree, "build-arg:VERSION", strings.TrimPrefix(publishTag, "v")) {
			t.Errorf("provenance of %s does not record the build argument VERSION=%s", image, strings.TrimPrefix(publishTag, "v"))
		}
	}
	if !found {
		t.Errorf("attestation %s of %s holds no SLSA provenance", att, image)
	}
}

// hasEntry reports whether the decoded JSON tree v holds key: value in any
// object at any depth.
func hasEntry(v any, key, value string) bool {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v[key].(string); ok && s == value {
			return true
		}
		for _, child := range v {
			if hasEntry(child, key, value) {
				return true
			}
		}
	case []any:
		for _, child := range v {
			if hasEntry(child, key, value) {
				return true
			}
		}
	}
	return false
}

// fetchIndex reads repo:tag from the registry as an index and returns it with
// its digest.
func fetchIndex(t *testing.T, registry, repo, tag string) (ociIndex, string) {
	t.Helper()
	body, header := registryGet(t, registry, "/v2/"+repo+"/manifests/"+tag,
		mediaOCIIndex, "application/vnd.docker.distribution.manifest.list.v2+json")
	var idx ociIndex
	if err := json.Unmarshal(body, &idx); err != nil {
		t.Fatalf("%s:%s: %v", repo, tag, err)
	}
	return idx, header.Get("Docker-Content-Digest")
}

// registryGet GETs path from the registry's HTTP API and fails t unless it
// answers 200.
func registryGet(t *testing.T, registry, path string, accept ...string) ([]byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+registry+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(accept) > 0 {
		req.Header.Set("Accept", strings.Join(accept, ", "))
	}
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, resp.Header
}

// TestPublishedImagesRun pulls every promised tag into an engine that holds
// none of them, then runs the amd64 and the arm64 variant of each flavour
// (arm64 through binfmt_misc and qemu, as scripts/machine/binfmt.sh registers it).
func TestPublishedImagesRun(t *testing.T) {
	p := publish(t)
	version := strings.TrimPrefix(publishTag, "v")
	for _, fl := range flavours {
		t.Run(fl.binary+fl.suffix, func(t *testing.T) {
			refs := make([]string, 0, 3)
			for _, tag := range imageTags(fl, version) {
				refs = append(refs, p.prefix+"/"+fl.binary+":"+tag)
			}
			if err := docker.RemoveImages(refs...); err != nil {
				t.Fatal(err)
			}
			docker.RemoveImagesOnCleanup(t, refs...)
			for _, ref := range refs {
				if _, ok := docker.FindImage(t, ref); ok {
					t.Fatalf("%s is in the engine before the pull", ref)
				}
				docker.Must(t, "pull", "-q", ref)
			}
			for _, goarch := range arches {
				ref := refs[0]
				docker.Must(t, "pull", "-q", "--platform", "linux/"+goarch, ref)
				img := docker.InspectImage(t, ref)
				if img.Architecture != goarch {
					t.Errorf("%s for linux/%s is %s", ref, goarch, img.Architecture)
				}
				checkReleaseLabels(t, p, fl, img.Config.Labels)
				checkImageRuns(t, fl, ref, goarch, version)
			}
		})
	}
}

// checkReleaseLabels compares an image's labels with their one source, the
// Dockerfile's LABELs, stamped with the release.
func checkReleaseLabels(t *testing.T, p *publishedRelease, fl flavour, labels map[string]string) {
	t.Helper()
	stamp := map[string]string{
		"VERSION": p.meta.Version,
		"COMMIT":  p.commit,
		"DATE":    p.date.UTC().Format(time.RFC3339),
	}
	for _, problem := range dockerfile.LabelProblems(labels, sourceLabels(t, p.repo, fl), stamp) {
		t.Error(problem)
	}
}

// checkImageRuns runs the image for goarch: hello's and calculator's version
// commands name the release, and the calculator computes.
func checkImageRuns(t *testing.T, fl flavour, ref, goarch, version string) {
	t.Helper()
	versionArg := map[string]string{"hello": "version", "calculator": "--version"}[fl.binary]
	out := docker.Must(t, "run", "--rm", "--platform", "linux/"+goarch, ref, versionArg)
	if !strings.Contains(out, fl.binary) || !strings.Contains(out, version) {
		t.Errorf("%s (%s) version: %q, want %s %s", ref, goarch, out, fl.binary, version)
	}
	if fl.binary == "calculator" {
		if got := docker.Must(t, "run", "--rm", "--platform", "linux/"+goarch, ref, "6 * 7"); got != "42" {
			t.Errorf("%s (%s) '6 * 7' = %q, want 42", ref, goarch, got)
		}
	}
}

// shellBlock matches a fenced sh block of Markdown.
var shellBlock = regexp.MustCompile("(?s)```sh\n(.*?)```")

// TestReleaseNotesFooter takes the commands the release notes give users
// from dist/CHANGELOG.md (the notes GoReleaser generated) and runs them as
// written against the published images.
func TestReleaseNotesFooter(t *testing.T) {
	p := publish(t)
	notes, err := os.ReadFile(filepath.Join(p.dist, "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, images, ok := strings.Cut(string(notes), "## Images")
	if !ok {
		t.Fatalf("the release notes have no Images section:\n%s", notes)
	}
	block := shellBlock.FindStringSubmatch(images)
	if block == nil {
		t.Fatalf("no sh block under Images:\n%s", images)
	}
	var ran []string
	var server string
	for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		switch {
		case strings.HasPrefix(line, "docker run -d "):
			if !strings.Contains(line, p.prefix+"/hello:"+p.meta.Version) {
				t.Errorf("%q does not run the released hello image", line)
			}
			server = shell(t, line)
			docker.RemoveOnCleanup(t, server)
		case strings.HasPrefix(line, "curl "):
			if server == "" {
				t.Fatalf("%q before any server was started", line)
			}
			if got := retryShell(t, line, 10*time.Second); got != "Hello from Multi-Stage Build!" {
				t.Errorf("%q printed %q", line, got)
			}
		case strings.Contains(line, "docker run --rm -i ") && strings.Contains(line, "/calculator:"):
			if got := shell(t, line); got != "14" {
				t.Errorf("%q printed %q, want 14", line, got)
			}
		default:
			t.Errorf("unexpected line in the release notes' Images block: %q", line)
			continue
		}
		ran = append(ran, line)
	}
	if len(ran) != 3 {
		t.Errorf("ran %d commands from the notes, want 3 (hello, curl, calculator): %q", len(ran), ran)
	}
}

// shell runs line with sh and returns its trimmed output.
func shell(t *testing.T, line string) string {
	t.Helper()
	out, err := command.New("sh", "-c", line).Output()
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return out
}

// retryShell runs line until it succeeds or the time is up: a server just
// started may not listen yet.
func retryShell(t *testing.T, line string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out, err := command.New("sh", "-c", line).Output()
		if err == nil {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", line, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestPublishRefused releases to a registry that refuses every push (a
// read-only one): the release must fail with a clear error, and the registry
// must hold nothing afterwards.
func TestPublishRefused(t *testing.T) {
	p := publish(t)
	repo := filepath.Join(pubRoot, "refused")
	if _, err := gitOut("", "clone", "--quiet", p.repo, repo); err != nil {
		t.Fatal(err)
	}
	if _, err := gitOut(repo, "remote", "set-url", "origin", dummyRemote); err != nil {
		t.Fatal(err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	startedRegistries = append(startedRegistries, addr)
	if out, err := command.New(filepath.Join(repo, "scripts", "machine", "registry.sh"), "start", addr, "readonly").In(repo).Output(); err != nil {
		t.Fatalf("starting a read-only registry: %v: %s", err, out)
	}
	// What comes before the push is checked by the first rehearsal: skip
	// the packages, archives, SBOMs and signatures here.
	skip := []string{"--skip=nfpm,archive,sbom,sign,before"}
	r, out, err := runPublish(repo, filepath.Join(pubRoot, "refused.log"), skip,
		"IMAGE_PREFIX="+addr+"/go-multistage",
		// The stand-in base comes from the working registry.
		"STANDIN_REGISTRY="+p.registry+"/go-multistage-standins")
	if err != nil || r.Code == 0 {
		t.Fatalf("publish-local to a read-only registry: %v, exit status %d, want a non-zero exit; log:\n%s", err, r.Code, command.Tail(string(out), 30))
	}
	log := string(out)
	for _, want := range []string{"could not build docker image", "publish-local: error: goreleaser release of " + publishTag + " failed"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q; last lines:\n%s", want, command.Tail(string(out), 30))
		}
	}
	if strings.Contains(log, "publish-local: released") || strings.Contains(log, "release succeeded") {
		t.Errorf("a refused release was reported as a success:\n%s", command.Tail(string(out), 30))
	}
	body, _ := registryGet(t, addr, "/v2/_catalog")
	var catalog struct {
		Repositories []string `json:"repositories"`
	}
	if err := json.Unmarshal(body, &catalog); err != nil {
		t.Fatal(err)
	}
	if len(catalog.Repositories) != 0 {
		t.Errorf("the refusing registry holds %q", catalog.Repositories)
	}
}

// TestPublishSignatures verifies, with the pinned cosign and the rehearsal's
// public key, the bundle of checksums.txt and the signature of every pushed
// index; a tampered checksums.txt and an unsigned image must fail.
func TestPublishSignatures(t *testing.T) {
	p := publish(t)
	sums := filepath.Join(p.dist, "checksums.txt")
	bundle := sums + ".sigstore.json"
	verifyBlob := func(file string) error {
		_, err := command.New(p.cosign, "verify-blob", "--key", p.publicKey, "--bundle", bundle,
			"--insecure-ignore-tlog=true", file).Output()
		return err
	}
	if err := verifyBlob(sums); err != nil {
		t.Errorf("checksums.txt does not verify: %v", err)
	}
	tampered := filepath.Join(t.TempDir(), "checksums.txt")
	content, err := os.ReadFile(sums)
	if err != nil {
		t.Fatal(err)
	}
	content = append(content, []byte(strings.Repeat("0", 64)+"  evil_1.2.3_linux_amd64.tar.gz\n")...)
	if err := os.WriteFile(tampered, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verifyBlob(tampered); err == nil {
		t.Error("a tampered checksums.txt verified")
	}

	verifyImage := func(ref string) error {
		_, err := command.New(p.cosign, "verify", "--key", p.publicKey, "--insecure-ignore-tlog=true",
			"--allow-http-registry=true", ref).Output()
		return err
	}
	version := strings.TrimPrefix(publishTag, "v")
	for _, fl := range flavours {
		for _, tag := range imageTags(fl, version) {
			ref := p.prefix + "/" + fl.binary + ":" + tag
			if err := verifyImage(ref); err != nil {
				t.Errorf("%s does not verify: %v", ref, err)
			}
		}
	}

	// An image nobody signed, in the same registry.
	signed := p.prefix + "/calculator:" + version
	unsigned := p.prefix + "/unsigned:" + version
	docker.Must(t, "pull", "-q", signed)
	docker.Must(t, "tag", signed, unsigned)
	docker.RemoveImagesOnCleanup(t, signed, unsigned)
	docker.Must(t, "push", "-q", unsigned)
	if err := verifyImage(unsigned); err == nil {
		t.Errorf("the unsigned image %s verified", unsigned)
	}
}

// TestPublishRebuild runs the rebuild tools/README.md gives a downloader
// ("Reproducible"), in a fresh clone of the rehearsal's tagged commit, with
// neither the apk signing key nor a cosign identity: every line of its
// checksums.txt must be the published one, except the .apk packages (built
// unsigned without the release's private key) and the apk public key
// (listed only when there is a signing key).
func TestPublishRebuild(t *testing.T) {
	p := publish(t)
	dir := filepath.Join(t.TempDir(), "rebuild")
	if _, err := gitOut(p.repo, "clone", "--quiet", p.repo, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := gitOut(dir, "remote", "set-url", "origin", dummyRemote); err != nil {
		t.Fatal(err)
	}
	own := withoutEnv(os.Environ(), "GORELEASER_CURRENT_TAG", "IMAGE_PREFIX", "ALPINE_IMAGE", "GO_IMAGE",
		"COSIGN_KEY", "COSIGN_PASSWORD", "APK_PUBLIC_KEY_FILE", "RELEASE_REHEARSAL", "GITHUB_TOKEN")
	c := command.New(filepath.Join(dir, "scripts", "release-goreleaser.sh"), rebuildArgs...).In(dir).
		OnlyEnv(append(own, "APK_SIGNING_KEY_FILE=")...)
	logPath := filepath.Join(t.TempDir(), "rebuild.log")
	r, out, err := runLogged(c, logPath)
	if err == nil && r.Code != 0 {
		err = fmt.Errorf("exit status %d", r.Code)
	}
	if err != nil {
		t.Fatalf("the documented rebuild failed: %v\n%s", err, command.Tail(string(out), 30))
	}
	published := readChecksums(t, filepath.Join(p.dist, "checksums.txt"))
	rebuilt := readChecksums(t, filepath.Join(dir, "dist", "checksums.txt"))
	if _, ok := rebuilt[apkPublicKeyFile]; ok {
		t.Errorf("the unsigned rebuild lists %s", apkPublicKeyFile)
	}
	for name, sum := range published {
		if name == apkPublicKeyFile {
			continue
		}
		got, ok := rebuilt[name]
		switch {
		case !ok:
			t.Errorf("the rebuild made no %s", name)
		case strings.HasSuffix(name, ".apk"):
			if got == sum {
				t.Errorf("%s: the unsigned rebuild has the signed package's SHA-256", name)
			}
		case got != sum:
			t.Errorf("%s: rebuilt sha256 %s, published %s", name, got, sum)
		}
	}
	if len(rebuilt) != len(published)-1 {
		t.Errorf("the rebuild lists %d files, the release %d (with the apk key)", len(rebuilt), len(published))
	}
}

// rebuildArgs are the arguments of scripts/release-goreleaser.sh in the
// rebuild command of tools/README.md.
var rebuildArgs = []string{"release", "--clean", "--skip=publish,announce,docker,sign"}
