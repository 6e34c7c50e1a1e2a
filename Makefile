# Two entry points for a fresh Debian machine (as root, or with sudo):
#   make demo   install everything, then crawl the bundled demo and write its report
#   make test   install everything, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
# Two workers on the standard 2-core machine; a module stays on one worker (its served site, its browser).
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: demo test install browser clean docs

install: $(VENV)/.installed browser

$(VENV)/.installed: pyproject.toml
	sh scripts/ensure-system.sh
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

browser: $(VENV)/.installed
	sh scripts/ensure-browser.sh $(PY)

demo: install
	$(VENV)/bin/rgaa-tracker demo

# pytest exits 5 when it collects no test: that is not a failure of the suite's set-up.
test: install
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no test collected"; exit 0; fi; exit $$rc

clean:
	rm -rf $(VENV) .pytest_cache

# The CLI reference is generated from --help, so the docs cannot drift (a test checks it).
docs: $(VENV)/.installed
	$(VENV)/bin/typer rgaa_tracker.cli utils docs --name rgaa-tracker --output docs/cli.md
