# Quick start: `make run` opens the app, `make test` runs the whole suite.
# Both create .venv on first use. Where the venv has no torch yet, the CPU build
# (torch==2.13.0) is installed first so that pip never pulls a multi-GB CUDA build;
# a torch that is already there (your CUDA build, say) is kept.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.seq-explorer-installed

.PHONY: run test install assets bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "torch==2.13.0" || $(PY) -m pip install -q "torch>=2.4"
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/seq-explorer

test: $(STAMP)
	$(PY) -m pytest -q

# Rebuild the bundled pretrained checkpoints with the project's own training code.
assets: $(STAMP)
	$(PY) -m engine.pretrained --out assets/checkpoints

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
