# ieval — common tasks. `make eval` runs the default evaluation on the bundled datasets;
# `make test` runs the test suite; `make check` is what CI enforces.

CARGO    ?= cargo
PROFILE  ?= release
SHARED   ?= ../shared
CORPORA  ?= $(SHARED)/corpora
OUT      ?= out
PYTHON   ?= python3
BIN_DIR   = target/$(if $(filter dev test,$(PROFILE)),debug,$(PROFILE))
IEVAL     = $(BIN_DIR)/ieval

.PHONY: all build eval test test-rust test-python check fmt fmt-check lint bench schemas clean

all: build

build:
	$(CARGO) build --profile $(PROFILE) --bin ieval

## The main job on the bundled default: convert the bundled datasets, summarise them, and
## score the two bundled event system versions against the gold events.
eval: build
	@mkdir -p $(OUT)
	$(IEVAL) convert datasets/articles/gold.jsonl --out $(OUT)/articles
	$(IEVAL) stats $(OUT)/articles
	$(IEVAL) score --gold datasets/articles/gold.jsonl --task events --labels TC,AC \
		--pred v1=datasets/articles/predictions/events_v1.jsonl \
		--pred v2=datasets/articles/predictions/events_v2.jsonl

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
	rm -rf $(OUT) report.html
