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

STAMP_PEERS := $(VENV)/.installed-peers
# The frameworks docs/peers.md checks, installed as GUIDE §5 says works on the CPU machine: torch==2.13.0 (the CPU
# wheel) repeated on every pip line so that no dependency pulls a CUDA build; --no-deps where the declared
# dependencies would pull full tensorflow or a CUDA torch; zennit's import of torchvision met by the small stand-in
# of tools/torchvision_stub when no torchvision is importable.
PIN_TORCH := torch==2.13.0

.PHONY: demo test test-thorough bench lint peers clean

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

$(STAMP_PEERS): pyproject.toml | $(STAMP_TEST)
	$(PY) -m pip install --quiet $(PIN_TORCH)
	$(PY) -m pip install --quiet $(PIN_TORCH) captum shap optax jax jaxlib tensorflow-cpu==2.21.0
	$(PY) -m pip install --quiet --no-deps $(PIN_TORCH) tensorflow-model-optimization==0.8.1 tf-keras==2.21.0 \
		torch-pruning==1.6.1 zennit==0.5.1
	$(PY) -m pip install --quiet $(PIN_TORCH) dm-tree absl-py
	$(PY) -c "import torchvision" 2>/dev/null || cp -r tools/torchvision_stub/torchvision \
		"$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/"
	touch $@

peers: $(STAMP_PEERS)
	$(ONE_THREAD) $(PY) -m pytest -q tests/test_peers_docs.py tests/test_conformance_peers.py

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
