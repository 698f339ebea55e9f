# The lifecycle's build, test and lint entry points.
GO      ?= go
OUT     ?= out
# The lifecycle's version: a semver above 0.7.5, because pack uses the creator
# and lifecycle images only from lifecycles that new.
VERSION ?= 0.90.0
LDFLAGS := -s -w -X github.com/cnb-lifecycle/lifecycle/internal/buildinfo.Version=$(VERSION)
PHASES  := analyzer detector restorer builder exporter rebaser creator launcher lifecycle

.PHONY: all build test unit acceptance lint setup bench demo dist fuzz clean

all: build

## build: every phase binary into $(OUT)/lifecycle/ (CGO off: static, runs in any base image), with the
## SBOMs of the lifecycle and launcher binaries (lifecycle.sbom.cdx.json, ...)
build:
	@mkdir -p $(OUT)/lifecycle
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(OUT)/lifecycle/ $(addprefix ./cmd/,$(PHASES))
	$(GO) run ./scripts/sbom -version $(VERSION) $(OUT)/lifecycle/lifecycle $(OUT)/lifecycle/launcher

## setup: install what the tests need (idempotent)
setup:
	@bash scripts/test-setup.sh

## test: the whole suite: setup, lint, unit and acceptance tests
test: setup lint
	$(GO) test -count=1 ./...

## dist: the lifecycle tarball pack reads and the lifecycle image, into $(OUT)/dist/
dist: build
	$(GO) run ./scripts/dist -bin $(OUT)/lifecycle -version $(VERSION) -out $(OUT)/dist

## fuzz: every fuzz target for FUZZTIME each (go test runs only their seeds)
FUZZTIME ?= 30s
FUZZ_TARGETS := FuzzReadFiles:./platform/files FuzzReadBuildpackFiles:./buildpack FuzzReadMetadata:./launch \
	FuzzApplyDir:./env FuzzExtract:./archive
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t%%:*}"; $(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) $${t#*:}; \
	done

## demo: build samples/app with samples/buildpacks into an OCI layout and run it with runc (root)
demo:
	bash scripts/demo.sh

## bench: ../shared/bench against our binaries, with the machine's floors (root; BENCH_ARGS, REPS, WORKLOADS...)
bench:
	bash scripts/bench.sh $(BENCH_ARGS)

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /acceptance)

acceptance:
	$(GO) test -count=1 ./acceptance/...

## lint: go vet and a gofmt check
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

clean:
	rm -rf $(OUT)
