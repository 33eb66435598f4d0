# ieval — common tasks. `make eval` runs the default evaluation on the bundled datasets;
# `make test` runs the test suite; `make check` is what CI enforces.

CARGO    ?= cargo
# dev: the first `make eval` on a fresh machine builds in a few minutes; use
# PROFILE=release for large runs and benchmarks (`make bench` always builds release).
PROFILE  ?= dev
SHARED   ?= ../shared
CORPORA  ?= $(SHARED)/corpora
OUT      ?= out
PYTHON   ?= python3
RESULTS  ?= results
RESULTS_CONLL ?= results-conll
JOBS     ?= 0
# `make compare`: two systems of the results store, on one dataset.
A        ?= gazetteer-v1
B        ?= gazetteer-v2
DATASET  ?= articles
# The systems of the default suite whose predictions go into report.html.
REPORT_SYSTEMS ?= gazetteer-v1 gazetteer-v2
# `make fuzz`: seconds per target, targets run at once, which targets (default: all).
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_TARGETS ?=
# `make eval`'s second table: relations and coreference (the CoNLL average of MUC, B³, CEAFe).
EVAL_REL_COREF_METRICS ?= relations/strict-f1,relations/relaxed-f1,coref/muc-f1,coref/b3-f1,coref/ceafe-f1,coref/conll-f1,event-coref/conll-f1
# `make tables`: which metrics, in which format.
TABLE_METRICS ?= strict-f1,partial-f1
TABLE_FORMAT  ?= markdown
# Where cargo puts binaries: `target/` unless CARGO_TARGET_DIR or a cargo config says otherwise.
TARGET_DIR := $(or $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'),$(CARGO_TARGET_DIR),target)
BIN_DIR   = $(TARGET_DIR)/$(if $(filter dev test,$(PROFILE)),debug,$(PROFILE))
IEVAL     = $(BIN_DIR)/ieval

.PHONY: all build eval eval-conll tables report compare test test-rust test-python test-py-package check fmt fmt-check lint bench bench-scale schemas fuzz clean

all: build

build:
	$(CARGO) build --profile $(PROFILE) --bin ieval

## The main job, on the bundled datasets only (Rust and Python 3, nothing else): run the
## default suite (two versions of a simple extractor over the bundled articles) into
## $(RESULTS)/, print the benchmark table, write report.html.
eval: build
	$(IEVAL) run suites/default.toml --results $(RESULTS) --jobs $(JOBS)
	@$(MAKE) --no-print-directory tables TABLE_METRICS=strict-f1,partial-f1,TC-f1,AC-f1
	@$(MAKE) --no-print-directory tables TABLE_METRICS=$(EVAL_REL_COREF_METRICS)
	@$(MAKE) --no-print-directory compare
	@$(MAKE) --no-print-directory report

## CoNLL-2003 test with every real system under $(CORPORA)/conll2003-preds.
eval-conll: build
	CORPORA=$(abspath $(CORPORA)) $(IEVAL) run suites/conll2003.toml --results $(RESULTS_CONLL) --jobs $(JOBS)
	@$(MAKE) --no-print-directory tables RESULTS=$(RESULTS_CONLL) TABLE_METRICS=strict-f1

## Benchmark tables of the results store: systems x (dataset, metric), 95% CIs, best
## per column marked (TABLE_FORMAT=markdown|latex|csv|json|html|text).
tables: build
	$(IEVAL) table --results $(RESULTS) --metric $(TABLE_METRICS) --format $(TABLE_FORMAT)

## report.html for the default suite: the table, per-label F1, confusion heat map,
## COR/INC/PAR/MIS/SPU, bucketed analysis and a document viewer (self-contained HTML).
report: build
	$(IEVAL) report --gold datasets/articles/gold.jsonl \
	  $(foreach s,$(REPORT_SYSTEMS),--pred $(s)=$(RESULTS)/predictions/articles/$(s).jsonl) \
	  --results $(RESULTS) --out report.html

## Compare two systems of the results store: make compare A=gazetteer-v1 B=gazetteer-v2 [DATASET=articles]
compare: build
	$(IEVAL) compare --results $(RESULTS) --dataset $(DATASET) $(A) $(B)

## Rust tests (unit, integration, doc) and every Python-side check (pyarrow offsets, parity
## with seqeval/nervaluate, ...): tests/python/run.py installs tests/python/requirements.txt
## into .venv when $(PYTHON) lacks them; only the browser check skips without Chromium.
test: test-rust test-python test-py-package

test-rust:
	$(CARGO) test --all-targets
	$(CARGO) test --doc

test-python:
	$(CARGO) build --bin ieval
	IEVAL=$(TARGET_DIR)/debug/ieval CORPORA=$(CORPORA) $(PYTHON) tests/python/run.py

## The Python package (python/): a debug build installed into $(PY_VENV) by maturin, then
## its pytest tests (python/tests; they compare with the binary built here). A missing
## $(PY_VENV) is created with the system's site packages (what CI installed stays visible).
PY_VENV ?= .venv
test-py-package:
	$(CARGO) build --bin ieval
	test -x $(PY_VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt -r tests/python/requirements.txt
	# maturin's own script in the venv even when the system site packages the venv sees have
	# it already (as in CI, where pip would then install nothing into $(PY_VENV)/bin).
	test -x $(PY_VENV)/bin/maturin || $(PY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --ignore-installed "$$(grep -i '^maturin' python/requirements-dev.txt)"
	cd python && VIRTUAL_ENV=$(abspath $(PY_VENV)) $(abspath $(PY_VENV))/bin/maturin develop --quiet
	cd python && IEVAL=$(abspath $(TARGET_DIR))/debug/ieval CORPORA=$(abspath $(CORPORA)) $(abspath $(PY_VENV))/bin/python -m pytest tests -q

check: fmt-check lint test

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy -p ieval-python --all-targets -- -D warnings

## Criterion benches (quick) and the side-by-side run against conlleval.pl, seqeval and
## nervaluate on a generated 1M-token CoNLL file (needs the Python packages of
## tests/python/requirements.txt). Figures go to BENCHMARKS.md.
bench:
	$(CARGO) build --release --bin ieval
	$(CARGO) bench -- --quick
	$(PYTHON) benches/side_by_side.py --ieval $(TARGET_DIR)/release/ieval

## Convert and score generated corpora of SCALE_SIZES articles (~5 KB, 20 entities, 3
## events each; two systems): time and peak RSS (benches/SCALE_RESULTS.md). 1M articles
## need ~25 GB free in SCALE_WORK.
SCALE_SIZES ?= 100000,300000,1000000
SCALE_WORK  ?= /tmp/ieval-scale
bench-scale:
	$(CARGO) build --release --bin ieval
	$(PYTHON) benches/scale.py run --ieval $(TARGET_DIR)/release/ieval --sizes $(SCALE_SIZES) --work $(SCALE_WORK)

## Fuzz every reader, the tag decoder, offsets and the matcher for FUZZ_SECONDS each,
## FUZZ_JOBS at a time, on stable Rust (cargo-fuzz with RUSTC_BOOTSTRAP=1, no sanitizer:
## see fuzz/README.md). Crashes land in fuzz/artifacts/<target>/; exit 1 if any.
##   make fuzz FUZZ_SECONDS=600            (the release check: 10 minutes per target)
##   make fuzz FUZZ_TARGETS="conll brat"
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

## Regenerate schemas/ from the code (a test fails when they drift).
schemas:
	$(CARGO) run --quiet --bin ieval -- schemas --out schemas

clean:
	$(CARGO) clean
	rm -rf $(OUT) $(RESULTS) report.html

## Hostile inputs for the matcher (issue 12): every mention overlapping every other, 16,000
## identical mentions and triggers, 20,000 BRAT events in one coreference chain; wall time
## and peak RSS of `ieval score` (release build without polars; see BENCHMARKS.md).
.PHONY: bench-hostile
bench-hostile:
	$(CARGO) build --release --no-default-features --bin ieval
	$(PYTHON) benches/hostile.py --ieval target/release/ieval
