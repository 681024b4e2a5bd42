"""Post confirmation on the function deployed to a local AWS (ministack). ministack does not fire
this trigger when a user confirms, so the test sends the deployed function the event Cognito
would send, through the Lambda Invoke API, and says so. `make run` runs it."""

from __future__ import annotations

import pytest

from cognito_triggers.testing import make_event
from cognito_triggers_tools.pytest_plugin import LocalStack

pytestmark = pytest.mark.e2e


def test_the_deployed_function_returns_the_event_unchanged(local_stack: LocalStack) -> None:
    """Post confirmation: the deployed function records the user and changes nothing"""
    event = make_event("PostConfirmation_ConfirmSignUp")
    with local_stack.watch() as seen:
        reply = local_stack.invoke("PostConfirmationFunction", event)
    local_stack.note("invoked through the Lambda Invoke API: ministack does not fire it")
    assert seen.fired("PostConfirmation_ConfirmSignUp", "handled")
    assert reply == event
