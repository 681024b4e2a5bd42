"""What `sam build` ships, as Lambda loads it: bytecode for every module, valid in a read-only
folder; no botocore or boto3 beside the runtime's; no dev-time tools in the layer; and functions
that load the AWS SDK (and X-Ray) only when they call AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.lambda_shape import LambdaCopy, copy_build, lambda_environment
from cognito_triggers import TriggerFamily
from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.check import check_template
from cognito_triggers_tools.emulator import find_built_function
from cognito_triggers_tools.toolchain import runtime_python

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
EVENTS = ROOT / "events"

# The functions that call AWS, and how each makes its first client (tied to the template's
# IAM statements below).
FIRST_USE = {
    "PostConfirmationFunction": "module.cognito()",
    "CreateAuthChallengeFunction": "module.ses()",
    "UserMigrationFunction": "module.dynamodb()",
    "PreTokenGenerationFunction": "module.ssm()",
    "CustomEmailSenderFunction": "module.ses()",
    "CustomSMSSenderFunction": "module.sns()",
}
# Sample events whose handling calls AWS (the rest run here with no AWS at all): the senders
# decrypt every code with KMS.
CALLS_AWS = (
    "PostConfirmation_ConfirmSignUp",
    "CreateAuthChallenge_Authentication",
    "UserMigration_",
    "TokenGeneration_ClientCredentials",
    "CustomEmailSender_",
    "CustomSMSSender_",
)


@pytest.fixture(scope="module")
def build() -> Path:
    """A fresh build through `cognito-triggers build`, which is what `make build` runs."""
    command = [sys.executable, "-m", "cognito_triggers_tools.cli", "--project", str(ROOT), "build"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return BUILD


@pytest.fixture(scope="module")
def python() -> str:
    """Python 3.13 with the runtime's boto3, as Lambda's python3.13 runtime provides it."""
    return runtime_python(quiet=True)


@pytest.fixture(scope="module")
def shipped(
    build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, LambdaCopy]]:
    """A read-only copy of the build, every function by logical id."""
    destination = tmp_path_factory.mktemp("shipped") / "build"
    functions = copy_build(ROOT, destination)
    _read_only(destination)
    yield functions
    _writable(destination)


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)


def _writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


def _artifacts(build: Path) -> list[Path]:
    return sorted(p for p in build.iterdir() if p.is_dir())


def test_every_module_ships_unchecked_hash_bytecode_for_python_3_13(
    build: Path, python: str
) -> None:
    magic = subprocess.run(
        [python, "-c", "import importlib.util as u, sys; sys.stdout.write(u.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    missing, stale = [], []
    for artifact in _artifacts(build):
        sources = list(artifact.rglob("*.py"))
        assert sources, f"{artifact.name} holds no Python"
        for source in sources:
            pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
            name = str(source.relative_to(build))
            if not pyc.is_file():
                missing.append(name)
                continue
            header = pyc.read_bytes()[:8]
            # PEP 552 flags: bit 0 hash-based, bit 1 check the source; unchecked-hash is 0b01.
            if header[:4].hex() != magic or int.from_bytes(header[4:], "little") != 0b01:
                stale.append(name)
    assert missing == []
    assert stale == []


def test_no_botocore_boto3_or_dev_tools_are_shipped(build: Path) -> None:
    functions = load_template(build / "template.yaml").of_type("AWS::Serverless::Function")
    built = [find_built_function(ROOT, fn) for fn in functions]
    layers = {layer for function in built for layer in function.layer_dirs}
    # What Lambda could import: each function's folder and its layers' folders.
    bundled = [
        str(path.relative_to(build))
        for folder in {*layers, *(function.code_dir for function in built)}
        for path in folder.iterdir()
        if path.name.split("-")[0] in ("boto3", "botocore", "s3transfer")
    ]
    assert bundled == []
    assert layers, "no layer in the build"
    for layer in layers:
        assert (layer / "cognito_triggers" / "router.py").is_file()
        assert not (layer / "cognito_triggers" / "dev").exists()


SPY = """
import importlib, importlib._bootstrap_external as external, pkgutil, sys
compiled = []
source_to_code = external.SourceLoader.source_to_code
def spy(self, data, path, *args, **kwargs):
    compiled.append(path)
    return source_to_code(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = spy
importlib.import_module(sys.argv[1])
import cognito_triggers
for module in pkgutil.walk_packages(cognito_triggers.__path__, "cognito_triggers."):
    importlib.import_module(module.name)
print("\\n".join(compiled))
"""


def test_imports_use_the_shipped_bytecode(build: Path, python: str, tmp_path: Path) -> None:
    functions = copy_build(ROOT, tmp_path / "build")
    # The control: a module whose bytecode is removed must be seen compiling.
    control = functions["PreSignUpFunction"].task / "pre_sign_up.py"
    (control.parent / "__pycache__" / "pre_sign_up.cpython-313.pyc").unlink()
    _read_only(tmp_path / "build")
    try:
        for name, function in functions.items():
            done = subprocess.run(
                [python, "-c", SPY, function.handler_module],
                env=lambda_environment(function),
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            ours = [p for p in done.stdout.splitlines() if p.startswith(str(tmp_path))]
            assert ours == ([str(control)] if name == "PreSignUpFunction" else []), name
    finally:
        _writable(tmp_path / "build")


CHECK = """
import importlib, json, sys

def sdk():  # Powertools imports botocore's package __init__ alone, for its user-agent hook
    return sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "aws_xray_sdk")
                  or m.startswith("botocore."))

class Context:
    function_name = "f"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

module = importlib.import_module(sys.argv[1])
report = {"init": sdk(), "errors": []}
for path in sys.argv[3:]:
    try:
        module.lambda_handler(json.load(open(path)), Context())
    except Exception as error:
        report["errors"].append(f"{path}: {error!r}")
report["invoked"] = sdk()
report["powertools"] = sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools"))
if sys.argv[2]:
    eval(sys.argv[2])
    report["botocore"] = sys.modules["botocore"].__file__
    patcher = sys.modules.get("aws_xray_sdk.core.patcher")
    report["patched"] = sorted(patcher._PATCHED_MODULES) if patcher else None
print(json.dumps(report))
"""


def _sample_events(function: str) -> list[Path]:
    _, wires = check_template(load_template(ROOT / "template.yaml"))
    families = {w.family for w in wires if w.function == function}
    return [
        path
        for path in sorted(EVENTS.glob("*.json"))
        if TriggerFamily.of(path.stem) in families and not path.stem.startswith(CALLS_AWS)
    ]


def test_the_functions_calling_aws_are_those_granted_aws_actions() -> None:
    template = load_template(ROOT / "template.yaml")
    functions = template.of_type("AWS::Serverless::Function")
    granted = {fn for fn in functions if template.function_property(fn, "Policies")}
    assert granted == set(FIRST_USE)


def _check(python: str, function: LambdaCopy, *, traced: bool = False) -> dict[str, Any]:
    """Import ``function``, handle its sample events that make no AWS call, then make its first
    AWS client (if it calls AWS): what was loaded at each step. ``traced``: AWS calls opted in to
    X-Ray (template.yaml's POWERTOOLS_TRACE_DISABLED)."""
    name = function.logical_id
    env = lambda_environment(function)
    if traced:
        env["POWERTOOLS_TRACE_DISABLED"] = "false"
    command = [python, "-c", CHECK, function.handler_module, FIRST_USE.get(name, "")]
    done = subprocess.run(
        [*command, *map(str, _sample_events(name))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    assert report["errors"] == [], name
    return report


def test_functions_load_the_aws_sdk_only_to_call_aws(
    shipped: dict[str, LambdaCopy], python: str
) -> None:
    for name, function in shipped.items():
        report = _check(python, function)
        assert report["init"] == [], f"{name} loads the AWS SDK at init"
        assert report["invoked"] == [], f"{name} loads the AWS SDK on a path that makes no call"
        # Logs through `logging`, metrics through cognito_triggers.Metrics: importing Powertools
        # would cost about what the router does (docs/performance.md).
        assert report["powertools"] == [], f"{name} imports Powertools"
        if name in FIRST_USE:
            # The runtime's botocore; X-Ray only when the template opts AWS calls in.
            assert not report["botocore"].startswith(str(function.task.parent)), name
            assert report["patched"] is None, name


def test_aws_calls_opted_in_to_tracing_are_patched_with_the_first_client(
    shipped: dict[str, LambdaCopy], python: str
) -> None:
    for name in FIRST_USE:
        report = _check(python, shipped[name], traced=True)
        assert report["init"] == [], name
        assert report["patched"] == ["botocore"], name
