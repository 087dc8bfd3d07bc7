# Strata's front door. `make help` lists the targets.

GO       ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN      := bin/strata
FUZZTIME ?= 30s
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# The binary is built with the committed CPU profile when there is one.
PGO      := $(if $(wildcard profiles/strata.pgo),-pgo=profiles/strata.pgo,-pgo=off)

export PATH := $(dir $(GO)):$(PATH)

.PHONY: help build test quick bench fuzz pgo run lint deps deps-build

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: deps-build ## build bin/strata (with profiles/strata.pgo when present) and the pinned btcd beside it
	$(GO) build $(PGO) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/strata
	$(GO) build -o bin/btcd github.com/btcsuite/btcd

# RUNFLAGS are strata run's flags for make run: two demo miners find
# regtest blocks so there is something to watch.
RUNFLAGS ?= --demo-miners 2

run: build ## start a regtest node, core and edge on this machine, with demo miners
	$(BIN) run $(RUNFLAGS)

test: deps ## install what is missing, then vet, race tests with integration tests, every benchmark once
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 18m ./...
	$(GO) test -run '^$$' -bench . -benchtime 1x -count=1 -timeout 10m ./...

quick: ## unit tests only, no node or database
	$(GO) test -short -count=1 ./...

bench: ## run the benchmarks the issues name and record them in bench/results
	scripts/bench.sh

fuzz: ## run every fuzz target for FUZZTIME (default 30s)
	scripts/fuzz.sh $(FUZZTIME)

pgo: ## profile strata bench against strata run --flood into profiles/strata.pgo and measure the gain
	scripts/pgo.sh

lint: ## go vet and a gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

deps: ## install the system packages the build and the tests need (as root), or say which
	scripts/deps.sh test

deps-build: ## install the system packages the build needs (as root), or say which
	scripts/deps.sh build
