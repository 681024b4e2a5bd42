"""The example functions' AWS clients give up inside Cognito's wait: an AWS endpoint that never
answers is the router's logged, counted InternalError, not a Lambda timeout."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import aws_clients
import create_auth_challenge
import custom_email_sender
import custom_sms_sender
import post_confirmation
import pre_token_generation
import pytest
import user_migration

from cognito_triggers.errors import InternalError
from cognito_triggers.testing import lambda_context, make_event

# Every function's first-client factory (tests/test_build.py's FIRST_USE names the same ones).
FACTORIES: dict[str, Callable[[], Any]] = {
    "post_confirmation.cognito": post_confirmation.cognito,
    "create_auth_challenge.ses": create_auth_challenge.ses,
    "user_migration.dynamodb": user_migration.dynamodb,
    "pre_token_generation.ssm": pre_token_generation.ssm,
    "custom_email_sender.ses": custom_email_sender.ses,
    "custom_email_sender.cognito": custom_email_sender.cognito,
    "custom_sms_sender.sns": custom_sms_sender.sns,
}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for factory in FACTORIES.values():
        factory.cache_clear()  # type: ignore[attr-defined]
    yield
    for factory in FACTORIES.values():
        factory.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """Every AWS endpoint is a local server that accepts connections and never answers; the
    connections it accepted, one per attempt."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            accepted.append(connection)  # held open, never read, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    try:
        yield accepted
    finally:
        server.close()
        thread.join()
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_client_has_the_shared_timeouts_and_attempts(name: str) -> None:
    config = FACTORIES[name]().meta.config
    assert config.connect_timeout == aws_clients.CONNECT_TIMEOUT
    assert config.read_timeout == aws_clients.READ_TIMEOUT
    assert config.retries["total_max_attempts"] == aws_clients.ATTEMPTS
    assert config.retries["mode"] == "standard"


def test_the_budget_ends_inside_cognitos_wait() -> None:
    # aws_clients' arithmetic: every attempt given up, plus the backoff (under 1 s) before each
    # retry, leaves a cold start 2 s of Cognito's 5.
    waiting = aws_clients.ATTEMPTS * (aws_clients.CONNECT_TIMEOUT + aws_clients.READ_TIMEOUT)
    assert waiting + (aws_clients.ATTEMPTS - 1) <= 3


def test_an_aws_endpoint_that_never_answers_is_a_logged_counted_internal_error(
    silent_endpoint: list[socket.socket],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Without the shared config, botocore's 60 s reads and retries would outlast Lambda's 5 s
    # Timeout: no log, no count, and Cognito would call again.
    assert post_confirmation.cognito().meta.config.read_timeout == aws_clients.READ_TIMEOUT
    capsys.readouterr()
    event = make_event("PostConfirmation_ConfirmSignUp")
    with caplog.at_level(logging.ERROR), pytest.raises(InternalError):
        post_confirmation.lambda_handler(event, lambda_context())
    assert len(silent_endpoint) == aws_clients.ATTEMPTS  # the call and one retry, no more
    failures = [r for r in caplog.records if "failed with" in r.getMessage()]
    assert [r.getMessage() for r in failures] == [
        "cognito-triggers: PostConfirmation_ConfirmSignUp failed with ReadTimeoutError"
    ]
    counts = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    assert [c["Failed"] for c in counts if "Failed" in c] == [1]
    assert not any("UserConfirmed" in c for c in counts)
