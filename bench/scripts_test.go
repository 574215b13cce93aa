package bench_test

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"
)

// TestFeatureCostPatchApplies keeps scripts/hello-feature-cost.sh working:
// its patch applies to hello as it is, touches nothing but hello's server
// package (and its cli package, which hands the server its log sink), and
// adds exactly the switches the script sets.
func TestFeatureCostPatchApplies(t *testing.T) {
	const patch = "bench/scripts/hello-feature-cost.patch"
	cmd := exec.Command("git", "apply", "--check", patch)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply --check %s: %v\n%s", patch, err, out)
	}
	text, err := os.ReadFile("../" + patch)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^\+\+\+ b/(\S+)`).FindAllSubmatch(text, -1) {
		if !regexp.MustCompile(`^hello/internal/(server|cli)/[a-z]+\.go$`).Match(m[1]) {
			t.Errorf("the patch changes %s; it may change only hello/internal/server and hello/internal/cli", m[1])
		}
	}
	script, err := os.ReadFile("scripts/hello-feature-cost.sh")
	if err != nil {
		t.Fatal(err)
	}
	switches := regexp.MustCompile(`FEATURECOST_[A-Z_]+`)
	inPatch, inScript := unique(switches.FindAllString(string(text), -1)), unique(switches.FindAllString(string(script), -1))
	if len(inPatch) == 0 || !slices.Equal(inPatch, inScript) {
		t.Errorf("the patch adds the switches %v, the script sets %v", inPatch, inScript)
	}
}

func unique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
