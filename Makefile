# Makefile: the one place the commands live. README, CI and the GitHub
# workflows call these targets and nothing else.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT    := github.com/go-multistage/multistage
MODULES := hello calculator
BIN     := bin

# The Go that builds releases is named once, by go.work's toolchain line
# (setup-go reads the same line in the workflows). Every go command run here
# uses it, whatever GOTOOLCHAIN the environment has: the go command downloads
# it from the module proxy when the local Go is another version. Override
# for one run with `make GOTOOLCHAIN=local ...`.
GO_TOOLCHAIN := $(shell sed -n 's/^toolchain[[:space:]]*//p' go.work)
export GOTOOLCHAIN := $(GO_TOOLCHAIN)

# Build information for local builds; GoReleaser and the Dockerfiles set the
# same variables from the release.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo none)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)

# The binaries we ship keep encoding/json's own implementation: Go 1.27's
# default (GOEXPERIMENT=jsonv2) builds it on encoding/json/v2, which adds
# about 550 KB to hello (echo uses encoding/json) for output that is the
# same. .goreleaser.yaml and the Dockerfiles set the same; the release tests
# read it back from the binaries' build information.
SHIP_GOEXPERIMENT := nojsonv2

# ldflags NAME: strip and stamp the build information of module NAME.
ldflags = -s -w \
	-X $(ROOT)/$(1)/internal/buildinfo.Version=$(VERSION) \
	-X $(ROOT)/$(1)/internal/buildinfo.Commit=$(COMMIT) \
	-X $(ROOT)/$(1)/internal/buildinfo.Date=$(DATE)

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: build
build: $(addprefix build-,$(MODULES)) ## Build static, stripped binaries into bin/.

.PHONY: $(addprefix build-,$(MODULES))
$(addprefix build-,$(MODULES)): build-%:
	CGO_ENABLED=0 GOEXPERIMENT=$(SHIP_GOEXPERIMENT) GOWORK=off go -C $* build -trimpath -ldflags '$(call ldflags,$*)' -o ../$(BIN)/$* .
	@stat -c '%n: %s bytes' $(BIN)/$*

# Modules outside go.work: test and tool code whose dependencies must never
# reach the products (tools/ is checked by building it, see release-check).
SIDE_MODULES := e2e bench tools/release

# BASES picks the base images for image builds: the Dockerfiles' pinned public
# bases, or local stand-ins on a machine that cannot pull them (STANDINS=1
# forces the stand-ins, STANDINS=0 forbids them). See scripts/machine/standins.sh.
BASES = scripts/machine/docker-engine.sh start && eval "$$(scripts/machine/standins.sh auto)" &&

.PHONY: test
test: deps check unit e2e deploy-test release-test actionlint vuln-offline bench-quick ## Every check and test (CI: bash .ci/run).

.PHONY: deps
deps: ## Install the Debian packages the tests need, when any is missing.
	scripts/machine/test-deps.sh

.PHONY: check
check: ## gofmt, go vet, go.mod tidiness for every module, the one pinned Go toolchain, the base image pins and the label source, shellcheck of install.sh, make lint.
	shellcheck --shell=sh install.sh
	@out=$$(gofmt -l $(MODULES) $(SIDE_MODULES)); if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(addsuffix /...,$(addprefix ./,$(MODULES)))
	go vet -tags e2etest ./hello/...
	@for m in $(SIDE_MODULES); do GOWORK=off go -C $$m vet ./... || exit 1; done
	@for m in $(MODULES) $(SIDE_MODULES) tools/vuln tools/vulndb tools/golangci; do GOWORK=off go -C $$m mod tidy -diff || { echo "$$m: run go mod tidy"; exit 1; }; done
	GOWORK=off go -C e2e test -count=1 -timeout 5m -run '^TestToolchain' ./release/
	GOWORK=off go -C e2e test -count=1 -timeout 5m ./internal/...
	GOWORK=off go -C e2e test -count=1 -timeout 5m -run '^(TestBaseImagePins|TestRenovateFindsEveryPin|TestRenovateFindsToolchain|TestDependabotCoversEveryModule|TestImageLabelSource|TestLintHoldsTheArchitecture|TestPipeline)$$' .
	@$(MAKE) --no-print-directory lint

# LINT_MODULES are the modules with Go code of ours (tools/* only pin tools).
# Each is linted alone (GOWORK=off), as it is built and released, from its
# own folder, with the one .golangci.yml at the root.
LINT_MODULES := $(MODULES) $(SIDE_MODULES)

.PHONY: lint
lint: ## golangci-lint (pinned in tools/golangci, rules in .golangci.yml) on every module; hello also with -tags e2etest.
	golangci=$$(GOWORK=off go -C tools/golangci tool -n golangci-lint) && status=0 && \
	for m in $(LINT_MODULES); do \
		echo "== golangci-lint $$m"; \
		(cd $$m && GOWORK=off "$$golangci" run --config '$(CURDIR)/.golangci.yml' ./...) || status=1; \
	done; \
	echo "== golangci-lint hello -tags e2etest"; \
	(cd hello && GOWORK=off "$$golangci" run --config '$(CURDIR)/.golangci.yml' --build-tags e2etest ./...) || status=1; \
	exit $$status

.PHONY: unit
unit: ## Unit, fuzz-seed and integration tests with the race detector, once per module as it is released (GOWORK=off); the CLI transcripts (e2e/cli).
	@for m in $(MODULES); do GOWORK=off go -C $$m test -race -count=1 -timeout 10m ./... || exit 1; done
	@for m in bench tools/release; do GOWORK=off go -C $$m test -race -count=1 -timeout 5m ./... || exit 1; done
	GOWORK=off go -C e2e test -count=1 -timeout 5m ./cli/

.PHONY: images
images: ## Build hello:dev, hello:dev-scratch, calculator:dev, calculator:dev-alpine from source.
	$(BASES) scripts/build-images.sh

.PHONY: e2e
e2e: images ## End-to-end tests of the four images on a real Docker engine.
	$(BASES) GOWORK=off go -C e2e test -count=1 -parallel 4 -timeout 20m .

.PHONY: tag
tag: ## Tag HEAD as release VERSION (v1.2.3, v1.3.0-rc.1, or a patch of an older line such as v1.1.9) and every module in lockstep (tools/release); pushes nothing.
	@if [[ "$(origin VERSION)" != "command line" && "$(origin VERSION)" != "environment" ]]; then \
		echo "usage: make tag VERSION=vMAJOR.MINOR.PATCH[-PRERELEASE]" >&2; exit 2; fi
	scripts/release.sh tag "$$VERSION"

.PHONY: deploy-test
deploy-test: ## Deployment files: Kubernetes manifests checked offline; deploy/compose.yaml up, run, scaled and down with the pinned docker compose, and rolled on a real swarm.
	scripts/machine/docker-engine.sh start && GOWORK=off go -C e2e test -count=1 -v -timeout 15m ./deploy/...

.PHONY: release-snapshot
release-snapshot: ## The maintainers' main job: a full local release of HEAD into dist/, nothing published.
	$(BASES) scripts/release-snapshot.sh

.PHONY: publish-local
publish-local: deps ## Release rehearsal: the real goreleaser release of the tag at HEAD, images pushed to a registry on loopback (IMAGE_PREFIX, default localhost:5000/go-multistage).
	scripts/publish-local.sh

.PHONY: release-check
release-check: ## Validate .goreleaser.yaml with the pinned GoReleaser (needs a git remote).
	scripts/release-goreleaser.sh check

.PHONY: release-test
release-test: ## End-to-end test of the release: two snapshots of HEAD in a throwaway clone, then every artifact checked.
	$(BASES) GOWORK=off go -C e2e test -count=1 -timeout 45m ./release/

.PHONY: actionlint
actionlint: ## Lint the GitHub workflows with the pinned actionlint.
	actionlint=$$(GOWORK=off go -C tools/lint tool -n actionlint) && "$$actionlint"

# VULNDB is the database govulncheck reads: empty for its online default, or
# file://DIR (vuln-offline builds one from the pin in tools/vulndb).
VULNDB ?=

.PHONY: vuln
vuln: ## govulncheck (pinned in tools/vuln) on each module of go.work alone, as it is released; fails on a reachable vulnerability that tools/vuln/accepted.json does not accept. VULNDB=file://DIR for a local database.
	VULNDB='$(VULNDB)' GOWORK=off go -C e2e test -count=1 -v -timeout 20m -run '^TestVulnerabilities$$' ./vuln/

.PHONY: vuln-offline
vuln-offline: ## make vuln against a database built offline from golang.org/x/vulndb (pinned in tools/vulndb; scripts/machine/vulndb.sh).
	db=$$(scripts/machine/vulndb.sh) && $(MAKE) --no-print-directory vuln VULNDB="$$db"

.PHONY: bench
bench: images ## Measure us against the seeds and peers: writes bench/REPORT.md (about 10 minutes).
	$(BASES) cd bench && GOWORK=off go run ./cmd/report

.PHONY: bench-quick
bench-quick: images ## A reduced bench run (under 3 minutes) into bench/out/, so the harness cannot rot.
	$(BASES) cd bench && BENCH_QUICK=1 GOWORK=off go run ./cmd/report

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 30s).
	@for m in $(MODULES); do \
		for pkg in $$(go -C $$m list ./...); do \
			for f in $$(go -C $$m test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
				echo "== $$pkg $$f"; go -C $$m test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} $$pkg; \
			done; \
		done; \
	done

.PHONY: bench-go
bench-go: ## Go benchmarks of both modules (count 5).
	go test -run '^$$' -bench . -benchmem -count=5 $(addsuffix /...,$(addprefix ./,$(MODULES)))

.PHONY: clean
clean: ## Remove build outputs.
	rm -rf $(BIN) dist
