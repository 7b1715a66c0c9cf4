# Two commands do everything on a fresh machine:
#   make demo   set up .venv and run the demo (data shipped with scikit-learn)
#   make test   set up .venv and run the test suite
#   make docs   set up .venv, build the documentation site (warnings are errors) and
#               check it: broken local links, resources loaded from the internet
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch is installed first, so that the package's torch
# range is already satisfied and pip does not pull a CUDA build.
TORCH_VERSION := 2.13.0
STAMP := $(VENV)/.installed

.PHONY: demo test docs bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e ".[test,docs,benchmarks]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python docs/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest

# Examples run on 2 torch threads so the build takes the same time everywhere.
docs: $(STAMP)
	OMP_NUM_THREADS=2 $(BIN)/python -m sphinx -W --keep-going -b html -j 1 docs docs/_build/html
	$(BIN)/python docs/check_site.py docs/_build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache docs/_build docs/auto_examples docs/generated
