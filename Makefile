# ceping — App 个人信息安全测评
GO        ?= go
BIN       := bin/ceping
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
DEMO_OUT  ?= demo-out

.PHONY: all build test vet demo bench fuzz-smoke fixtures warm clean corpora

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ceping

vet:
	$(GO) vet ./...

## corpora: fetch the pinned real APKs (npm registry) into the cache; tests skip without them
corpora:
	-@bash scripts/fetch-apks.sh

## test: vet and run every test (real proxy, real SQLite, real captures, real browser)
test: vet corpora
	$(GO) test -count=1 -timeout 20m ./...

## demo: the main job on the bundled example, no phone needed
demo: build
	$(BIN) demo --out $(DEMO_OUT)

## bench: benchmarks, including side-by-side runs against peer tools
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz-smoke: run every fuzz target briefly
fuzz-smoke:
	@bash scripts/fuzz-smoke.sh

## fixtures: rebuild the fixture apps from their smali source
fixtures:
	@bash fixtures/apps/build.sh

## warm: pre-build the dependencies (speeds up the first test run)
warm:
	$(GO) build -tags deps ./internal/deps

clean:
	rm -rf bin $(DEMO_OUT)
