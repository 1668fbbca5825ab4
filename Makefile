# Two commands do all set-up on a fresh machine (Python 3.11+):
#   make demo   create .venv, install Scapula, assess an example intake, build its plan + handout,
#               then serve the web app on SQLite at http://127.0.0.1:8000/ (Ctrl-C stops it)
#   make test   create .venv, install Scapula with test tools, run ruff and the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

.PHONY: install demo test bench
install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/scapula assess examples/desk-worker.json --audience patient
	$(VENV)/bin/scapula plan examples/desk-worker.json --audience patient --pdf handout.pdf
	$(VENV)/bin/scapula serve --database sqlite:///scapula.db

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/vignettes.py
	$(PY) bench/speed.py
