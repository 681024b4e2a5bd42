"""Faults a load, soak and fault test found in the local Lambda: a function that times out or
whose runtime exits, an emulator killed under the server, bursts of clients, a long-running
server's memory, and requests Lambda itself refuses. They run on a tiny built project of one
function that misbehaves on request (no `sam build` needed), under the real runtime emulator."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers_tools.cli import main
from cognito_triggers_tools.emulator import (
    PAYLOAD_LIMIT,
    EmulatedFunction,
    Invocation,
    find_built_function,
)
from cognito_triggers_tools.outcome import outcome_of
from cognito_triggers_tools.start_lambda import InvocationRecord, LambdaInvokeServer
from cognito_triggers_tools.toolchain import ToolError

from .lambda_client import lambda_client

FUNCTION = "FaultyFunction"

_TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  {FUNCTION}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {FUNCTION}
      Handler: app.handler
      Runtime: python3.13
      Timeout: 1
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      LambdaConfig:
        PreSignUp: !GetAtt {FUNCTION}.Arn
"""

# What the function does is the event's "action"; without one it answers the event unchanged.
_HANDLER = """\
import os
import signal
import time


def handler(event, context):
    if "line" in event:
        print(event["line"], flush=True)
    if "answer" in event:
        event["response"] = event.pop("answer")
    action = event.get("action")
    if action == "sleep":
        time.sleep(30)  # past the function's 1 s timeout
    elif action == "exit":
        os._exit(3)
    elif action == "return":
        return event["value"]
    elif action == "kill-emulator":
        os.kill(os.getppid(), signal.SIGKILL)  # the runtime's parent is the emulator
        time.sleep(30)
    return event
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project as `cognito-triggers build` leaves it: template.yaml and .aws-sam/build."""
    root = tmp_path_factory.mktemp("faulty")
    (root / "template.yaml").write_text(_TEMPLATE)
    build = root / ".aws-sam" / "build"
    (build / FUNCTION).mkdir(parents=True)
    (build / "template.yaml").write_text(_TEMPLATE)
    (build / FUNCTION / "app.py").write_text(_HANDLER)
    return root


@pytest.fixture
def function(project: Path) -> Iterator[EmulatedFunction]:
    with EmulatedFunction(project, find_built_function(project, FUNCTION)) as running:
        yield running


@pytest.fixture
def server(project: Path) -> Iterator[LambdaInvokeServer]:
    with LambdaInvokeServer(project) as running:
        yield running


def invoke(url: str, event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    reply = lambda_client(url).invoke(FunctionName=FUNCTION, Payload=json.dumps(event).encode())
    return reply, json.loads(reply["Payload"].read())


# -- 1. a timeout is a function error, as Lambda reports it ------------------------------------


def test_a_timeout_is_a_function_error(function: EmulatedFunction) -> None:
    result = function.invoke({"action": "sleep"})
    (start,) = [line for line in result.log if line.startswith("START RequestId: ")]
    request_id = start.split()[2]
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    assert result.error == f"Sandbox.Timedout: {result.payload['errorMessage']}"
    # The environment is reset, as Lambda does: the next call runs, initialising it again.
    after = function.invoke({"n": 1})
    assert (after.payload, after.cold) == ({"n": 1}, True)
    assert not function.invoke({"n": 2}).cold


def test_an_answer_that_reads_like_a_timeout_is_an_answer(function: EmulatedFunction) -> None:
    said = "Task timed out after 1.00 seconds"
    result = function.invoke({"action": "return", "value": said})
    assert (result.payload, result.error) == (said, None)


def test_invoke_exits_non_zero_when_the_function_times_out(
    project: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "sleep.json"
    event.write_text(json.dumps({"action": "sleep"}))
    command = ["--project", str(project), "invoke", FUNCTION, "--event", str(event)]
    assert main(command) == 1
    out, err = capfd.readouterr()
    assert json.loads(out)["errorType"] == "Sandbox.Timedout"
    assert f"cognito-triggers: {FUNCTION} failed: Sandbox.Timedout: RequestId: " in err
    assert "response unchanged" not in err


def test_start_lambda_answers_a_timeout_as_unhandled(server: LambdaInvokeServer) -> None:
    reply, payload = invoke(server.url, {"action": "sleep"})
    assert reply["StatusCode"] == 200
    assert reply["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")


def test_a_runtime_that_exits_is_a_function_error(
    function: EmulatedFunction, server: LambdaInvokeServer
) -> None:
    result = function.invoke({"action": "exit"})
    assert result.payload["errorType"] == "Runtime.ExitError"
    assert result.error is not None
    assert result.error.endswith("Error: Runtime exited with error: exit status 3")
    after = function.invoke({"n": 1})
    assert (after.payload, after.cold) == ({"n": 1}, True)  # a new runtime, as in Lambda
    reply, payload = invoke(server.url, {"action": "exit"})
    assert (reply["StatusCode"], reply["FunctionError"]) == (200, "Unhandled")
    assert payload["errorType"] == "Runtime.ExitError"


# -- 2. a killed emulator says why, and the next call has a new one -----------------------------

KILL = {"action": "kill-emulator", "line": "the last thing it said"}


def test_a_killed_emulator_says_why_then_the_next_call_restarts_it(
    function: EmulatedFunction,
) -> None:
    assert function.invoke({"n": 1}).payload == {"n": 1}
    with pytest.raises(ToolError) as raised:
        function.invoke(KILL)
    message = str(raised.value)
    assert message.startswith(f"the emulator of {FUNCTION} was killed by SIGKILL; its last log")
    assert "\n  | the last thing it said\n" in message
    assert message.endswith("\na new one starts on the next call")
    restarted = function.invoke({"n": 2})
    assert (restarted.payload, restarted.cold) == ({"n": 2}, True)
    assert not function.invoke({"n": 3}).cold


def test_start_lambda_restarts_a_killed_emulator(server: LambdaInvokeServer) -> None:
    assert invoke(server.url, {"n": 1})[1] == {"n": 1}
    client = lambda_client(server.url)
    with pytest.raises(client.exceptions.ServiceException) as raised:
        client.invoke(FunctionName=FUNCTION, Payload=json.dumps(KILL).encode())
    assert f"the emulator of {FUNCTION} was killed by SIGKILL" in str(raised.value)
    for n in (2, 3):
        reply, payload = invoke(server.url, {"n": n})
        assert "FunctionError" not in reply
        assert payload == {"n": n}


def test_run_goes_on_past_a_killed_emulator(
    project: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sign_up = {"triggerSource": "PreSignUp_SignUp"}
    for name, extra in (
        ("1-ok", {}),
        ("2-killed", KILL),
        ("3-ok", {}),
        ("4-sleep", {"action": "sleep"}),
    ):
        (tmp_path / f"{name}.json").write_text(json.dumps({**sign_up, **extra}))
    assert (
        main(["--project", str(project), "run", "--events", str(tmp_path), "--no-local-aws"]) == 1
    )
    out = capfd.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if ".json " in line}
    assert rows["1-ok.json"].endswith(" ok")
    assert f"error: the emulator of {FUNCTION} was killed by SIGKILL" in rows["2-killed.json"]
    assert rows["3-ok.json"].endswith(" ok")
    assert "error: Sandbox.Timedout: RequestId: " in rows["4-sleep.json"]
    assert out.rstrip().endswith("4 invoked, 0 skipped (reached no function), 2 failed")


# -- 3. a burst of clients waits in the listen queue ------------------------------------------


def test_a_burst_of_64_clients_is_queued_not_reset(project: Path) -> None:
    # All 64 connect and send before the server accepts any: each waits in the listen queue,
    # as a burst of sign-ups waits on a busy server. A dry run needs no emulator.
    server = LambdaInvokeServer(project)
    host, port = server.url.removeprefix("http://").split(":")
    sent = [threading.Event() for _ in range(64)]
    outcomes: list[object] = []

    def client(done: threading.Event) -> None:
        try:
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            path = f"/2015-03-31/functions/{FUNCTION}/invocations"
            connection.request("POST", path, b"{}", {"X-Amz-Invocation-Type": "DryRun"})
            done.set()
            outcomes.append(connection.getresponse().status)
        except OSError as error:
            outcomes.append(error)
        finally:
            done.set()

    threads = [threading.Thread(target=client, args=(done,)) for done in sent]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 20
        for done in sent:
            done.wait(max(0.0, deadline - time.monotonic()))
        server.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    assert outcomes == [204] * 64


# -- 4. a bounded record of past calls, without their secrets -----------------------------------


def test_start_lambda_keeps_a_bounded_record_without_secrets(project: Path) -> None:
    seen: list[InvocationRecord] = []
    with LambdaInvokeServer(project, history=3, on_invocation=seen.append) as server:
        for n in range(5):
            migrating = {
                "triggerSource": "UserMigration_Authentication",
                "request": {"password": f"Hunter2-{n}!", "validationData": {"otp": "913482"}},
                "response": {},
                "answer": {
                    "finalUserStatus": "CONFIRMED",
                    "userAttributes": {"email": "jane.doe@example.com"},
                },
                "line": f"call {n}",
            }
            invoke(server.url, migrating)
        mark = server.served
        invoke(server.url, {"triggerSource": "PreSignUp_SignUp"})
        kept, after = list(server.invocations), server.since(mark)
    assert [record.number for record in kept] == [4, 5, 6]
    assert [record.source for record in after] == ["PreSignUp_SignUp"]
    last_migration = kept[1]
    assert (last_migration.function, last_migration.source) == (
        FUNCTION,
        "UserMigration_Authentication",
    )
    assert last_migration.outcome.result == "ok"
    assert 'finalUserStatus: (absent) -> "CONFIRMED"' in last_migration.outcome.changes
    assert "userAttributes.email: (absent) -> ***" in last_migration.outcome.changes
    assert last_migration.describe().startswith(f"{FUNCTION} UserMigration_Authentication -> ok, ")
    # Neither the records nor what they were told keep the events or the logs.
    told = repr(seen) + repr(kept)
    for secret in ("Hunter2-", "913482", "jane.doe@example.com", "call 4"):
        assert secret not in told


# -- 5. what Lambda refuses, refused as Lambda does; never a hang or a traceback ---------------

PATH = f"/2015-03-31/functions/{FUNCTION}/invocations"


def event_of_size(size: int) -> bytes:
    body = json.dumps({"p": "x" * (size - len(json.dumps({"p": ""})))}).encode()
    assert len(body) == size
    return body


def connect(server: LambdaInvokeServer) -> http.client.HTTPConnection:
    host, port = server.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)  # a hang fails, not waits


def dry_run(connection: http.client.HTTPConnection) -> int:
    connection.request("POST", PATH, b"{}", {"X-Amz-Invocation-Type": "DryRun"})
    reply = connection.getresponse()
    reply.read()
    return reply.status


def test_a_request_over_6_mb_is_refused_as_lambda_does(
    server: LambdaInvokeServer, capfd: pytest.CaptureFixture[str]
) -> None:
    client = lambda_client(server.url)
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.invoke(FunctionName=FUNCTION, Payload=event_of_size(PAYLOAD_LIMIT + 1))
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"
    assert error["Error"]["Message"] == (
        "6291457 byte payload is too large for the RequestResponse invocation type "
        "(limit 6291456 bytes)"
    )
    # The limit itself passes, whole (the emulator alone would cut a body past 6,291,556).
    reply = client.invoke(FunctionName=FUNCTION, Payload=event_of_size(PAYLOAD_LIMIT))
    assert "FunctionError" not in reply
    assert len(json.loads(reply["Payload"].read())["p"]) == PAYLOAD_LIMIT - 9
    # The refused body was read past: the connection serves the next request.
    connection = connect(server)
    connection.request("POST", PATH, event_of_size(PAYLOAD_LIMIT + 1))
    reply = connection.getresponse()
    assert (reply.status, reply.headers["X-Amzn-ErrorType"]) == (
        413,
        "RequestEntityTooLargeException",
    )
    reply.read()
    assert dry_run(connection) == 204
    assert "Traceback" not in capfd.readouterr().err


def test_invoke_refuses_an_event_over_6_mb(function: EmulatedFunction) -> None:
    with pytest.raises(ToolError) as raised:
        function.invoke(json.loads(event_of_size(PAYLOAD_LIMIT + 1)))
    assert str(raised.value) == (
        "the event is 6291457 bytes: Lambda refuses a request over 6291456 bytes "
        "(RequestEntityTooLargeException)"
    )


@pytest.mark.parametrize("length", ["abc", "-1", "+2", "1e3", "²"])
def test_a_bad_content_length_is_a_400(
    server: LambdaInvokeServer, length: str, capfd: pytest.CaptureFixture[str]
) -> None:
    connection = connect(server)
    connection.putrequest("POST", PATH, skip_accept_encoding=True)
    connection.putheader("Content-Length", length)
    connection.endheaders(b"{}")
    reply = connection.getresponse()
    assert reply.status == 400
    assert reply.headers["X-Amzn-ErrorType"] == "InvalidRequestContentException"
    assert json.loads(reply.read())["message"] == (
        f"Content-Length {length!r} is not a number of bytes"
    )
    assert reply.headers["Connection"] == "close"  # where the body ends is unknown
    assert "Traceback" not in capfd.readouterr().err


def test_a_chunked_body_is_refused_not_run_as_an_empty_event(server: LambdaInvokeServer) -> None:
    connection = connect(server)
    connection.request("POST", PATH, iter([b'{"action": "exit"}']), encode_chunked=True)
    reply = connection.getresponse()
    assert (reply.status, reply.headers["Connection"]) == (411, "close")
    message = json.loads(reply.read())["message"]
    assert message == "send the payload with a Content-Length, not chunked"
    assert server.served == 0


def test_deeply_nested_json_is_a_400(
    server: LambdaInvokeServer, capfd: pytest.CaptureFixture[str]
) -> None:
    connection = connect(server)
    connection.request("POST", PATH, b"[" * 100_000)
    reply = connection.getresponse()
    assert reply.status == 400
    assert reply.headers["X-Amzn-ErrorType"] == "InvalidRequestContentException"
    message = json.loads(reply.read())["message"]
    assert message == "Could not parse request body into json: nested too deeply"
    assert dry_run(connection) == 204
    assert "Traceback" not in capfd.readouterr().err


def test_an_answer_too_deep_to_compare_is_said_not_raised() -> None:
    answer: dict[str, Any] = {}
    for _ in range(5_000):
        answer = {"a": answer}
    outcome = outcome_of({}, Invocation(payload=answer, duration=0.0))
    assert (outcome.result, outcome.changes) == ("ok", ["(not compared: nested too deeply)"])


def test_a_caller_that_resets_its_connection_is_no_traceback(
    server: LambdaInvokeServer, capfd: pytest.CaptureFixture[str]
) -> None:
    before = set(threading.enumerate())
    connection = connect(server)
    assert dry_run(connection) == 204
    (serving,) = [t for t in set(threading.enumerate()) - before if "process_request" in t.name]
    assert connection.sock is not None
    # Closed with a reset (SO_LINGER 0), as a client killed mid-keep-alive does.
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
    serving.join(timeout=30)
    assert not serving.is_alive()
    assert "Traceback" not in capfd.readouterr().err
    assert dry_run(connect(server)) == 204  # the server serves on


def test_a_bug_of_the_server_is_a_500_in_one_line(
    server: LambdaInvokeServer, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(server, "invoke", broken)
    connection = connect(server)
    connection.request("POST", PATH, b"{}")
    reply = connection.getresponse()
    assert (reply.status, reply.headers["X-Amzn-ErrorType"]) == (500, "ServiceException")
    assert json.loads(reply.read())["message"] == "start-lambda failed: RuntimeError: a bug"
    err = capfd.readouterr().err
    assert err == "cognito-triggers: start-lambda failed: RuntimeError: a bug\n"
