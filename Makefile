# The two set-up commands of the README: `make demo` and `make test`. Each creates .venv with python3 -m venv and
# installs the package (editable) only when pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
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
	$(PY) -m refimpl demo

test: $(STAMP_TEST)
	$(PY) -m pytest -q

test-thorough: $(STAMP_TEST)
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -q

bench: $(STAMP_BENCH)
	$(PY) -m refimpl bench

lint: $(STAMP_LINT)
	$(PY) -m ruff check refimpl tests

clean:
	rm -rf $(VENV) build *.egg-info
