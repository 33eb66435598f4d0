# ieval — common tasks. `make eval` runs the default evaluation on the bundled datasets;
# `make test` runs the test suite; `make check` is what CI enforces.

CARGO    ?= cargo
PROFILE  ?= release
SHARED   ?= ../shared
CORPORA  ?= $(SHARED)/corpora
OUT      ?= out
PYTHON   ?= python3
RESULTS  ?= results
JOBS     ?= 0
# `make compare`: two systems of the results store, on one dataset.
A        ?= gazetteer-v1
B        ?= gazetteer-v2
DATASET  ?= articles
# The systems of the default suite whose predictions go into report.html.
REPORT_SYSTEMS ?= gazetteer-v1 gazetteer-v2
BIN_DIR   = target/$(if $(filter dev test,$(PROFILE)),debug,$(PROFILE))
IEVAL     = $(BIN_DIR)/ieval

.PHONY: all build eval eval-conll tables report compare test test-rust test-python check fmt fmt-check lint bench schemas clean

all: build

build:
	$(CARGO) build --profile $(PROFILE) --bin ieval

## The main job, on the bundled datasets only (Rust and Python 3, nothing else): run the
## default suite (two versions of a simple extractor over the bundled articles) into
## $(RESULTS)/, print the benchmark table, write report.html.
eval: build
	$(IEVAL) run suites/default.toml --results $(RESULTS) --jobs $(JOBS)
	@$(MAKE) --no-print-directory tables report

## CoNLL-2003 test with every real system under $(CORPORA)/conll2003-preds.
eval-conll: build
	CORPORA=$(abspath $(CORPORA)) $(IEVAL) run suites/conll2003.toml --results $(RESULTS) --jobs $(JOBS)
	@$(MAKE) --no-print-directory tables

## Benchmark tables of the results store (`ieval table`; until a build has it, the
## summary `ieval run` printed is the table).
tables: build
	@if $(IEVAL) table --help >/dev/null 2>&1; then \
	  $(IEVAL) table --results $(RESULTS) --metric strict-f1,partial-f1; \
	else \
	  echo "(this ieval has no 'table' command yet: the summary of 'ieval run' above is the table)"; \
	fi

## report.html for the default suite (`ieval report`, when the build has it).
report: build
	@if $(IEVAL) report --help >/dev/null 2>&1; then \
	  $(IEVAL) report --gold datasets/articles/gold.jsonl \
	    $(foreach s,$(REPORT_SYSTEMS),--pred $(s)=$(RESULTS)/predictions/articles/$(s).jsonl) \
	    --results $(RESULTS) --out report.html && echo "wrote report.html"; \
	else \
	  echo "(this ieval has no 'report' command yet: report.html not written)"; \
	fi

## Compare two systems of the results store: make compare A=gazetteer-v1 B=gazetteer-v2 [DATASET=articles]
compare: build
	$(IEVAL) compare --results $(RESULTS) --dataset $(DATASET) $(A) $(B)

## Rust tests (unit, integration, doc) and the Python-side checks (pyarrow offsets,
## parity with seqeval/nervaluate) when their packages are installed.
test: test-rust test-python

test-rust:
	$(CARGO) test --all-targets
	$(CARGO) test --doc

test-python:
	$(CARGO) build --bin ieval
	IEVAL=target/debug/ieval CORPORA=$(CORPORA) $(PYTHON) tests/python/run.py

check: fmt-check lint test

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --all-targets -- -D warnings

bench:
	$(CARGO) bench

## Regenerate schemas/ from the code (a test fails when they drift).
schemas:
	$(CARGO) run --quiet --bin ieval -- schemas --out schemas

clean:
	$(CARGO) clean
	rm -rf $(OUT) $(RESULTS) report.html
