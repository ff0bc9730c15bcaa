# Two set-up commands: `make run` and `make test`. Needs only python3, make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint check bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# requirements/*.txt pin every package to the versions the suite passed with.
$(VENV)/.installed: pyproject.toml requirements/runtime.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/runtime.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements/test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/test.txt -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/rxmsg demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check rxmsg_tui tests bench
	$(BIN)/ruff check rxmsg_tui tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n 2 -q --durations=25

bench: $(VENV)/.installed-test
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Re-pin after changing pyproject.toml's dependencies (needs the package index).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	for extra in runtime test; do \
	  $(BIN)/pip-compile --quiet --strip-extras --no-header --no-annotate --no-emit-index-url \
	    --no-emit-find-links $$( [ $$extra = test ] && echo --extra test ) \
	    -o requirements/$$extra.txt pyproject.toml || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
