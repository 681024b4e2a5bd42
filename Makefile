# The repository: the runtime (layers/cognito_triggers), the tools (tools/) and the example
# application around them, one uv workspace. Every target installs what it needs: uv from PyPI if
# missing, then the locked environment; SAM CLI and the other local tools into the per-user cache.
SHELL := /bin/bash
CACHE ?= $(or $(COGNITO_TRIGGERS_CACHE),$(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/cognito-triggers)
UV ?= $(shell command -v uv 2>/dev/null || echo $(CACHE)/uv/bin/uv)
# The tools install themselves one way only, through this file (standard library only).
TOOLCHAIN := python3 tools/cognito_triggers_tools/toolchain.py
RUN := $(UV) run --no-sync
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true
export UV_LINK_MODE := copy

.PHONY: test lint typecheck pytest pydantic-range e2e sync bench run samples events generate build sam-validate docs docs-test chromium

$(CACHE)/uv/bin/uv:
	$(TOOLCHAIN) uv >/dev/null

sync: $(UV)
	$(UV) sync --locked --quiet

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .

# Each distribution and the example are checked with their own settings (their pyproject.toml).
typecheck: sync
	$(RUN) --directory layers/cognito_triggers mypy
	$(RUN) --directory tools mypy
	$(RUN) mypy

# Each distribution's own tests, then the example's (its functions, its template, its events).
pytest: sync sam-validate build
	$(RUN) --directory layers/cognito_triggers pytest
	$(RUN) --directory tools pytest
	$(RUN) pytest

# The runtime's tests at both ends of the pydantic range it declares: the oldest release on the
# oldest Python it supports, the newest release on the newest Python Lambda runs.
PYDANTIC_ENVS := $(CACHE)/test-envs
pydantic-range: $(UV)
	$(UV) venv --quiet --allow-existing --python 3.11 $(PYDANTIC_ENVS)/lowest
	$(UV) pip install --quiet --python $(PYDANTIC_ENVS)/lowest --resolution lowest-direct --reinstall-package pydantic --reinstall-package pydantic-core ./layers/cognito_triggers
	$(UV) pip install --quiet --python $(PYDANTIC_ENVS)/lowest --group layers/cognito_triggers/pyproject.toml:test
	cd layers/cognito_triggers && $(PYDANTIC_ENVS)/lowest/bin/python -c 'import pydantic; print("runtime tests at pydantic", pydantic.VERSION)' && UV=$(abspath $(UV)) $(PYDANTIC_ENVS)/lowest/bin/python -m pytest -p no:cacheprovider
	$(UV) venv --quiet --allow-existing --python $$($(TOOLCHAIN) python3.13) $(PYDANTIC_ENVS)/highest
	$(UV) pip install --quiet --python $(PYDANTIC_ENVS)/highest --upgrade --refresh-package pydantic ./layers/cognito_triggers --group layers/cognito_triggers/pyproject.toml:test
	cd layers/cognito_triggers && $(PYDANTIC_ENVS)/highest/bin/python -c 'import pydantic; print("runtime tests at pydantic", pydantic.VERSION)' && UV=$(abspath $(UV)) $(PYDANTIC_ENVS)/highest/bin/python -m pytest -p no:cacheprovider

test: lint typecheck pytest docs-test pydantic-range e2e

# The framework alone, every example function as `sam build` ships it, a function made by
# `init` beside the router alone, and both projects deployed to the local AWS (benchmarks/).
bench: sync build
	$(RUN) python benchmarks/cold_start.py
	$(RUN) python -m benchmarks.functions
	$(RUN) python -m benchmarks.new_project
	$(RUN) python -m benchmarks.local_stack

# The typed code the type checker needs spelled out (the router's family decorators, make_event's
# overloads, each family's source types, the runtime's exports), written from the family records
# (a test fails while it is out of date).
generate: sync
	$(RUN) python layers/cognito_triggers/scripts/generate.py

# events/ is make_event's output, one file per triggerSource (a test holds the two equal).
events: sync
	$(RUN) python -c "from cognito_triggers.testing import write_sample_events as w; w('events')"

sam-validate: sync
	sam=$$($(TOOLCHAIN) sam) && $(SAM_ENV) $$sam validate --lint && $(SAM_ENV) $$sam validate --region us-east-1

# sam build for this machine's architecture and Python 3.13, which is what the local tools run.
build: sync
	$(RUN) cognito-triggers build

# The main job: every one of the 41 sample events through the function wired for it
# (cognito-triggers run), then sam deploy to a local AWS (ministack) and every Cognito flow
# played against it and through cognito-local: the e2e tests on the plugin, with their report
# (cognito-triggers flows).
run: build
	$(RUN) cognito-triggers run
	$(RUN) cognito-triggers flows

# Every sample event of events/ through its function, in isolation (cognito-triggers run).
samples: build
	$(RUN) cognito-triggers run

# The end-to-end tests: the example's deploy and flows, and a project made by `init`, tested and
# run as its README says.
e2e: sync build
	$(RUN) pytest -m e2e tests/test_flows_local_aws.py tests/test_gateway_local_aws.py tests/test_identity_pool_local_aws.py tests/test_flows_cognito_local.py
	$(RUN) --directory tools pytest -m e2e

# The documentation site (mkdocs.yml), into site/. Its diagrams' mermaid is the npm package's
# bundle, pinned, fetched once into the per-user cache and copied beside the pages, so the site
# loads nothing from outside itself.
MERMAID_VERSION := 11.17.2
MERMAID_TGZ := $(CACHE)/docs-npm/mermaid-$(MERMAID_VERSION).tgz
MERMAID_JS := docs/assets/javascripts/mermaid.min.js
MKDOCS := NO_MKDOCS_2_WARNING=1 $(RUN) mkdocs
CHROMIUM := /usr/bin/chromium
# $(call debian,COMMAND,PACKAGE,WHO): COMMAND, else Debian's PACKAGE installed when running as root
# (as CI does), else a stop that names the command to run.
debian = command -v $(1) >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null && command -v $(1) >/dev/null; } \
	|| { echo "$(3) needs $(1): sudo apt-get install $(2)" >&2; exit 1; }

$(MERMAID_TGZ):
	@$(call debian,npm,npm,make docs (to fetch mermaid))
	mkdir -p $(@D)
	npm pack --silent --pack-destination $(@D) mermaid@$(MERMAID_VERSION) >/dev/null

$(MERMAID_JS): $(MERMAID_TGZ)
	mkdir -p $(@D)
	tar -xzOf $< package/dist/mermaid.min.js > $@.tmp && mv $@.tmp $@

docs: sync $(MERMAID_JS)
	$(MKDOCS) build --strict --quiet

# The site built again by its test (tests/test_docs.py), then every page opened in Chromium.
docs-test: sync $(MERMAID_JS) chromium
	$(RUN) pytest -m docs tests/test_docs.py

chromium:
	@$(call debian,$(CHROMIUM),chromium,the documentation's browser test)
