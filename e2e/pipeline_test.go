package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/pipeline"
)

// localScripts are the commands besides .ci/run that the workflows may run,
// each with the file of the local pipeline that runs it too, and so proves
// it here: what passes here is what runs on GitHub.
var localScripts = []struct{ cmd, runBy, as string }{
	{"scripts/release-goreleaser.sh check", "e2e/release/snapshot_test.go", "scripts/release-goreleaser.sh check"},
	{"scripts/release-goreleaser.sh release", "scripts/publish-local.sh", "scripts/release-goreleaser.sh release --clean"},
	{"scripts/apk-key.sh", "scripts/throwaway-keys.sh", "scripts/apk-key.sh"},
	{"scripts/image-digests.sh", "e2e/release/digests_test.go", `"image-digests.sh"`},
	{"scripts/release.sh check", "scripts/publish-local.sh", "scripts/release.sh check \"$tag\""},
}

// readRepoFile returns a file of the repository by its slash path.
func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPipeline holds the GitHub workflows to the local pipeline: every job
// runs .ci/run with targets of make test (or a script the local pipeline
// runs too), no job's time limit is below its tests' own timeouts, and
// ci.yml's jobs together run all of make test.
func TestPipeline(t *testing.T) {
	mf, err := pipeline.ParseMakefile(readRepoFile(t, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	ciRun := string(readRepoFile(t, ".ci/run"))
	for _, want := range []string{"scripts/machine/test-deps.sh", "set -- test", `make "$@"`} {
		if !strings.Contains(ciRun, want) {
			t.Errorf(".ci/run has no %q: it must install the packages, then run make test or the targets it is given", want)
		}
	}
	if r := mf.Targets["deps"].Recipe; len(r) != 1 || r[0] != "scripts/machine/test-deps.sh" {
		t.Errorf("make deps runs %q, want scripts/machine/test-deps.sh, which .ci/run runs before any target", r)
	}
	local := &pipeline.Local{Make: mf, Entry: "test", Always: []string{"deps"}}
	for _, s := range localScripts {
		if !strings.Contains(string(readRepoFile(t, s.runBy)), s.as) {
			t.Errorf("%s no longer runs %q: the workflows may not run %q", s.runBy, s.as, s.cmd)
		}
		local.Scripts = append(local.Scripts, s.cmd)
	}

	for _, file := range []string{"ci.yml", "release.yml"} {
		t.Run(file, func(t *testing.T) {
			w, err := pipeline.ParseWorkflow(readRepoFile(t, ".github/workflows/"+file))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var all []string
			for name, job := range w.Jobs {
				targets, errs := local.CheckJob(name, job)
				for _, err := range errs {
					t.Errorf("%s: %v", file, err)
				}
				all = append(all, targets...)
			}
			if file != "ci.yml" {
				return
			}
			if missing := local.Uncovered(all); len(missing) > 0 {
				t.Errorf("ci.yml: no job runs %q of make test", missing)
			}
		})
	}
}
