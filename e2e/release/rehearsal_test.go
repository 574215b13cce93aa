package release

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
)

// TestRehearsalCommands runs the commands docs/releasing.md gives a
// maintainer after `make publish-local` ("Rehearse a release here") as written, in the
// rehearsal's clone, against its registry and with its public key: pulling,
// running the arm64 calculator, and verifying with the pinned cosign, which
// the block itself builds.
func TestRehearsalCommands(t *testing.T) {
	p := publish(t)
	readme, err := os.ReadFile(filepath.Join(p.repo, "docs", "releasing.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Rehearse a release here")
	if !ok {
		t.Fatal(`docs/releasing.md has no "## Rehearse a release here" section`)
	}
	block := shellBlock.FindStringSubmatch(section)
	if block == nil {
		t.Fatal("no sh block in docs/releasing.md's rehearsal section")
	}
	script := strings.NewReplacer("localhost:5000", p.registry, "dist/cosign.pub", p.publicKey).Replace(block[1])
	var run []string
	for line := range strings.Lines(script) {
		if strings.HasPrefix(line, "make ") {
			continue // what the fixture ran: make tag, make publish-local
		}
		run = append(run, line)
	}
	if len(run) != 4 {
		t.Fatalf("want 4 commands after make tag and make publish-local (pull, run, cosign, verify), got %q", run)
	}
	docker.RemoveImagesOnCleanup(t, p.prefix+"/hello:1.2.3", p.prefix+"/calculator:1.2")
	out, err := command.New("bash", "-euo", "pipefail", "-c", strings.Join(run, "")).In(p.repo).Env("GOWORK=off").Output()
	if err != nil {
		t.Fatalf("docs/releasing.md's rehearsal commands failed: %v\n%s", err, out)
	}
	if !slices.Contains(strings.Split(out, "\n"), "42") {
		t.Errorf("the arm64 calculator did not print 42 for '6 * 7':\n%s", out)
	}
	if !strings.Contains(out, `"critical"`) {
		t.Errorf("cosign verify printed no verified signature payload:\n%s", out)
	}
}
