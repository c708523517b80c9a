# The two set-up commands of the README: `make demo` and `make test`. Each creates .venv with python3 -m venv and
# installs the package (editable) only when pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One BLAS thread for the demo and the tests: their matrices are small, and on a busy 2-core machine OpenBLAS's
# threads fight over the cores (measured: the demo's compression table took 131 s instead of 4.5 s under load).
# The benchmark keeps each library's default, as they ship, and times the training steps again with one thread per side.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench
STAMP_LINT := $(VENV)/.installed-lint

.PHONY: demo test test-thorough bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

$(STAMP_BENCH): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,bench]' || $(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(STAMP_LINT): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $@

demo: $(STAMP_RUN)
	$(ONE_THREAD) $(PY) -m refimpl demo

test: $(STAMP_TEST)
	$(ONE_THREAD) $(PY) -m pytest -q

test-thorough: $(STAMP_TEST)
	$(ONE_THREAD) HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -q

bench: $(STAMP_BENCH)
	$(PY) -m refimpl bench

lint: $(STAMP_LINT)
	$(PY) -m ruff check refimpl tests
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build *.egg-info
