# diming: the two commands a newcomer needs are `make run` and `make test`.
GO          ?= go
PG          := scripts/postgis.sh
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME   ?= 2s
BENCHCOUNT  ?= 3

.PHONY: run build test test-short bench load fuzz lint fmt db-up db-down db-url clean maplibre

## run: the service with the demo data on the embedded store (http://127.0.0.1:8080)
run:
	@$(MAKE) --no-print-directory maplibre || echo "make: MapLibre could not be installed (no npm?): /map will say so; everything else works" >&2
	CGO_ENABLED=0 $(GO) run ./cmd/diming serve

## build: the binary in bin/
build:
	@$(MAKE) --no-print-directory maplibre || echo "make: MapLibre could not be installed (no npm?): /map will say so; everything else works" >&2
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/diming ./cmd/diming

## test: the whole suite with -race, on SQLite and on a PostGIS this provisions itself
test: maplibre
	@scripts/builddeps.sh
	@scripts/browser.sh
	@scripts/gdal.sh
	@url="$$($(PG) up)" && \
	  DIMING_TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 20m ./...

## test-short: the suite without PostGIS (PostGIS tests skip, loudly; they fail under CI=true)
test-short:
	$(GO) test -count=1 ./...

## bench: every benchmark, diming side by side with PostGIS; writes docs/benchmarks.md
bench:
	@mkdir -p .data
	@url="$$($(PG) up)" && \
	  DIMING_TEST_DATABASE_URL="$$url" $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./... \
	  | tee .data/bench.out
	$(GO) run ./internal/benchtable -o docs/benchmarks.md < .data/bench.out
	@cat docs/benchmarks.md

## load: 60 s (LOADTIME) of mixed public traffic against a local server on the demo data; writes docs/benchmarks.md
load:
	@scripts/load.sh

## fuzz: every fuzz target for FUZZTIME each (default 20000x: a count of inputs, not a duration; a duration
## races the Go 1.26 fuzz coordinator, go.dev/issue/75804, which then reports "context deadline exceeded")
FUZZTIME ?= 20000x
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "== $$pkg $$t"; $(GO) test $$pkg -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

## lint: gofmt, go vet and staticcheck
lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w .

## maplibre: MapLibre GL JS for the map (/map): `npm ci` in web/map (pinned by its package-lock.json),
## then its ES module files copied into web/vendor/maplibre, which the binary embeds (not in git).
## Skipped when the copies are there and came from the current lock file; installs node/npm if missing.
MAPLIBRE_FILES := maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css
maplibre:
	@want="$$(sha256sum web/map/package-lock.json | cut -d' ' -f1)"; \
	ok=1; for f in $(MAPLIBRE_FILES); do [ -s web/vendor/maplibre/$$f ] || ok=; done; \
	if [ -n "$$ok" ] && [ "$$(cat web/vendor/maplibre/.lock.sha256 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	command -v npm >/dev/null 2>&1 || scripts/browser.sh node; \
	echo "maplibre: npm ci in web/map, copying maplibre-gl/dist into web/vendor/maplibre" >&2; \
	(cd web/map && npm ci --no-audit --no-fund --loglevel=error >&2) && \
	mkdir -p web/vendor/maplibre && \
	for f in $(MAPLIBRE_FILES); do cp web/map/node_modules/maplibre-gl/dist/$$f web/vendor/maplibre/$$f || exit 1; done && \
	echo "$$want" > web/vendor/maplibre/.lock.sha256

## db-up / db-url / db-down: the throwaway PostGIS cluster
db-up:
	@$(PG) up
db-url:
	@$(PG) url
db-down:
	@$(PG) down

clean:
	rm -rf bin
