// Package vuln runs govulncheck on each product module and holds the
// result to the accepted list (tools/vuln/accepted.json): make vuln (the
// live database, CI's lint job) and make vuln-offline (a database built
// from the pinned golang.org/x/vulndb, part of make test). The judging is
// e2e/internal/vulngate's.
package vuln

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/repo"
	"github.com/go-multistage/multistage/e2e/internal/vulngate"
)

// TestVulnerabilities scans every product module with the pinned
// govulncheck against $VULNDB (its online database when empty) and fails
// on any reachable vulnerability the accepted list does not accept.
func TestVulnerabilities(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	accepted, err := vulngate.ReadAccepted(filepath.Join(root, "tools", "vuln", "accepted.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Each module alone (GOWORK=off), as it is released.
	run := func(name string, args ...string) string {
		return command.New(name, args...).In(root).Env("GOWORK=off").Timeout(10 * time.Minute).Must(t)
	}
	govulncheck := run("go", "-C", "tools/vuln", "tool", "-n", "govulncheck")

	// The modules we ship are go.work's; each is scanned alone, as it is
	// released.
	var work struct{ Use []struct{ DiskPath string } }
	if err := json.Unmarshal([]byte(run("go", "work", "edit", "-json", "go.work")), &work); err != nil || len(work.Use) == 0 {
		t.Fatalf("go.work lists no modules (%v)", err)
	}
	var findings []vulngate.Finding
	for _, use := range work.Use {
		m := use.DiskPath
		args := []string{"-C", filepath.Join(root, m), "-json"}
		if db := os.Getenv("VULNDB"); db != "" {
			args = append(args, "-db", db)
		}
		out := run(govulncheck, append(args, "./...")...)
		fs, err := vulngate.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		t.Logf("%s: %d findings", m, len(fs))
		findings = append(findings, fs...)
	}
	res := vulngate.Check(findings, accepted, time.Now())
	for _, line := range res.Accepted {
		t.Logf("accepted: %s", line)
	}
	for _, p := range res.Problems {
		t.Error(p)
	}
}
