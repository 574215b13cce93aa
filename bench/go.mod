// Module bench measures the products against the seeds and their peers. It
// stays outside go.work so that its dependencies (expression engines to
// compare against, benchstat) never enter the products' builds.
module github.com/go-multistage/multistage/bench

go 1.26.0

tool golang.org/x/perf/cmd/benchstat

require (
	github.com/Knetic/govaluate v3.0.0+incompatible
	github.com/cockroachdb/apd/v3 v3.2.3
	github.com/expr-lang/expr v1.17.8
	github.com/go-multistage/multistage/calculator v0.0.0
	github.com/go-multistage/multistage/e2e v0.0.0
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da
)

require github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect

// The calculator is benchmarked from the working tree, not a release.
replace github.com/go-multistage/multistage/calculator => ../calculator

// e2e/deploy/swarmresult, the one definition of the JSON the swarm test
// writes and the report reads, comes from the same tree as the test the
// harness runs. Nothing else of e2e is imported (only the standard library
// comes with it).
replace github.com/go-multistage/multistage/e2e => ../e2e
