package vulngate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "hello.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	findings, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var reachable []string
	for _, f := range findings {
		if f.Reachable() {
			reachable = append(reachable, f.OSV)
		}
	}
	if len(findings) != 15 || !slices.Equal(reachable, []string{"GO-2026-6872", "GO-2026-6875"}) {
		t.Errorf("Parse() = %d findings, reachable %q; want 15, [GO-2026-6872 GO-2026-6875]", len(findings), reachable)
	}
	for _, bad := range []string{`{"finding": {"osv": 1}}`, `{"finding": `, `[1]`} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("Parse(%q) = nil error, want one", bad)
		}
	}
}

// reached is a finding our code reaches, in module echo/v4.
func reached(id, fixed string) Finding {
	return Finding{OSV: id, FixedVersion: fixed, Trace: []Frame{
		{Module: "github.com/labstack/echo/v4", Version: "v4.16.5", Package: "github.com/labstack/echo/v4", Function: "ServeHTTP", Receiver: "*Echo"},
		{Module: "github.com/go-multistage/multistage/hello", Package: "github.com/go-multistage/multistage/hello/internal/server", Function: "Run", Receiver: "*Server"},
	}}
}

func TestCheck(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	accept := func(id, reviewBy string) Accepted {
		return Accepted{ID: id, Module: "github.com/labstack/echo/v4", Reason: "not used", ReviewBy: reviewBy}
	}
	imported := Finding{OSV: "GO-2026-1", FixedVersion: "v4.16.6", Trace: []Frame{{Module: "github.com/labstack/echo/v4", Package: "github.com/labstack/echo/v4"}}}
	for _, tt := range []struct {
		name         string
		findings     []Finding
		accepted     []Accepted
		wantAccepted int
		wantProblems []string // one substring per problem, in order
	}{
		{name: "nothing found"},
		{name: "only imported, not reached", findings: []Finding{imported}},
		{name: "reached, fixable", findings: []Finding{reached("GO-2026-1", "v4.16.6")}, wantProblems: []string{"fixed in v4.16.6; upgrade"}},
		{name: "reached, no fix", findings: []Finding{reached("GO-2026-1", "")}, wantProblems: []string{"no fixed version"}},
		{name: "the problem names the path", findings: []Finding{reached("GO-2026-1", "")}, wantProblems: []string{"hello/internal/server.Server.Run -> github.com/labstack/echo/v4.Echo.ServeHTTP"}},
		{name: "accepted", findings: []Finding{reached("GO-2026-1", ""), reached("GO-2026-1", "")}, accepted: []Accepted{accept("GO-2026-1", "2027-01-01")}, wantAccepted: 1},
		{name: "one of two accepted", findings: []Finding{reached("GO-2026-2", ""), reached("GO-2026-1", "")}, accepted: []Accepted{accept("GO-2026-1", "2027-01-01")}, wantAccepted: 1, wantProblems: []string{"GO-2026-2 in github.com/labstack/echo/v4@v4.16.5"}},
		{name: "accepted through its last day", findings: []Finding{reached("GO-2026-1", "")}, accepted: []Accepted{accept("GO-2026-1", "2026-12-01")}, wantAccepted: 1},
		{name: "acceptance lapsed", findings: []Finding{reached("GO-2026-1", "")}, accepted: []Accepted{accept("GO-2026-1", "2026-11-30")}, wantProblems: []string{"lapsed on 2026-11-30"}},
		{name: "accepted, now fixed", findings: []Finding{reached("GO-2026-1", "v4.16.6")}, accepted: []Accepted{accept("GO-2026-1", "2027-01-01")}, wantProblems: []string{"now fixed in v4.16.6"}},
		{name: "accepted for another module", findings: []Finding{reached("GO-2026-1", "")}, accepted: []Accepted{{ID: "GO-2026-1", Module: "example.com/x", Reason: "r", ReviewBy: "2027-01-01"}}, wantProblems: []string{"no fixed version", "no longer reached"}},
		{name: "stale entry", accepted: []Accepted{accept("GO-2026-2", "2027-01-01")}, wantProblems: []string{"GO-2026-2 (github.com/labstack/echo/v4) is no longer reached"}},
		{name: "stale when only imported", findings: []Finding{imported}, accepted: []Accepted{accept("GO-2026-1", "2027-01-01")}, wantProblems: []string{"no longer reached"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := Check(tt.findings, tt.accepted, today)
			if len(res.Accepted) != tt.wantAccepted {
				t.Errorf("accepted %q, want %d lines", res.Accepted, tt.wantAccepted)
			}
			if len(res.Problems) != len(tt.wantProblems) {
				t.Fatalf("problems %v, want %d saying %q", res.Problems, len(tt.wantProblems), tt.wantProblems)
			}
			for i, want := range tt.wantProblems {
				if !strings.Contains(res.Problems[i].Error(), want) {
					t.Errorf("problem %d = %v, want it to say %q", i, res.Problems[i], want)
				}
			}
		})
	}
}

func TestReadAccepted(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, content, wantErr string
	}{
		{name: "good", content: `{"accepted": [{"id": "GO-2026-1", "module": "m", "reason": "r", "review_by": "2027-01-01"}]}`},
		{name: "empty list", content: `{"accepted": []}`},
		{name: "no reason", content: `{"accepted": [{"id": "GO-2026-1", "module": "m", "reason": " ", "review_by": "2027-01-01"}]}`, wantErr: "needs an id GO-..., a module and a reason"},
		{name: "not an OSV id", content: `{"accepted": [{"id": "CVE-2026-1", "module": "m", "reason": "r", "review_by": "2027-01-01"}]}`, wantErr: "needs an id"},
		{name: "bad date", content: `{"accepted": [{"id": "GO-2026-1", "module": "m", "reason": "r", "review_by": "soon"}]}`, wantErr: "not a date"},
		{name: "unknown field", content: `{"accepted": [{"id": "GO-2026-1", "module": "m", "reason": "r", "review_by": "2027-01-01", "until": "x"}]}`, wantErr: "unknown field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(file, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadAccepted(file)
			if tt.wantErr == "" && err != nil {
				t.Errorf("ReadAccepted() = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("ReadAccepted() = %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
	if _, err := ReadAccepted(filepath.Join("..", "..", "..", "tools", "vuln", "accepted.json")); err != nil {
		t.Errorf("the repository's accepted list: %v", err)
	}
}
