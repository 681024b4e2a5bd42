"""A function that `sam build` made, laid out and configured as Lambda runs it: the cold-start
benchmark measures this shape and tests/test_build.py checks it.

Lambda puts the function's folder (/var/task) and its layers (/opt/python) on the path before the
runtime's own packages (boto3 and botocore), sets the template's environment, and, with
`Tracing: Active`, the X-Ray variables below. The folders are read-only, so Python can neither
write bytecode nor reuse any that is not shipped (PYTHONDONTWRITEBYTECODE says the same here,
where root would be allowed to write).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.emulator import find_built_function

__all__ = ["TRACING_ACTIVE", "LambdaCopy", "copy_build", "lambda_environment"]

# What `Tracing: Active` adds to a function's environment (the trace id changes per invocation;
# the daemon address is the loopback here, where nothing listens: X-Ray sends over UDP).
TRACING_ACTIVE = {
    "_X_AMZN_TRACE_ID": (
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    ),
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
    "_AWS_XRAY_DAEMON_PORT": "2000",
}


@dataclass
class LambdaCopy:
    """A built function in a copy of the build: its code folder and its layers' folders."""

    logical_id: str
    handler_module: str
    task: Path
    layers: list[Path]
    environment: dict[str, str]
    """The template's environment for this function."""


def copy_build(root: Path, destination: Path, *, bytecode: bool = True) -> dict[str, LambdaCopy]:
    """Copy ``root``'s SAM build to ``destination``, every function by logical id; without the
    ``__pycache__`` folders unless ``bytecode`` (SAM's own Python builder ships none)."""
    build = root / ".aws-sam" / "build"
    ignore = None if bytecode else shutil.ignore_patterns("__pycache__")
    shutil.copytree(build, destination, ignore=ignore)
    functions = {}
    for logical_id in load_template(build / "template.yaml").of_type("AWS::Serverless::Function"):
        built = find_built_function(root, logical_id)
        functions[logical_id] = LambdaCopy(
            logical_id,
            built.handler.rpartition(".")[0],
            destination / built.code_dir.relative_to(build),
            [destination / layer.relative_to(build) for layer in built.layer_dirs],
            built.environment,
        )
    return functions


def lambda_environment(function: LambdaCopy, region: str = "us-east-1") -> dict[str, str]:
    """The environment Lambda gives ``function`` with `Tracing: Active`."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(function.task),
        "PYTHONPATH": ":".join(map(str, [function.task, *function.layers])),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **TRACING_ACTIVE,
        **function.environment,
    }
