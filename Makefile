# vsag-go entry points. `make demo` and `make test` install what is missing themselves.
# Parts of the project add their own targets in mk/*.mk by appending to BUILD_TARGETS,
# TEST_TARGETS and BENCH_TARGETS.

SHELL := /bin/bash
GO ?= go
PYTHON ?= /usr/bin/python3
export PATH := /usr/local/go/bin:$(PATH)
export GOFLAGS ?= -buildvcs=false

BUILD_TARGETS :=
TEST_TARGETS :=
BENCH_TARGETS :=

.PHONY: all build demo test test-go test-race test-fuzz lint bench deps-go deps-apt clean

all: build

-include mk/*.mk

# Examples run in CI.
TEST_TARGETS += test-examples-go
.PHONY: test-examples-go
test-examples-go:
	$(GO) run ./examples/go/quickstart
	$(GO) run ./examples/go/ivf
	$(GO) run ./examples/go/pyramid

deps-go:
	@$(GO) mod download

# deps-apt PKGS="..." installs Debian packages that are missing (quietly, once).
deps-apt:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing) >/tmp/vsag-apt.log 2>&1 \
	    || echo "warning: could not install$$missing (see /tmp/vsag-apt.log)"; \
	fi

build: deps-go $(BUILD_TARGETS)
	$(GO) build ./...

# The main job: build an index on Fashion-MNIST (or generated data), search, print recall/QPS/latency.
demo: build
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./cmd/vsag-demo $(DEMO_FLAGS)

test: build lint test-go test-race test-fuzz $(TEST_TARGETS)
	@echo "all tests passed"

test-go:
	$(GO) test -count=1 -timeout 20m ./...

# Concurrency cases under the race detector.
test-race:
	$(GO) test -count=1 -race -timeout 20m -run 'Concurren|Race|Parallel' ./core/... ./tests/...

# Short fuzzing of the file readers, parsers and kernels (their seed corpora run in test-go too).
# The budget is a count of executions, not a duration: with a duration, Go's fuzz coordinator
# (up to go1.26) can report a bare "context deadline exceeded" failure when the time runs out
# (go.dev/issue/75804), which is not a finding.
FUZZ_TARGETS := FuzzRead@./core/serial FuzzLoad@./core FuzzLoadParts@./core FuzzLabelsUnmarshal@./core/store FuzzCompile@./core/attr \
	FuzzReadBinary@./core/attr FuzzLVQUnmarshal@./core/quant FuzzLeanVecUnmarshal@./core/quant \
	FuzzL2Sqr@./simd FuzzConvert@./simd
FUZZ_TIME ?= 20000x
test-fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t%@*} in $${t#*@} for $(FUZZ_TIME)"; \
	  out=$$($(GO) test -run '^$$' -fuzz "^$${t%@*}$$" -fuzztime $(FUZZ_TIME) "$${t#*@}" 2>&1) || { echo "$$out"; exit 1; }; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^simd/internal/asmgen/')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	sh simd/internal/asmgen/check.sh

bench: build $(BENCH_TARGETS)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./core/... >/dev/null
	$(GO) test -run '^$$' -bench . ./simd/

clean:
	rm -rf build
