"""End to end (``make e2e``, part of ``make test``): ``sam deploy`` of the built application to a
local AWS (ministack) and every flow of ``scripts/local_flows.py`` played against it, then the
flows through cognito-local and ``start-lambda``. Each step checks what a client sees; these tests
hold the report to what the emulators really did: which triggers fired, in which phase, and that
nothing started is left running.

Only what the emulators implement is asserted; where a tool cannot be installed (no Node.js for
cognito-local), the report says so and the test checks that it does.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.flows import play_flows
from cognito_triggers_tools.local_deploy import FunctionRun, _parse_runs
from cognito_triggers_tools.toolchain import ToolError, ministack_python

ROOT = Path(__file__).resolve().parents[1]


def _our_processes() -> set[str]:
    """Command lines of the local tools' processes now running from this checkout."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    tools = str(ROOT / ".tools")
    return {line for line in out.splitlines() if tools in line and "ps -eo" not in line}


@pytest.fixture(scope="module")
def report(build: Path) -> tuple[int, str]:
    try:
        ministack_python()
    except ToolError as error:
        pytest.skip(f"the local AWS cannot be installed here: {error}")
    before = _our_processes()
    out = io.StringIO()
    status = play_flows(ROOT, out=out)
    left = _our_processes() - before
    assert not left, f"processes left running: {left}"
    return status, out.getvalue()


def _phase(text: str, start: str, end: str | None) -> str:
    body = text[text.index(start) :]
    return body[: body.index(end)] if end and end in body else body


@pytest.mark.e2e
def test_every_flow_passes_against_the_local_deploy(report: tuple[int, str]) -> None:
    status, text = report
    last = text.strip().splitlines()[-1]
    assert status == 0, text
    assert re.fullmatch(r"flows: \d+ passed, 0 failed, [01] skipped", last), last
    built = load_template(ROOT / ".aws-sam" / "build" / "template.yaml")
    functions = len(built.of_type("AWS::Serverless::Function"))
    assert re.search(rf"deployed \d+ resources \({functions} functions\) in [\d.]+ s", text)


@pytest.mark.e2e
def test_the_local_aws_fired_the_triggers_it_implements(report: tuple[int, str]) -> None:
    _, text = report
    deployed = _phase(text, "sam deploy", "cognito-local ")
    fired = set(re.findall(r"trigger  (\w+) -> (\w+): (\w+)", deployed))
    for source, function, outcome in [
        ("PreSignUp_SignUp", "PreSignUpFunction", "handled"),
        ("PreSignUp_SignUp", "PreSignUpFunction", "denied"),
        ("TokenGeneration_Authentication", "PreTokenGenerationFunction", "handled"),
        ("TokenGeneration_RefreshTokens", "PreTokenGenerationFunction", "handled"),
        ("TokenGeneration_ClientCredentials", "PreTokenGenerationFunction", "handled"),
        ("TokenGeneration_NewPasswordChallenge", "PreTokenGenerationFunction", "handled"),
        ("DefineAuthChallenge_Authentication", "DefineAuthChallengeFunction", "handled"),
        ("CreateAuthChallenge_Authentication", "CreateAuthChallengeFunction", "handled"),
        (
            "VerifyAuthChallengeResponse_Authentication",
            "VerifyAuthChallengeFunction",
            "handled",
        ),
        ("CustomMessage_AdminCreateUser", "CustomMessageFunction", "handled"),
        # Not fired by ministack: invoked through its Lambda Invoke API, and said so.
        ("PostConfirmation_ConfirmSignUp", "PostConfirmationFunction", "handled"),
        ("PreAuthentication_Authentication", "PreAuthenticationFunction", "denied"),
        ("PostAuthentication_Authentication", "PostAuthenticationFunction", "handled"),
        ("UserMigration_Authentication", "UserMigrationFunction", "handled"),
    ]:
        assert (source, function, outcome) in fired, (source, function, outcome)
    for trigger in ("PostConfirmation", "PreAuthentication", "PostAuthentication", "UserMigration"):
        assert f"ministack does not fire {trigger}: invoked" in deployed
    assert (
        "DefineAuthChallenge_Authentication -> DefineAuthChallengeFunction: handled [OneTimeCodeLockout]"
        in deployed
    )


@pytest.mark.e2e
def test_cognito_local_fired_what_the_local_aws_cannot(report: tuple[int, str]) -> None:
    _, text = report
    if shutil.which("npm") is None:
        assert "skip     cognito-local flows: cognito-local needs Node.js" in text
        return
    played = _phase(text, "cognito-local ", None)
    fired = set(re.findall(r"trigger  (\w+) -> (\w+)", played))
    for source, function in [
        ("PreSignUp_SignUp", "PreSignUpFunction"),
        ("CustomMessage_SignUp", "CustomMessageFunction"),
        ("PostConfirmation_ConfirmSignUp", "PostConfirmationFunction"),
        ("PostAuthentication_Authentication", "PostAuthenticationFunction"),
        ("TokenGeneration_Authentication", "PreTokenGenerationFunction"),
        ("UserMigration_Authentication", "UserMigrationFunction"),
    ]:
        assert (source, function) in fired, (source, function)
    assert "PreSignUp failed with error Sign-up is open to" in played


@pytest.mark.e2e
def test_no_secret_reaches_the_report(report: tuple[int, str]) -> None:
    _, text = report
    spec = importlib.util.spec_from_file_location(
        "local_flows", ROOT / "scripts" / "local_flows.py"
    )
    assert spec is not None
    assert spec.loader is not None
    scenarios = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenarios)
    assert scenarios.PASSWORD not in text


def test_function_runs_are_read_from_their_cloudwatch_logs() -> None:
    """What ministack writes for one cold, handled invocation and one denied one."""
    emf = {"CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [], "Metrics": []}]}

    def metrics(*names: str, **keys: object) -> str:
        directive = {**emf["CloudWatchMetrics"][0], "Metrics": [{"Name": n} for n in names]}
        return json.dumps({"_aws": {"CloudWatchMetrics": [directive]}, **keys})

    lines = [
        "START RequestId: a Version: $LATEST",
        metrics("ColdStart", ColdStart=[1.0]),
        metrics("SignUpAutoConfirmed", "Handled", TriggerSource="PreSignUp_SignUp"),
        "END RequestId: a",
        "REPORT RequestId: a\tDuration: 2176 ms\tBilled Duration: 2176 ms",
        "START RequestId: b Version: $LATEST",
        json.dumps({"level": "ERROR", "message": "cognito-triggers: it failed"}),
        metrics("Denied", TriggerSource="PreSignUp_SignUp"),
        "REPORT RequestId: b\tDuration: 7 ms\tBilled Duration: 7 ms",
        "START RequestId: c Version: $LATEST",
        "cognito-triggers: PreSignUp_SignUp failed with KeyError",  # logging's bare text
        "Traceback (most recent call last):",
        metrics("Failed", TriggerSource="PreSignUp_SignUp"),
        "START RequestId: d Version: $LATEST",
        "cognito-triggers: (missing) failed with InvalidEventError",  # not an event at all
    ]
    events = [{"timestamp": 1000 + i, "message": m} for i, m in enumerate(lines)]
    first, second, third, fourth = _parse_runs("PreSignUpFunction", events)
    assert first == FunctionRun(
        "PreSignUpFunction",
        1000,
        source="PreSignUp_SignUp",
        outcome="handled",
        metrics=["SignUpAutoConfirmed"],
        duration_ms=2176.0,
        cold=True,
    )
    assert (second.outcome, second.cold, second.duration_ms) == ("denied", False, 7.0)
    assert second.errors == ["cognito-triggers: it failed"]
    assert (third.outcome, third.errors) == (
        "failed",
        ["cognito-triggers: PreSignUp_SignUp failed with KeyError"],
    )
    assert fourth.errors == ["cognito-triggers: (missing) failed with InvalidEventError"]
