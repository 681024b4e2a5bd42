"""PreSignUp on the pool deployed to a local AWS (ministack): what a client sees, and the trigger
call the function's own log tells. `make run` runs these (`cognito-triggers flows`)."""

from __future__ import annotations

import secrets

import pytest

from cognito_triggers_tools.pytest_plugin import LocalStack

pytestmark = pytest.mark.e2e
PASSWORD = secrets.token_urlsafe(16) + "-Aa1"  # meets the pool's default policy


def test_an_allowed_domain_signs_up_and_waits_for_its_code(local_stack: LocalStack) -> None:
    """Sign-up from an allowed domain is accepted, to be confirmed with its code"""
    web, email = local_stack.output("WebClientId"), "jane@example.com"
    with local_stack.watch() as seen:
        reply = local_stack.sign_up(web, email, PASSWORD, {"email": email})
    assert seen.fired("PreSignUp_SignUp", "handled")
    assert reply["UserConfirmed"] is False


def test_another_domain_is_refused_with_the_deny_text(local_stack: LocalStack) -> None:
    """Sign-up from any other domain is refused, and the client sees why"""
    web = local_stack.output("WebClientId")
    refused = local_stack.idp.exceptions.UserLambdaValidationException
    with local_stack.watch() as seen, pytest.raises(refused) as error:
        local_stack.sign_up(web, "mallory@evil.org", PASSWORD, {"email": "mallory@evil.org"})
    assert seen.fired("PreSignUp_SignUp", "denied")
    assert "Sign-up is open to invited domains only" in str(error.value)
    local_stack.note(f"the client sees {error.value.response['Error']['Code']}")
