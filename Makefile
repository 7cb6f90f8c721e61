# Two commands: `make run` (set up + solve the demo task with the embedded 1.5B model)
# and `make test` (set up + run the test suite). Both create and reuse .venv; a second run
# does no install work unless pyproject.toml changed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check
export LITELLM_LOCAL_MODEL_COST_MAP := True
export MLFLOW_DISABLE_TELEMETRY := true
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: run test lint bench-speed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

# llama-cpp-python built without AMX (see the script); cached per flag set across venvs.
$(VENV)/.installed-llama: scripts/install_llama_cpp.sh | $(BIN)/python
	scripts/install_llama_cpp.sh "$(PIP)"
	touch $@

# Installed-extras stamps: each depends on pyproject.toml, so edits re-install, reruns don't.
# The tests grade ClassEval answers, so they install what its tasks import (the classeval extra),
# run the bench on a local Ray cluster (the ray extra) against a served model (the serve extra).
$(VENV)/.installed-test: pyproject.toml Makefile $(VENV)/.installed-llama
	$(PIP) install -e '.[test,model-0-5b,classeval,ray,serve]'
	touch $@

$(VENV)/.installed-run: pyproject.toml $(VENV)/.installed-llama
	$(PIP) install -e '.[model-1-5b]'
	touch $@

run: $(VENV)/.installed-run
	$(BIN)/dspy-coder solve --demo --out out/demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -ra

lint: $(VENV)/.installed-test
	$(BIN)/ruff check dspy_coder tests benchmarks

clean:
	rm -rf $(VENV) out
