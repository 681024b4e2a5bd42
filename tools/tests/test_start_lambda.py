"""`cognito-triggers start-lambda`: the Lambda Invoke API for the built functions, called the way
SAM documents `sam local start-lambda` for integration tests (a boto3 Lambda client), and the
configuration cognito-local gets from the template."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers.testing import make_event
from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.cognito_local import cognito_local_config
from cognito_triggers_tools.start_lambda import InvocationRecord, LambdaInvokeServer

from .lambda_client import lambda_client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(build: Path) -> Iterator[LambdaInvokeServer]:
    with LambdaInvokeServer(ROOT) as running:
        yield running


def invoke(url: str, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    reply = lambda_client(url).invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return reply, json.loads(reply["Payload"].read())


SIGN_UP = make_event("PreSignUp_SignUp")  # from the trusted domain: auto-confirmed


@pytest.mark.parametrize(
    "name",
    [
        "PreSignUpFunction",
        "PreSignUp",
        "arn:aws:lambda:us-east-1:123456789012:function:PreSignUp",
        "PreSignUpFunction:$LATEST",
    ],
)
def test_a_function_answers_to_its_logical_id_trigger_name_and_arn(
    server: LambdaInvokeServer, name: str
) -> None:
    reply, payload = invoke(server.url, name, SIGN_UP)
    assert reply["StatusCode"] == 200
    assert "FunctionError" not in reply
    assert payload["response"]["autoConfirmUser"] is True


def test_pre_token_generation_answers_to_both_lambda_config_names(
    server: LambdaInvokeServer,
) -> None:
    event = make_event("TokenGeneration_Authentication")
    for name in ("PreTokenGenerationConfig", "PreTokenGeneration"):
        _, payload = invoke(server.url, name, event)
        assert "claimsAndScopeOverrideDetails" in payload["response"]


def test_a_function_error_comes_back_as_lambdas(server: LambdaInvokeServer) -> None:
    denied = make_event(
        "PreSignUp_SignUp", request={"userAttributes": {"email": "eve@elsewhere.test"}}
    )
    reply, payload = invoke(server.url, "PreSignUp", denied)
    assert reply["StatusCode"] == 200
    assert reply["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Deny"
    assert payload["errorMessage"].startswith("Sign-up is open to")


def test_an_unknown_function_is_a_resource_not_found(server: LambdaInvokeServer) -> None:
    client = lambda_client(server.url)
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")
    assert "NoSuchFunction" in str(raised.value)


def test_dry_run_and_log_tail(server: LambdaInvokeServer) -> None:
    client = lambda_client(server.url)
    dry = client.invoke(FunctionName="PreSignUp", InvocationType="DryRun", Payload=b"{}")
    assert dry["StatusCode"] == 204
    tail = client.invoke(FunctionName="PreSignUp", LogType="Tail", Payload=json.dumps(SIGN_UP))
    assert "REPORT RequestId" in base64.b64decode(tail["LogResult"]).decode()


def test_a_body_that_is_not_json_is_refused(server: LambdaInvokeServer) -> None:
    url = f"{server.url}/2015-03-31/functions/PreSignUp/invocations"  # loopback
    request = urllib.request.Request(url, data=b"{not json", method="POST")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert raised.value.code == 400
    assert raised.value.headers["X-Amzn-ErrorType"] == "InvalidRequestContentException"


def test_every_invocation_is_recorded_with_what_it_ran(build: Path) -> None:
    seen: list[InvocationRecord] = []
    with LambdaInvokeServer(ROOT, on_invocation=seen.append) as running:
        invoke(running.url, "PreSignUp", SIGN_UP)
        invoke(running.url, "PreSignUp", SIGN_UP)
    assert [r.function for r in seen] == ["PreSignUpFunction", "PreSignUpFunction"]
    assert [r.cold for r in seen] == [True, False]  # the first started its emulator
    assert seen[0].source == "PreSignUp_SignUp"
    assert seen[0].describe().startswith("PreSignUp (PreSignUpFunction) PreSignUp_SignUp -> ok")


def test_the_command_serves_until_sigterm_and_stops_its_emulators(build: Path) -> None:
    command = [sys.executable, "-m", "cognito_triggers_tools.cli", "--project", str(ROOT)]
    process = subprocess.Popen(
        [*command, "start-lambda", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.match(r"Lambda Invoke API: (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        _, payload = invoke(match.group(1), "PreSignUp", SIGN_UP)
        assert payload["response"]["autoConfirmUser"] is True
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, err
    assert "PreSignUp (PreSignUpFunction) PreSignUp_SignUp -> ok" in err
    # Nothing of its group is left: the emulators it started stopped with it.
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


def test_cognito_local_is_configured_from_the_templates_lambda_config() -> None:
    config = cognito_local_config(load_template(ROOT / "template.yaml"), "http://127.0.0.1:1", 9)
    assert config["LambdaClient"]["endpoint"] == "http://127.0.0.1:1"
    # Each trigger it fires, by the name start-lambda answers to (its errors then read as
    # Cognito's "PreSignUp failed with error ..."); V3 pre token generation too, as V1 events.
    assert config["TriggerFunctions"] == {
        "PreSignUp": "PreSignUp",
        "PostConfirmation": "PostConfirmation",
        "PostAuthentication": "PostAuthentication",
        "UserMigration": "UserMigration",
        "CustomMessage": "CustomMessage",
        "PreTokenGeneration": "PreTokenGeneration",
    }
    assert config["ServerConfig"] == {"hostname": "127.0.0.1", "port": 9}
