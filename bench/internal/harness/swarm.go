package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/report"
	"github.com/go-multistage/multistage/e2e/deploy/swarmresult"
)

// swarmTest is the end-to-end test that rolls deploy/compose.yaml on a
// single-node swarm under load (e2e/deploy/swarm_test.go); item 8 runs it
// and reports its request counts.
const swarmTest = "TestSwarmRollingUpdate"

// swarm runs the swarm rolling-update test and reports its counts (item 8).
// The quick run leaves it out: make test runs the same test in make
// deploy-test, which prints the counts.
func (h *Harness) swarm(ctx context.Context, s *report.Section) error {
	s.Method = "The end-to-end test `" + swarmTest + "` (`e2e/deploy`) deploys `deploy/compose.yaml` as a stack on a single-node Docker Swarm: " +
		"3 replicas of a hello image built from this tree, endpoint mode dnsrr (the kernel here has no IPVS for vip). " +
		"A load client of its own (`e2e/deploy/swarmload`, static, in an image with nothing else) on the stack's network sends `GET /` at a steady rate, " +
		"each request on a new connection (keep-alive off) to the next of the addresses the name resolved to (resolved again every 250 ms in the background, as a proxy's resolver does), and never retried: a reset, a timeout, a status other than 200 or " +
		"a body other than the seed's is a failure. An address that refuses the connection, or does not answer within its share of the 5 s timeout " +
		"(shared out as Go's dialer does), is followed by the next one, as Go's dialer, curl and browsers do; those attempts are counted as fallbacks. Under that load the test rolls the service to a second image build, stops one task's container with " +
		"SIGTERM (docker stop, as a node drain would; the swarm replaces it) and scales 3 → 1 → 3. " +
		"Reproduce with `make deploy-test` (the counts are printed), or alone: " +
		"`SWARM_RESULT=/tmp/swarm.json GOWORK=off go -C e2e test -count=1 -v -run '^" + swarmTest + "$' ./deploy/`."
	if h.cfg.Quick {
		s.Skipped = "quick run; `make deploy-test`, part of `make test`, runs the same test and prints the counts"
		return nil
	}
	if h.docker == nil {
		return h.unavailable(s, "no Docker engine: "+h.noDocker)
	}
	resultPath := h.path("swarm-result.json")
	os.Remove(resultPath)
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v", "-timeout", "15m", "-run", "^"+swarmTest+"$", "./deploy/")
	cmd.Dir = filepath.Join(h.cfg.Root, "e2e")
	cmd.Env = append(os.Environ(), "GOWORK=off", "SWARM_RESULT="+resultPath)
	if h.cfg.CI {
		cmd.Env = append(cmd.Env, "CI=true")
	}
	out, runErr := cmd.CombinedOutput()
	if werr := os.WriteFile(h.path("swarm-test.log"), out, 0o644); werr != nil {
		h.logf("   writing the swarm test's log: %v", werr)
	}
	data, err := os.ReadFile(resultPath)
	if err != nil {
		return fmt.Errorf("the swarm test wrote no result (%v): %v\n%s", runErr, err, tail(string(out), 2000))
	}
	var res swarmresult.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("the swarm test's result: %w", err)
	}
	addSwarmRows(s, res)
	return nil
}

// addSwarmRows turns the test's result into the section's rows and table.
func addSwarmRows(s *report.Section, res swarmresult.Result) {
	s.Add("requests sent", "", fmt.Sprintf("%d at %d/s", res.Sent, res.Rate), report.Info)
	s.Add("failed requests", "0", fmt.Sprint(res.Failed), report.Verdict(res.Failed == 0))
	s.Add("answered with the seed's body", "all", fmt.Sprintf("%d of %d", res.OK, res.Sent), report.Verdict(res.OK == res.Sent && res.Sent > 0))
	s.Add("connection attempts refused or unanswered, then the next address", "", fmt.Sprint(res.Fallbacks), report.Info)
	s.Add("task addresses that answered", "", fmt.Sprint(res.Addresses), report.Info)
	r := res.Resolutions
	s.Add("DNS lookups of the service name (background)", "", fmt.Sprintf("%d, %d failed, %d of 1 s or more, slowest %d ms", r.Count, r.Errors, r.Slow, r.SlowestMS), report.Info)
	rows := make([][]string, 0, len(res.Phases))
	for _, p := range res.Phases {
		d := "—"
		if !p.Start.IsZero() {
			d = p.End.Sub(p.Start).Round(100 * time.Millisecond).String()
		}
		rows = append(rows, []string{p.Name, d, fmt.Sprint(p.Sent), fmt.Sprint(p.OK), fmt.Sprint(p.Failed), fmt.Sprint(p.Fallbacks)})
	}
	s.Details = "Requests by phase (by the time each request started):\n\n" +
		markdown.Table([]string{"Phase", "Took", "Sent", "OK", "Failed", "Fallbacks"}, rows)
}
