// Package deploy tests the deployment files in deploy/: the Kubernetes
// manifests, rendered by kubectl kustomize and checked without a cluster;
// deploy/compose.yaml, loaded as docker compose loads it (compose-go), run
// by the real docker compose (up, run, scale, down), and deployed as a stack
// on a real single-node Docker Swarm, then rolled, stopped and scaled under a
// steady load that must lose nothing.
//
// Run it from the repository's root (make deploy-test does):
//
//	GOWORK=off go -C e2e test -count=1 -v ./deploy/...
//
// kubectl (for kustomize), a Docker engine and the docker compose plugin
// (scripts/machine/docker-engine.sh start builds the pinned one) are needed. Without
// them a test skips with the reason, unless CI is set: then it fails.
// SWARM_RESULT, when set, names a file where the swarm test writes its
// request counts as JSON (the benchmark report reads it). That JSON, and the
// summary of the load client swarmload, are defined once, in swarmresult.
package deploy
