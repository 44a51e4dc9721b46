# One entry point for every task. `make serve` and `make test` are the README's two commands.
PYTHON ?= python3
VENDOR := server/static/vendor

.PHONY: install assets serve test-deps test lint format

install: assets  ## the Python package and its front-end assets
	$(PYTHON) -m pip install --quiet -e .

assets:  ## front-end code from npm (package-lock.json), copied where the app serves it
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/codemirror/mode/sparql
	cp node_modules/codemirror/lib/codemirror.js node_modules/codemirror/lib/codemirror.css $(VENDOR)/codemirror/
	cp node_modules/codemirror/mode/sparql/sparql.js $(VENDOR)/codemirror/mode/sparql/
	cp node_modules/codemirror/LICENSE $(VENDOR)/codemirror/

serve: install  ## load, validate and serve the knowledge graph (http://127.0.0.1:8000/)
	coopkg serve

test-deps: install  ## everything the tests need: system packages, Python test extras
	bash scripts/install-test-system-deps
	$(PYTHON) -m pip install --quiet -e '.[test]'

test: test-deps  ## lint, then the whole test suite
	ruff check server tests
	ruff format --check server tests
	$(PYTHON) -m pytest

lint:
	ruff check server tests

format:
	ruff format server tests && ruff check --fix server tests
