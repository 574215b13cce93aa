package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// fakeGitHub stands in for the part of GitHub's REST API that GoReleaser's
// release step calls (GitHub Enterprise URLs: /api/v3/ and /api/uploads/):
// no release for the tag yet, create a draft, upload assets, publish. It
// records every uploaded asset; a second upload of one name is refused with
// 422, as GitHub does.
type fakeGitHub struct {
	mu       sync.Mutex
	uploads  map[string][]byte // asset name -> bytes
	order    []string          // asset names, in upload order
	unknown  []string          // requests it does not serve
	released bool              // the draft was published
	latest   string            // make_latest of the publishing request
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	const repoPath = "repos/go-multistage/multistage/releases"
	path := r.URL.Path
	reply := func(status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v3/"+repoPath+"/tags/"):
		reply(http.StatusNotFound, `{"message":"Not Found"}`)
	case r.Method == http.MethodPost && path == "/api/v3/"+repoPath:
		reply(http.StatusCreated, `{"id":1,"draft":true,"html_url":"http://`+r.Host+`/release"}`)
	case r.Method == http.MethodPost && path == "/api/uploads/"+repoPath+"/1/assets":
		name := r.URL.Query().Get("name")
		body, err := io.ReadAll(r.Body)
		if err != nil {
			reply(http.StatusBadRequest, `{"message":"unreadable body"}`)
			return
		}
		if _, dup := g.uploads[name]; dup {
			reply(http.StatusUnprocessableEntity, `{"message":"Validation Failed","errors":[{"code":"already_exists","field":"name"}]}`)
			return
		}
		g.uploads[name] = body
		g.order = append(g.order, name)
		out, _ := json.Marshal(map[string]any{"id": len(g.order), "name": name})
		reply(http.StatusCreated, string(out))
	case r.Method == http.MethodPatch && path == "/api/v3/"+repoPath+"/1":
		var body struct {
			MakeLatest string `json:"make_latest"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			reply(http.StatusBadRequest, `{"message":"Problems parsing JSON"}`)
			return
		}
		g.released, g.latest = true, body.MakeLatest
		reply(http.StatusOK, `{"id":1,"draft":false,"html_url":"http://`+r.Host+`/release"}`)
	default:
		if path != "/api/v3/rate_limit" { // GoReleaser carries on without it
			g.unknown = append(g.unknown, r.Method+" "+r.URL.String())
		}
		reply(http.StatusNotFound, `{"message":"Not Found"}`)
	}
}

// uploadConfig is versionConfig (nothing built) without the signing
// sections, which need Sigstore or a cosign key, and with GoReleaser's
// GitHub URLs pointed at api.
func uploadConfig(t *testing.T, root, dir, api string) string {
	t.Helper()
	src, err := os.ReadFile(versionConfig(t, root, dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	dropping := false
	for _, line := range strings.Split(string(src), "\n") {
		if m := topLevelKey.FindStringSubmatch(line); m != nil {
			dropping = m[1] == "signs" || m[1] == "docker_signs"
		}
		if !dropping {
			out = append(out, line)
		}
	}
	out = append(out, "github_urls:", "  api: "+api+"/api/v3/", "  upload: "+api+"/api/uploads/", "  download: "+api+"/")
	path := filepath.Join(dir, "goreleaser-upload.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGoReleaserUploadsAPKKey runs the pinned GoReleaser's real release
// step (release.yml's `release --clean`, minus the builds) against a
// stand-in for GitHub's API on loopback, with the APK key handed over as
// release.yml and the scripts hand it: scripts/throwaway-keys.sh derives the
// public half from APK_SIGNING_KEY_FILE, and scripts/release.sh check sets
// the moving-tag variables first. The release must upload
// go-multistage.rsa.pub exactly once, byte for byte the derived key, and
// checksums.txt, which lists that key with its SHA-256, and be marked
// latest. A patch of an older line, released after it, is not.
func TestGoReleaserUploadsAPKKey(t *testing.T) {
	t.Parallel() // before the build of GoReleaser, which may take minutes
	root, goreleaser := pinnedGoReleaser(t)
	tmp := t.TempDir()
	r := untaggedClone(t, root, filepath.Join(tmp, "repo"))
	r.release("v1.2.3")

	keys := filepath.Join(tmp, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	// The private key in APK_SIGNING_KEY_FILE, as release.yml writes the
	// secret; throwaway-keys.sh derives APK_PUBLIC_KEY_FILE from it (and
	// makes no cosign key: COSIGN_KEY is set, the signing sections are out).
	signingKey := filepath.Join(keys, "release.rsa")
	if _, err := command.New("openssl", "genrsa", "-out", signingKey, "2048").Output(); err != nil {
		t.Fatal(err)
	}
	upload := func(version string) *fakeGitHub {
		t.Helper()
		gh := &fakeGitHub{uploads: map[string][]byte{}}
		server := httptest.NewServer(gh)
		defer server.Close()
		config := uploadConfig(t, root, t.TempDir(), server.URL)
		script := `set -eu; keys=$(scripts/throwaway-keys.sh "$1"); eval "$keys"
moves=$(scripts/release.sh check "$2"); export $moves; shift 2; exec "$@"`
		args := []string{"-c", script, "run", keys, version, goreleaser, "release", "--clean", "--config", config}
		out, err := command.New("bash", args...).In(r.dir).
			OnlyEnv(withoutEnv(os.Environ(), "GORELEASER_CURRENT_TAG", "GORELEASER_PREVIOUS_TAG", "RELEASE_REHEARSAL", "APK_PUBLIC_KEY_FILE", "GITHUB_TOKEN", "GORELEASER_FORCE_TOKEN", "RELEASE_LATEST", "RELEASE_LINE_LATEST")...).
			Env(gitEnv...).
			Env("NO_COLOR=1", "GITHUB_TOKEN=fake-token", "APK_SIGNING_KEY_FILE="+signingKey, "COSIGN_KEY=unused", "GORELEASER_CURRENT_TAG="+version).
			Output()
		if err != nil {
			t.Fatalf("goreleaser release of %s against the GitHub stand-in: %v\n%s", version, err, out)
		}
		gh.mu.Lock()
		defer gh.mu.Unlock()
		if len(gh.unknown) > 0 {
			t.Errorf("GoReleaser called what the stand-in does not serve: %q", gh.unknown)
		}
		if !gh.released {
			t.Error("the draft release was never published")
		}
		return gh
	}

	gh := upload("v1.2.3")
	if gh.latest != "true" {
		t.Errorf("v1.2.3 published with make_latest %q, want true", gh.latest)
	}
	if n := countOf(gh.order, apkPublicKeyFile); n != 1 {
		t.Fatalf("%s uploaded %d times, want once; uploads: %q", apkPublicKeyFile, n, gh.order)
	}
	derived, err := command.New("openssl", "rsa", "-in", signingKey, "-pubout").Output()
	if err != nil {
		t.Fatal(err)
	}
	uploaded := gh.uploads[apkPublicKeyFile]
	if strings.TrimSpace(string(uploaded)) != derived {
		t.Errorf("uploaded %s is not the public half of APK_SIGNING_KEY_FILE:\n%s", apkPublicKeyFile, uploaded)
	}
	if _, err := parseRSAPublicKey(uploaded); err != nil {
		t.Errorf("uploaded %s: %v", apkPublicKeyFile, err)
	}
	sums, ok := gh.uploads["checksums.txt"]
	if !ok {
		t.Fatalf("checksums.txt was not uploaded; uploads: %q", gh.order)
	}
	sum := sha256.Sum256(uploaded)
	if want := hex.EncodeToString(sum[:]) + "  " + apkPublicKeyFile + "\n"; !strings.Contains(string(sums), want) {
		t.Errorf("uploaded checksums.txt does not list %q:\n%s", want, sums)
	}
	if want := []string{"checksums.txt", apkPublicKeyFile}; !slices.Equal(slices.Sorted(slices.Values(gh.order)), want) {
		t.Errorf("uploaded %q, want %q (nothing else is built here)", gh.order, want)
	}

	// v1.1.9 on a branch from v1.1.8's (older) commit, after v1.2.3.
	r.olderLine("v1.1.8")
	r.release("v1.1.9")
	if gh := upload("v1.1.9"); gh.latest != "false" {
		t.Errorf("v1.1.9 (older line) published with make_latest %q, want false", gh.latest)
	}
}

// olderLine tags the parent of HEAD as release version (all its lockstep
// tags, as if released long ago) and checks out a new branch from it whose
// one commit holds HEAD's tree: the maintainer's backport of a fix to an
// older line. The repository's scripts and tools stay those under test.
func (r gitRepo) olderLine(version string) {
	r.t.Helper()
	parent := r.git("rev-parse", "HEAD~1")
	for _, tag := range releaseTags(version, workModules(r.t, r.dir)) {
		r.git("tag", "-a", "-m", "Release "+version, tag, parent)
	}
	tree := r.git("rev-parse", "HEAD^{tree}")
	backport := r.git("commit-tree", tree, "-p", parent, "-m", "fix: backport to "+majorMinor(version))
	r.git("checkout", "--quiet", "-b", "release-"+majorMinor(version), backport)
}

// countOf counts the elements of list equal to s.
func countOf(list []string, s string) int {
	n := 0
	for _, e := range list {
		if e == s {
			n++
		}
	}
	return n
}
