# The two commands: `make dev` runs the whole system locally, `make test` runs every check.
# Both bootstrap .venv (Python 3.13) and the packages they need by themselves.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements-dev.txt shared/requirements.txt $(wildcard functions/*/requirements.txt) bench/fastapi_invoices/requirements.txt

.PHONY: dev test lint typecheck template build pytest bench clean system-deps
export SAM_CLI_TELEMETRY := 0

$(PY):
	@python_bin="$$(scripts/find-python.sh)" && "$$python_bin" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) $(REQUIREMENTS)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

dev: $(STAMP)
	$(PY) -m local

test: lint typecheck template pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy shared functions local tests testing bench

# checkov lives in its own virtualenv: its pinned dependencies clash with sam-cli's.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
$(CHECKOV_STAMP): requirements-checkov.txt
	@python_bin="$$(scripts/find-python.sh)" && "$$python_bin" -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

template: $(STAMP) $(CHECKOV_STAMP)
	$(VENV)/bin/sam validate --lint --template template.yaml
	$(VENV)/bin/cfn-lint template.yaml --append-rules cfn_lint_serverless.rules
	$(CHECKOV_VENV)/bin/checkov --file template.yaml --framework cloudformation --compact --quiet --skip-download
	$(MAKE) build

build: $(STAMP)
	@mkdir -p .aws-sam
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/sam build --template template.yaml \
		--build-dir .aws-sam/build --cached --parallel >.aws-sam/build.log 2>&1 \
		|| { cat .aws-sam/build.log; exit 1; }
	@echo "sam build: ok (log: .aws-sam/build.log)"

system-deps:
	@scripts/system-deps.sh

pytest: $(STAMP) system-deps
	$(PY) -m pytest

bench: $(STAMP) build
	@command -v valgrind >/dev/null || { echo "make bench counts cold-start instructions with valgrind (apt-get install valgrind)" >&2; exit 1; }
	$(PY) -m bench

clean:
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache
