// Package e2e holds the end-to-end tests of the hello and calculator
// images. They drive a real Docker engine through the docker CLI: the
// commands of the seeds, health checks, clean shutdown, hardened runs,
// metadata, size ceilings and the release targets.
//
// The images under test come from environment variables, so the same tests
// can check locally built images and the ones GoReleaser tags:
//
//	E2E_HELLO_ALPINE   default hello:dev
//	E2E_HELLO_SCRATCH  default hello:dev-scratch
//	E2E_CALC_SCRATCH   default calculator:dev
//	E2E_CALC_ALPINE    default calculator:dev-alpine
//
// Tests that build images of their own (test routes, the seed-shaped
// baseline, the release targets) use GO_IMAGE and ALPINE_IMAGE as base
// images when set (see scripts/machine/standins.sh), else the Dockerfiles' defaults.
//
// Without an engine or an image a test skips with the reason, unless CI is
// set: then it fails. The module is not part of go.work; run it with
//
//	GOWORK=off go -C e2e test -v ./...
package e2e
