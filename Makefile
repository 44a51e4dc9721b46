# One entry point for every task. `make serve` and `make test` are the README's two commands.
# Each install step runs only when what it installs from changed: npm when package-lock.json
# did, pip when pyproject.toml did (stamp files under .make/), the vendor copy when
# node_modules did. `make -B install` (or `rm -rf .make node_modules`) reinstalls everything.
PYTHON ?= python3
VENDOR := server/static/vendor
STAMPS := .make
NPM_DONE := node_modules/.package-lock.json
VENDORED := $(VENDOR)/codemirror/codemirror.js $(VENDOR)/codemirror/codemirror.css \
	$(VENDOR)/codemirror/mode/sparql/sparql.js $(VENDOR)/codemirror/LICENSE

.PHONY: install assets serve test-deps test lint format

install: assets $(STAMPS)/installed  ## the Python package and its front-end assets

assets: $(VENDORED)  ## front-end code from npm (package-lock.json), copied where the app serves it

$(NPM_DONE): package-lock.json package.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDORED) &: $(NPM_DONE)
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/codemirror/mode/sparql
	cp node_modules/codemirror/lib/codemirror.js node_modules/codemirror/lib/codemirror.css $(VENDOR)/codemirror/
	cp node_modules/codemirror/mode/sparql/sparql.js $(VENDOR)/codemirror/mode/sparql/
	cp node_modules/codemirror/LICENSE $(VENDOR)/codemirror/

$(STAMPS)/installed: pyproject.toml
	$(PYTHON) -m pip install --quiet -e .
	$(PYTHON) -m pip install --quiet --no-deps 'morph-kgc==2.10.0'
	mkdir -p $(STAMPS) && touch $@

serve: install  ## load, validate and serve the knowledge graph (http://127.0.0.1:8000/)
	$(PYTHON) -m server serve

test-deps: install $(STAMPS)/test-deps  ## everything the tests need: system packages, Python test extras

$(STAMPS)/test-deps: pyproject.toml scripts/install-test-system-deps
	bash scripts/install-test-system-deps
	$(PYTHON) -m pip install --quiet -e '.[test]'
	mkdir -p $(STAMPS) && touch $@

test: test-deps  ## lint, then the whole test suite
	ruff check server tests
	ruff format --check server tests
	$(PYTHON) -m pytest

lint:
	ruff check server tests

format:
	ruff format server tests && ruff check --fix server tests
