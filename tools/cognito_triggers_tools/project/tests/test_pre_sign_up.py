from __future__ import annotations

import pytest

import pre_sign_up
from cognito_triggers import Deny
from cognito_triggers.testing import invoke, make_event


def test_an_allowed_domain_signs_up_and_still_confirms_by_code() -> None:
    result = invoke(pre_sign_up.app, make_event("PreSignUp_SignUp"))  # jane.doe@example.com
    assert result.response.auto_confirm_user is False


@pytest.mark.parametrize(
    "email", ["mallory@evil.org", "a@evil.org, b@example.com", "a@b@example.com", ""]
)
def test_anyone_else_is_refused(email: str) -> None:
    event = make_event("PreSignUp_SignUp", request={"userAttributes": {"email": email}})
    with pytest.raises(Deny, match="invited domains only"):
        invoke(pre_sign_up.app, event)


def test_the_domains_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "corp.example, example.org")
    event = make_event("PreSignUp_SignUp", request={"userAttributes": {"email": "a@Corp.Example"}})
    invoke(pre_sign_up.app, event)
    with pytest.raises(Deny):
        invoke(pre_sign_up.app, make_event("PreSignUp_SignUp"))
