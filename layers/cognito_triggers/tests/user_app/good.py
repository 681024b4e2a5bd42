"""A user's application on cognito-triggers, written as the README shows: mypy --strict passes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger as PowertoolsLogger
from aws_lambda_powertools import Metrics as PowertoolsMetrics
from aws_lambda_powertools.metrics import MetricUnit

from cognito_triggers import (
    ClientCredentialsEvent,
    Deny,
    Metrics,
    PreSignUpEvent,
    PreTokenGenerationEvent,
    PreTokenGenerationV1Event,
    Router,
    TriggerEvent,
    TriggerRouter,
    TriggerSource,
    UnhandledSourceError,
)
from cognito_triggers.testing import invoke, make_event

app = TriggerRouter()
sign_ups = Router()


@app.pre_sign_up
def only_company_addresses(event: PreSignUpEvent) -> None:
    email = event.request.user_attributes.get("email", "")
    if not email.endswith("@example.com"):
        raise Deny("Sign-up is open to example.com addresses only")
    if event.trigger_source != "PreSignUp_AdminCreateUser":  # Cognito ignores it there
        event.response.auto_confirm_user = True


@sign_ups.pre_sign_up(sources=["PreSignUp_ExternalProvider"], client_id="web")
def federated(event: PreSignUpEvent, context: Any) -> PreSignUpEvent:
    event.response.auto_confirm_user = True
    return event


@app.pre_token_generation
def claims(event: PreTokenGenerationEvent) -> None:
    event.add_claim("tenant", "acme")
    if not isinstance(event, PreTokenGenerationV1Event):
        event.add_claim("roles", ["reader"], token="access")
        event.add_scope("reports/read")


@app.client_credentials
def machine_claims(event: ClientCredentialsEvent) -> None:
    event.add_claim("department", "support", token="access")


@app.post_confirmation
def any_event_will_do(event: TriggerEvent) -> None:  # a wider parameter type is fine
    print(event.trigger_source)


@app.catch_all
def everything_else(event: TriggerEvent) -> None:
    print(event.trigger_source)


@sign_ups.pre_sign_up(sources=[TriggerSource.PreSignUp_AdminCreateUser])
def invited(event: PreSignUpEvent) -> None:
    if not event.request.user_attributes.get("email"):
        raise Deny("An invitation needs an e-mail address")


app.include_router(sign_ups)
lambda_handler = app.lambda_handler

metrics = Metrics(namespace="Example")
observed = TriggerRouter(logger=logging.getLogger("observed"), metrics=metrics)


@metrics.log_metrics(capture_cold_start_metric=True)
def observed_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    metrics.add_metric(name="Seen", unit="Count", value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=2.5)
    return observed.lambda_handler(event, context)


# Powertools' Logger and Metrics are what the router takes too.
with_powertools = TriggerRouter(
    logger=PowertoolsLogger(), metrics=PowertoolsMetrics(namespace="Example")
)


same_signature: Callable[[dict[str, Any], Any], dict[str, Any]] = observed_handler


def test_sign_up() -> None:
    result = invoke(app, make_event("PreSignUp_SignUp"))
    assert result.response.auto_confirm_user
    typed: PreSignUpEvent = result
    machine: ClientCredentialsEvent = invoke(app, make_event("TokenGeneration_ClientCredentials"))
    user: PreTokenGenerationEvent = invoke(app, make_event("TokenGeneration_Authentication"))
    only_company_addresses(typed)  # a handler stays a plain function
    print(machine.request.scopes, user.version)
    unhandled = invoke(app, make_event("PostConfirmation_ConfirmSignUp"), expect_unhandled=True)
    print(unhandled.response, UnhandledSourceError.__name__)


def names_in_a_list_or_a_tuple(event: PreTokenGenerationEvent) -> None:
    event.override_groups(("admins",), iam_roles=["arn:aws:iam::1:role/admins"])
    event.override_groups([])


def the_machine_token_is_the_default(machine: ClientCredentialsEvent) -> None:
    machine.add_claim("department", "support")  # its only token: the access token
    machine.suppress_claim("legacy", token="access")
