from __future__ import annotations

import logging

import pytest

import post_confirmation
from cognito_triggers.testing import SUB, invoke, make_event


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("PostConfirmation_ConfirmSignUp", "sign-up"),
        ("PostConfirmation_ConfirmForgotPassword", "reset"),
    ],
)
def test_each_confirmation_is_recorded_by_sub_not_by_address(
    source: str, what: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="post_confirmation"):
        invoke(post_confirmation.app, make_event(source))
    (record,) = [r for r in caplog.records if r.getMessage() == "user confirmed"]
    assert (record.__dict__["sub"], record.__dict__["what"]) == (SUB, what)
    assert "@" not in caplog.text


def test_cognito_gets_its_event_back_unchanged() -> None:
    event = make_event("PostConfirmation_ConfirmSignUp")
    assert post_confirmation.lambda_handler(event, None) == event
