# Every target installs what it needs: uv from PyPI if missing, then the locked environment.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
export UV_LINK_MODE := copy

.PHONY: test lint typecheck pytest sync bench run

$(UV):
	python3 -m pip install --quiet --target .tools/lib uv && mkdir -p .tools/bin && \
	  printf '#!/bin/sh\nPYTHONPATH=%s/.tools/lib exec python3 -m uv "$$@"\n' "$(CURDIR)" > .tools/bin/uv && \
	  chmod +x .tools/bin/uv

sync: $(UV)
	$(UV) sync --locked --quiet

lint: sync
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

typecheck: sync
	$(UV) run --no-sync mypy

pytest: sync
	$(UV) run --no-sync pytest

test: lint typecheck pytest

bench: sync
	$(UV) run --no-sync python benchmarks/cold_start.py
