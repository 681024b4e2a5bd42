"""Logging events safely: ``redact_event``, and the warning when Powertools logs events raw."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from cognito_triggers import (
    PreSignUpEvent,
    PreTokenGenerationEvent,
    PreTokenGenerationV2Event,
    TriggerRouter,
    TriggerSource,
    parse_event,
    redact_event,
)
from cognito_triggers import redact as redact_module
from cognito_triggers.redact import MASK
from cognito_triggers.testing import invoke, make_event

from .test_event_properties import ATTRIBUTE_MAP_KEYS

# Keys whose string values (at any depth below them) are secrets or personal data.
SECRET_KEYS = ATTRIBUTE_MAP_KEYS | {
    "userName",
    "password",
    "challengeAnswer",
    "code",
    "challengeMetadata",
    "claimsToAddOrOverride",
    "smsMessage",
    "emailMessage",
    "emailSubject",
}
ENVELOPE = ("version", "triggerSource", "region", "userPoolId")


def strings(value: Any, secret: bool = False, key: str = "") -> Iterator[tuple[str, bool]]:
    """(string, whether it is secret) for every string value in ``value``."""
    secret = secret or key in SECRET_KEYS
    if isinstance(value, dict):
        for k, item in value.items():
            yield from strings(item, secret, k)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, secret, key)
    elif isinstance(value, str):
        yield value, secret


def secret_event(source: TriggerSource) -> dict[str, Any]:
    """The sample event, with every secret-bearing field the family has filled in."""
    event = make_event(source)
    request = event["request"]
    if "session" in request:
        request["session"] = [
            {
                "challengeName": "CUSTOM_CHALLENGE",
                "challengeResult": False,
                "challengeMetadata": "CODE-482913",
            }
        ]
    if source.startswith("CreateAuthChallenge"):
        event["response"] = {
            "publicChallengeParameters": {"destination": "j***@example.com"},
            "privateChallengeParameters": {"answer": "482913"},
            "challengeMetadata": "CODE-482913",
        }
    if source.startswith("CustomMessage"):
        event["response"]["smsMessage"] = "Hi Jane, your code is {####}"
    request["clientMetadata"] = {"invite": "tok-7f3a9"}
    event["x-legacyToken"] = "tok-unknown-key"
    return event


@pytest.mark.parametrize("source", list(TriggerSource))
def test_redacted_events_keep_the_envelope_and_mask_every_secret(source: TriggerSource) -> None:
    event = secret_event(source)
    redacted = redact_event(event)
    text = json.dumps(redacted)
    values = list(strings(event))
    shown = {value for value, secret in values if not secret}
    hidden = {value for value, secret in values if secret} - shown
    assert hidden  # every family has something to hide
    for value in hidden:
        assert json.dumps(value) not in text, value
    for key in ENVELOPE:
        assert redacted[key] == event[key]
    assert redacted["callerContext"] == event["callerContext"]
    assert redacted["x-legacyToken"] == MASK
    # A map's keys stay readable; where the family has no clientMetadata it is an unknown key.
    assert redacted["request"]["clientMetadata"] in ({"invite": MASK}, MASK)
    assert json.dumps(redacted)  # fit for a JSON log as it is


def test_a_parsed_event_shows_what_the_handler_did_and_no_values() -> None:
    app = TriggerRouter()

    @app.pre_token_generation
    def claims(event: PreTokenGenerationEvent) -> None:
        assert isinstance(event, PreTokenGenerationV2Event)
        event.add_claim("tenant", "acme-secret-tenant", token="both")
        event.add_scope("reports/read")

    typed = invoke(app, make_event("TokenGeneration_Authentication"))
    redacted = redact_event(typed)
    details = redacted["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {"tenant": MASK}
    assert details["accessTokenGeneration"]["scopesToAdd"] == ["reports/read"]
    assert "acme-secret-tenant" not in json.dumps(redacted)


def test_booleans_and_statuses_stay_readable() -> None:
    event = parse_event(make_event("PreSignUp_SignUp"))
    assert isinstance(event, PreSignUpEvent)
    event.response.auto_confirm_user = True
    assert redact_event(event)["response"] == {
        "autoConfirmUser": True,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }


@pytest.mark.parametrize(
    "value",
    [
        {"triggerSource": "PreSignUp_SignUp", "userPoolId": "p", "request": {"password": "pw1"}},
        {"triggerSource": "Nope_Nope", "userName": "jane@example.com", "request": "pw1"},
        ["pw1"],
    ],
)
def test_an_invalid_event_shows_its_envelope_alone(value: Any) -> None:
    redacted = redact_event(value)
    assert "invalid" in redacted
    text = json.dumps(redacted)
    assert "pw1" not in text and "jane@example.com" not in text
    if isinstance(value, dict):
        assert redacted["triggerSource"] == value["triggerSource"]


# -- POWERTOOLS_LOGGER_LOG_EVENT ------------------------------------------------------------------


@pytest.fixture
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact_module, "_warned", False)


@pytest.mark.usefixtures("fresh_warning")
@pytest.mark.parametrize(
    ("setting", "warnings"),
    [("true", 1), ("1", 1), ("TRUE", 1), (" yes", 1), ("false", 0), ("0", 0), ("", 0)],
)
def test_the_router_warns_once_when_powertools_logs_events_raw(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, setting: str, warnings: int
) -> None:
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", setting)
    caplog.set_level(logging.WARNING, "cognito_triggers")
    TriggerRouter()
    TriggerRouter()
    assert len(caplog.records) == warnings
    for record in caplog.records:
        assert "POWERTOOLS_LOGGER_LOG_EVENT" in record.getMessage()
        assert "redact_event" in record.getMessage()


@pytest.mark.usefixtures("fresh_warning")
def test_the_warning_goes_through_the_routers_powertools_logger(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_lambda_powertools import Logger

    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    TriggerRouter(logger=Logger(service="log-event-warning"))
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert record["level"] == "WARNING" and record["service"] == "log-event-warning"
    assert "redact_event" in record["message"]


def test_the_default_path_does_not_import_the_redaction_module() -> None:
    code = (
        "import os, sys\nos.environ.pop('POWERTOOLS_LOGGER_LOG_EVENT', None)\n"
        "from cognito_triggers import TriggerRouter\n"
        "from cognito_triggers.testing import make_event\n"
        "app = TriggerRouter()\napp.pre_sign_up(lambda e: None)\n"
        "app.lambda_handler(make_event('PreSignUp_SignUp'))\n"
        "print('cognito_triggers.redact' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
