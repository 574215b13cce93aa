package release

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// rehearsalClone clones the rehearsal's repository, tags included, for a
// further release into the same registry, and returns it with the
// environment that signs as the rehearsal did.
func rehearsalClone(t *testing.T, p *publishedRelease) (gitRepo, []string) {
	t.Helper()
	r := gitRepo{t: t, dir: filepath.Join(t.TempDir(), "repo")}
	if _, err := gitOut("", "clone", "--quiet", "--no-hardlinks", p.repo, r.dir); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(filepath.Dir(p.publicKey), "cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	return r, []string{"COSIGN_KEY=" + string(key), "COSIGN_PASSWORD=" + keyPassword, "IMAGE_PREFIX=" + p.prefix}
}

// indexDigests returns the digest of the index each of tags names, per
// flavour: "hello:latest" -> "sha256:...".
func indexDigests(t *testing.T, p *publishedRelease, tags func(flavour) []string) map[string]string {
	t.Helper()
	digests := map[string]string{}
	for _, fl := range flavours {
		for _, tag := range tags(fl) {
			_, digest := fetchIndex(t, p.registry, "go-multistage/"+fl.binary, tag)
			digests[fl.binary+":"+tag] = digest
		}
	}
	return digests
}

// TestPublishOlderLine releases a patch of an older line with make
// publish-local after the rehearsal's v1.2.3: v1.1.9, tagged by make tag on
// a branch from v1.1.8's commit, older than v1.2.3's. Its images get 1.1.9
// and 1.1 (and their -scratch, -alpine forms); latest and 1.2 still name
// v1.2.3's indexes, and the script says so.
func TestPublishOlderLine(t *testing.T) {
	p := publish(t)
	version := strings.TrimPrefix(publishTag, "v")
	before := indexDigests(t, p, func(fl flavour) []string { return imageTags(fl, version) })

	r, env := rehearsalClone(t, p)
	r.olderLine("v1.1.8")
	if err := makeTag(r.dir, "v1.1.9"); err != nil {
		t.Fatalf("make tag VERSION=v1.1.9 on the older line: %v", err)
	}
	res, out, err := runPublish(r.dir, filepath.Join(t.TempDir(), "publish.log"), nil, env...)
	if err != nil || res.Code != 0 {
		t.Fatalf("publish-local of v1.1.9: exit %d, %v; last lines:\n%s", res.Code, err, command.Tail(string(out), 40))
	}
	if want := "v1.1.9 is not the newest release (v1.2.3 is)"; !strings.Contains(string(out), want) {
		t.Errorf("publish-local does not say %q; last lines:\n%s", want, command.Tail(string(out), 40))
	}

	after := indexDigests(t, p, func(fl flavour) []string { return imageTags(fl, version) })
	for ref, digest := range before {
		if after[ref] != digest {
			t.Errorf("%s moved from %s to %s: the older line's release must leave it on v1.2.3", ref, digest, after[ref])
		}
	}
	older := indexDigests(t, p, func(fl flavour) []string { return []string{"1.1.9" + fl.suffix, "1.1" + fl.suffix} })
	for _, fl := range flavours {
		patch, lineTag := older[fl.binary+":1.1.9"+fl.suffix], older[fl.binary+":1.1"+fl.suffix]
		if lineTag != patch {
			t.Errorf("%s:1.1%s names %s, want v1.1.9's index %s", fl.binary, fl.suffix, lineTag, patch)
		}
		if patch == before[fl.binary+":"+version+fl.suffix] {
			t.Errorf("%s:1.1.9%s is v1.2.3's index: the older line's release did not push its own", fl.binary, fl.suffix)
		}
	}
}

// TestPublishRefusesMissingModuleTags: a release tag pushed without its
// module tags (hello/vX.Y.Z, calculator/vX.Y.Z) is refused by make
// publish-local, as by release.yml, before anything is built or pushed.
func TestPublishRefusesMissingModuleTags(t *testing.T) {
	p := publish(t)
	r, env := rehearsalClone(t, p)
	r.commit("fix: after v1.2.3")
	r.git("tag", "-a", "-m", "Release v1.2.4", "v1.2.4")
	res, out, err := runPublish(r.dir, filepath.Join(t.TempDir(), "publish.log"), nil, env...)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code == 0 {
		t.Fatalf("publish-local of v1.2.4 without module tags succeeded; last lines:\n%s", command.Tail(string(out), 40))
	}
	if want := "release v1.2.4 has no module tag"; !strings.Contains(string(out), want) {
		t.Errorf("publish-local does not say %q; last lines:\n%s", want, command.Tail(string(out), 40))
	}
	for _, fl := range flavours {
		if status := manifestStatus(t, p.registry, "go-multistage/"+fl.binary, "1.2.4"+fl.suffix); status != http.StatusNotFound {
			t.Errorf("%s:1.2.4%s answers %d, want 404: something was pushed", fl.binary, fl.suffix, status)
		}
	}
}

// manifestStatus returns the status the registry answers a HEAD of a
// manifest with.
func manifestStatus(t *testing.T, registry, repo, tag string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, "http://"+registry+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", mediaOCIIndex)
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
