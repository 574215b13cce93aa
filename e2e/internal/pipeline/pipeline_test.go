package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const testMakefile = `MODULES := a b
SIDE := $(MODULES) c

.PHONY: test
test: deps check unit slow vuln-offline ## everything

deps: ## packages
	scripts/machine/test-deps.sh

check: ## checks
	gofmt -l .
	go vet ./...
	GOWORK=off go -C e2e test -count=1 -timeout 5m ./internal/...

unit: build ## unit tests
	go test -race -timeout 10m ./...
	@for m in $(MODULES); do GOWORK=off go -C $$m test -timeout 3m ./... || exit 1; done
	go test -list '^Fuzz' ./...

build: ## a prerequisite
	go build ./...

slow: ## no -timeout: go test's default
	go -C e2e test ./slow/ && \
		echo done

vuln-offline: ## vuln against a local database
	db=$$(scripts/machine/vulndb.sh) && $(MAKE) --no-print-directory vuln VULNDB="$$db"

vuln: ## govulncheck
	GOWORK=off go -C e2e test -timeout 20m ./vuln/

fuzz: ## not run by test
	go test -fuzz . ./...
`

func parse(t *testing.T) *Makefile {
	t.Helper()
	mf, err := ParseMakefile([]byte(testMakefile))
	if err != nil {
		t.Fatal(err)
	}
	return mf
}

func TestParseMakefile(t *testing.T) {
	mf := parse(t)
	if got := mf.Targets["test"].Prereqs; !slices.Equal(got, []string{"deps", "check", "unit", "slow", "vuln-offline"}) {
		t.Errorf("test prerequisites %q", got)
	}
	if got := mf.Targets["slow"].Recipe; len(got) != 1 || !strings.Contains(got[0], "echo done") {
		t.Errorf("slow recipe %q: want one line, the continuation joined", got)
	}
	if got := mf.expand("$(SIDE)"); got != "a b c" {
		t.Errorf("$(SIDE) expands to %q", got)
	}
	if _, err := ParseMakefile([]byte("x:\n\ttrue\nx:\n\tfalse\n")); err == nil {
		t.Error("a target defined twice was accepted")
	}
}

func TestClosure(t *testing.T) {
	mf := parse(t)
	got, err := mf.Closure("test")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"test", "deps", "check", "unit", "build", "slow", "vuln-offline", "vuln"}
	if !slices.Equal(got, want) {
		t.Errorf("closure of test %q, want %q", got, want)
	}
	if _, err := mf.Closure("nope"); err == nil {
		t.Error("an unknown target was accepted")
	}
}

func TestBudget(t *testing.T) {
	mf := parse(t)
	for _, tc := range []struct {
		targets []string
		want    time.Duration
	}{
		{[]string{"check"}, 5 * time.Minute},
		{[]string{"unit"}, 16 * time.Minute}, // 10m + 2 modules × 3m; -list runs nothing
		{[]string{"slow"}, DefaultTestTimeout},
		{[]string{"vuln-offline"}, 20 * time.Minute}, // through $(MAKE) vuln
		{[]string{"check", "unit", "check"}, 21 * time.Minute},
		{[]string{"test"}, 51 * time.Minute},
	} {
		t.Run(strings.Join(tc.targets, "+"), func(t *testing.T) {
			got, err := mf.Budget(tc.targets...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("budget %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckJob(t *testing.T) {
	local := &Local{Make: parse(t), Entry: "test", Always: []string{"deps"},
		Scripts: []string{"scripts/release.sh check", "scripts/keys.sh"}}
	for _, tc := range []struct {
		name    string
		job     string
		targets []string
		wantErr string // "" for none
	}{
		{"ci run", "timeout-minutes: 30\nsteps:\n  - uses: actions/checkout@x\n  - run: bash .ci/run check unit", []string{"check", "unit"}, ""},
		{"ci run everything", "timeout-minutes: 60\nsteps:\n  - run: bash .ci/run", []string{"test"}, ""},
		{"comments and glue", "timeout-minutes: 5\nsteps:\n  - run: |\n      # the prefix\n      echo \"PREFIX=ghcr.io/${OWNER,,}\" >>\"$GITHUB_ENV\"", nil, ""},
		{"known script", "steps:\n  - run: scripts/release.sh check --strict\n  - run: scripts/keys.sh \"$RUNNER_TEMP\" >>\"$GITHUB_ENV\"", nil, ""},
		{"make directly", "timeout-minutes: 30\nsteps:\n  - run: make check", nil, `"make check"`},
		{"target make test does not run", "timeout-minutes: 30\nsteps:\n  - run: bash .ci/run fuzz", nil, `"fuzz" is not run by make test`},
		{"time limit below the tests'", "timeout-minutes: 15\nsteps:\n  - run: bash .ci/run unit", []string{"unit"}, "timeout-minutes 15 is below the 16 minutes"},
		{"no time limit", "steps:\n  - run: bash .ci/run check", []string{"check"}, "timeout-minutes 0"},
		{"unknown subcommand", "steps:\n  - run: scripts/release.sh publish", nil, `"scripts/release.sh publish" is not a command`},
		{"script with shell around it", "steps:\n  - run: scripts/keys.sh && rm -rf /", nil, "nothing else"},
		{"glue that runs a command", "steps:\n  - run: echo \"X=$(id)\" >>\"$GITHUB_ENV\"", nil, "nothing else"},
		{"a second line", "timeout-minutes: 30\nsteps:\n  - run: |\n      bash .ci/run check\n      go test ./...", []string{"check"}, `"go test ./..."`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := ParseWorkflow([]byte("jobs:\n  j:\n" + indent(tc.job, "    ")))
			if err != nil {
				t.Fatal(err)
			}
			targets, errs := local.CheckJob("j", w.Jobs["j"])
			if !slices.Equal(targets, tc.targets) {
				t.Errorf("targets %q, want %q", targets, tc.targets)
			}
			got := fmt.Sprint(errs)
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("unexpected errors: %v", errs)
			case tc.wantErr != "" && !strings.Contains(got, tc.wantErr):
				t.Errorf("errors %v, want one containing %q", errs, tc.wantErr)
			}
		})
	}
}

func TestUncovered(t *testing.T) {
	local := &Local{Make: parse(t), Entry: "test", Always: []string{"deps"}}
	for _, tc := range []struct {
		jobs []string
		want []string
	}{
		{[]string{"check", "unit", "slow", "vuln"}, nil},
		{[]string{"check", "unit", "slow", "vuln-offline"}, nil},
		{[]string{"check", "slow"}, []string{"unit", "vuln-offline"}},
		{[]string{"test"}, nil},
	} {
		if got := local.Uncovered(tc.jobs); !slices.Equal(got, tc.want) {
			t.Errorf("jobs %q: uncovered %q, want %q", tc.jobs, got, tc.want)
		}
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
