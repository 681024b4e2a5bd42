# How `sam build` turns a folder into Lambda code for Python 3.13. Included by the layer's and the
# functions' Makefiles (template.yaml: `BuildMethod: makefile`), which SAM runs as
# `make build-<LogicalId>` in a copy of their folder, with ARTIFACTS_DIR set.
#
# It does what SAM's own Python builder does, and what that builder leaves out:
# - the pinned wheels for Lambda's Python and architecture, exactly as listed (--no-deps: each list
#   is complete, tests/test_template.py holds it to uv.lock), so nothing the runtime provides
#   (boto3, botocore) is bundled to shadow the runtime's own;
# - bytecode for every module. Lambda's code folders are read-only, so a module shipped without its
#   .pyc is compiled again by every new execution environment (2-3x the cold start: `make bench`).
#   unchecked-hash .pyc files are used as they are, whatever timestamps the deployment zip gives
#   the sources (the zip is made from these very folders, so they cannot go stale).
#
# SAM does not pass template parameters to a Makefile: the architecture comes from
# BUILD_ARCHITECTURE, arm64 by default like the template's `Architecture`. `cognito-triggers build`
# sets both to this machine's; set both yourself to build for x86_64 by hand.

PYTHON ?= python3.13
BUILD_ARCHITECTURE ?= arm64

MACHINE := $(if $(filter arm64,$(BUILD_ARCHITECTURE)),aarch64,$(if $(filter x86_64,$(BUILD_ARCHITECTURE)),x86_64,$(error BUILD_ARCHITECTURE=$(BUILD_ARCHITECTURE): Lambda has arm64 and x86_64)))
# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34): every manylinux wheel up to that.
PLATFORMS := $(foreach minor,$(shell seq 17 34),--platform manylinux_2_$(minor)_$(MACHINE)) \
	--platform manylinux2014_$(MACHINE)

# $(call pip-install,<requirements file>,<target folder>)
define pip-install
$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "$(PYTHON) is not Python 3.13, the Lambda runtime; set PYTHON")'
$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
	--only-binary=:all: $(PLATFORMS) --implementation cp --python-version 3.13 \
	--target $(2) --requirement $(1)
endef

# $(call compile,<folder>): bytecode for every module under it, in place (-f: pip's or a developer's
# timestamp-checked .pyc would otherwise be kept), and no other version's leftovers.
define compile
find $(1) -name __pycache__ -prune -exec rm -rf {} +
$(PYTHON) -m compileall -q -f -j 0 --invalidation-mode unchecked-hash $(1)
endef
