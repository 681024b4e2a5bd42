"""DefineAuthChallenge: the state machine of the e-mail one-time-code sign-in.

Works passwordless (``CUSTOM_AUTH`` straight to the code) and after SRP (``SRP_A`` ->
``PASSWORD_VERIFIER`` -> the code). Tokens are issued only after a correct ``CUSTOM_CHALLENGE``;
three wrong codes end the sign-in.

A user who does not exist (``userNotFound``, sent when the app client sets
``PreventUserExistenceErrors``) goes through the same steps as a real one, so the answers tell
nobody whether the account exists; CreateAuthChallenge gives them a challenge nobody can answer,
and they are never issued tokens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cognito_triggers import DefineAuthChallengeEvent, Metrics, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

MAX_ATTEMPTS = 3

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@app.define_auth_challenge
def next_step(event: DefineAuthChallengeEvent) -> None:
    session = event.request.session
    response = event.response
    response.issue_tokens = False
    response.fail_authentication = False
    codes = [c for c in session if c.challenge_name == "CUSTOM_CHALLENGE"]
    last = session[-1] if session else None

    if (
        last is not None
        and last.challenge_name == "CUSTOM_CHALLENGE"
        and last.challenge_result
        and not event.request.user_not_found
    ):
        response.issue_tokens = True
        metrics.add_metric(name="OneTimeCodeSignIn", unit="Count", value=1)
    elif len(codes) >= MAX_ATTEMPTS:
        response.fail_authentication = True
        metrics.add_metric(name="OneTimeCodeLockout", unit="Count", value=1)
        logger.info("too many wrong one-time codes", extra={"attempts": len(codes)})
    elif last is not None and last.challenge_name == "SRP_A":
        response.challenge_name = "PASSWORD_VERIFIER"
    elif (
        last is not None and last.challenge_name != "CUSTOM_CHALLENGE" and not last.challenge_result
    ):
        response.fail_authentication = True  # wrong password (or MFA) before the code
    else:
        response.challenge_name = "CUSTOM_CHALLENGE"


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
