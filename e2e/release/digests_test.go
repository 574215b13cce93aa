package release

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// TestImageDigests runs scripts/image-digests.sh over the rehearsal's dist/,
// as release.yml does to hand each image index to its attestation step, and
// checks every line against the index the registry serves for that flavour.
func TestImageDigests(t *testing.T) {
	p := publish(t)
	out, err := command.New(filepath.Join(p.repo, "scripts", "image-digests.sh")).In(p.repo).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for line := range strings.Lines(out) {
		name, digest, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			t.Fatalf("image-digests.sh printed %q, want NAME=DIGEST lines", line)
		}
		got[name] = digest
	}
	version := strings.TrimPrefix(publishTag, "v")
	for _, fl := range flavours {
		name := fl.binary + "_" + fl.base
		_, want := fetchIndex(t, p.registry, "go-multistage/"+fl.binary, version+fl.suffix)
		if got[name] != want || want == "" {
			t.Errorf("image-digests.sh: %s=%q, the registry serves %s:%s as %q", name, got[name], fl.binary, version+fl.suffix, want)
		}
	}
	if len(got) != len(flavours) {
		t.Errorf("image-digests.sh printed %d digests, want one per flavour (%d): %v", len(got), len(flavours), got)
	}
}
