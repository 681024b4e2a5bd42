# Every target installs what it needs: uv from PyPI if missing, then the locked environment.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
export UV_LINK_MODE := copy

.PHONY: test lint typecheck pytest e2e sync bench run samples events

# The CLI installs its tools the same way, through this one file (standard library only).
TOOLCHAIN := python3 layers/cognito_triggers/cognito_triggers/dev/toolchain.py

# uv from PyPI into a private venv when the machine has none.
.tools/bin/uv:
	$(TOOLCHAIN) uv >/dev/null

sync: $(UV)
	$(UV) sync --locked --quiet

lint: sync
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

typecheck: sync
	$(UV) run --no-sync mypy

pytest: sync
	$(UV) run --no-sync pytest

test: lint typecheck pytest e2e

# The framework alone, then every example function as `sam build` ships it (benchmarks/).
bench: sync build
	$(UV) run --no-sync python benchmarks/cold_start.py
	$(UV) run --no-sync python -m benchmarks.functions

# events/ is make_event's output, one file per triggerSource (a test holds the two equal).
events: sync
	$(UV) run --no-sync python -c \
	  "from cognito_triggers.testing import write_sample_events as w; w('events')"

# --- SAM application and local runs (issue 4) ----------------------------------------------------
# SAM CLI stays out of the project venv: its own venv under .tools/, pinned in toolchain.py (the
# Lambda emulator binary `cognito-triggers invoke` uses ships inside this package).
SAM := .tools/sam-cli/bin/sam
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true HOME=$(CURDIR)/.tools/home

.PHONY: tools sam-validate build

$(SAM):
	$(TOOLCHAIN) sam >/dev/null

tools: $(SAM)

sam-validate: $(SAM)
	mkdir -p .tools/home
	$(SAM_ENV) $(SAM) validate --lint
	$(SAM_ENV) $(SAM) validate --region us-east-1

# sam build for this machine's architecture and Python 3.13, which is what the emulator runs.
build: sync $(SAM)
	$(UV) run --no-sync cognito-triggers build

# The main job: every one of the 41 sample events through the function wired for it
# (cognito-triggers run), then sam deploy to a local AWS (ministack, installed under .tools/) and
# every Cognito flow played against it and through cognito-local (cognito-triggers flows).
run: build
	$(UV) run --no-sync cognito-triggers run
	$(UV) run --no-sync cognito-triggers flows

# Every sample event of events/ through its function, in isolation (cognito-triggers run).
samples: build
	$(UV) run --no-sync cognito-triggers run

# The same deploy and flows as `make run`, as tests (tests/test_local_flows.py).
e2e: sync build
	$(UV) run --no-sync pytest -m e2e tests/test_local_flows.py

# `make test` also validates and builds the SAM application; the CLI tests invoke that build.
pytest: sam-validate build
