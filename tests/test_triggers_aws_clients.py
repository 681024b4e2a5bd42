"""The example functions' AWS clients give up inside Cognito's wait (cognito_triggers.aws): an AWS
endpoint that never answers is the router's logged, counted InternalError, not a Lambda timeout."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import create_auth_challenge
import custom_email_sender
import custom_sms_sender
import post_confirmation
import pre_token_generation
import user_migration
from cognito_triggers import aws
from cognito_triggers.errors import InternalError
from cognito_triggers.testing import lambda_context, make_event

# Every function's client factory (tests/test_build.py's FIRST_USE names each function's first).
FACTORIES: dict[str, Callable[[], Any]] = {
    "post_confirmation.cognito": post_confirmation.cognito,
    "create_auth_challenge.ses": create_auth_challenge.ses,
    "user_migration.dynamodb": user_migration.dynamodb,
    "pre_token_generation.ssm": pre_token_generation.ssm,
    "custom_email_sender.ses": custom_email_sender.ses,
    "custom_email_sender.cognito": custom_email_sender.cognito,
    "custom_sms_sender.sns": custom_sms_sender.sns,
}

# The synchronous triggers that call AWS, each with an event that makes it call and what it reads.
# (The senders decrypt the code with KMS first, through the Encryption SDK's own client.)
CALLS: dict[str, tuple[Callable[..., dict[str, Any]], str, dict[str, str]]] = {
    "post_confirmation": (post_confirmation.lambda_handler, "PostConfirmation_ConfirmSignUp", {}),
    "create_auth_challenge": (
        create_auth_challenge.lambda_handler,
        "CreateAuthChallenge_Authentication",
        {},
    ),
    "user_migration": (
        user_migration.lambda_handler,
        "UserMigration_Authentication",
        {"LEGACY_USERS_TABLE": "legacy"},
    ),
    "pre_token_generation": (
        pre_token_generation.lambda_handler,
        "TokenGeneration_ClientCredentials",
        {"CLIENT_CLAIMS_PARAMETER": "/t/claims"},
    ),
}


def _clear() -> None:
    aws.reset_clients()
    pre_token_generation._client_tables.clear()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    _clear()
    yield
    _clear()  # no client of this module's endpoint outlives it


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """Every AWS endpoint is a local server that accepts connections and never answers; the
    connections it accepted, one per attempt."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)  # closing a socket does not wake a blocked accept(): poll instead
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(connection)  # held open, never read, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    try:
        yield accepted
    finally:
        done.set()
        thread.join()
        server.close()
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_client_has_the_frameworks_timeouts_and_attempts(name: str) -> None:
    options = vars(FACTORIES[name]().meta.config)
    assert options["connect_timeout"] == aws.CONNECT_TIMEOUT
    assert options["read_timeout"] == aws.READ_TIMEOUT
    assert options["retries"] == {"total_max_attempts": aws.ATTEMPTS, "mode": "standard"}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_aws_endpoint_that_never_answers_is_a_logged_counted_internal_error(
    silent_endpoint: list[socket.socket],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    # With botocore's defaults (60 s reads, 3 attempts) this outlasts Lambda's 5 s Timeout: no
    # log, no count, and Cognito may call again.
    handler, source, variables = CALLS[name]
    for variable, value in variables.items():
        monkeypatch.setenv(variable, value)
    capsys.readouterr()
    with caplog.at_level(logging.ERROR), pytest.raises(InternalError):
        handler(make_event(source), lambda_context())
    assert len(silent_endpoint) == aws.ATTEMPTS  # the call and one retry, no more
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert failures == [f"cognito-triggers: {source} failed with ReadTimeoutError"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    counts = [line for line in lines if "_aws" in line and "ColdStart" not in line]
    assert [line.get("Failed") for line in counts] == [1]
