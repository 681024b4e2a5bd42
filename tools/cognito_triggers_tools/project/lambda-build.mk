# How `sam build` builds each function and layer whose folder's Makefile includes this file (in the
# template: `Metadata: BuildMethod: makefile`). SAM runs `make build-<LogicalId>` with ARTIFACTS_DIR
# set; `cognito-triggers lambda-build`, from the project's dev dependency cognito-triggers-tools,
# does the rest: the versions of uv.lock for what the folder's requirements.txt names, for the
# architecture SAM resolved for that resource, with bytecode, and nothing the Lambda runtime has.
# `cognito-triggers init` writes this file; it is the same in every project.
LAMBDA_BUILD_PROJECT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
LAMBDA_BUILD_FOLDER := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
COGNITO_TRIGGERS ?= $(firstword $(wildcard $(LAMBDA_BUILD_PROJECT)/.venv/bin/cognito-triggers) $(shell command -v cognito-triggers))

build-%:
	@if [ -z "$(COGNITO_TRIGGERS)" ]; then echo "cognito-triggers: error: building $* needs cognito-triggers-tools in $(LAMBDA_BUILD_PROJECT)/.venv: run 'uv sync' there, or set COGNITO_TRIGGERS" >&2; exit 2; fi
	@"$(COGNITO_TRIGGERS)" --project "$(LAMBDA_BUILD_PROJECT)" lambda-build $* --source "$(LAMBDA_BUILD_FOLDER)"
