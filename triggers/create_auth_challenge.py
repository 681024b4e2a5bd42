"""CreateAuthChallenge: a six-digit one-time code, sent by e-mail through SES.

The code is drawn with :mod:`secrets`, kept in ``privateChallengeParameters`` (only
VerifyAuthChallengeResponse sees it) and in ``challengeMetadata``, so a retry after a wrong answer
reuses the code already e-mailed instead of sending another one. Environment: ``SENDER_EMAIL``.

An account that cannot get a code (a user who does not exist, when the app client hides user
existence, or one without an e-mail address) gets a challenge that looks the same to the client
but has no answer: nothing is sent and VerifyAuthChallengeResponse refuses every answer.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import TYPE_CHECKING, Any

from cognito_triggers import CreateAuthChallengeEvent, Metrics, TriggerRouter, aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_ses import SESClient

CODE_DIGITS = 6
METADATA_PREFIX = "CODE-"
NO_CODE = "NONE"  # the metadata of a challenge that has no answer

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@aws.lazy_client
def ses() -> SESClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("ses", config=aws.client_config())


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def mask(email: str) -> str:
    """``j***@example.com``: enough for the user to recognise the address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def send_code(email: str, code: str) -> None:
    sender = os.environ.get("SENDER_EMAIL", "no-reply@example.com")
    ses().send_email(
        Source=sender,
        Destination={"ToAddresses": [email]},
        Message={
            "Subject": {"Data": "Your sign-in code", "Charset": "UTF-8"},
            "Body": {
                "Text": {
                    "Data": f"Your sign-in code is {code}. It is valid for this sign-in only.",
                    "Charset": "UTF-8",
                }
            },
        },
    )


@app.create_auth_challenge
def email_one_time_code(event: CreateAuthChallengeEvent) -> None:
    request = event.request
    if request.challenge_name != "CUSTOM_CHALLENGE":
        return
    email = request.user_attributes.get("email", "")
    response = event.response
    if request.user_not_found or not email:
        # What the client sees is what a real user's challenge shows: the address typed (the
        # username, in this pool) masked the same way. Nothing is e-mailed; there is no answer.
        if not request.user_not_found:
            logger.warning("no e-mail address for a one-time code; the sign-in cannot succeed")
        response.public_challenge_parameters = {
            "delivery": "EMAIL",
            "destination": mask(event.user_name),
        }
        response.private_challenge_parameters = {}
        response.challenge_metadata = NO_CODE
        return
    previous = [
        c.challenge_metadata
        for c in request.session
        if c.challenge_name == "CUSTOM_CHALLENGE" and c.challenge_metadata
    ]
    if previous and previous[-1].startswith(METADATA_PREFIX):
        code = previous[-1].removeprefix(METADATA_PREFIX)  # the code already sent
    else:
        code = new_code()
        send_code(email, code)
        metrics.add_metric(name="OneTimeCodeSent", unit="Count", value=1)
    response.public_challenge_parameters = {"delivery": "EMAIL", "destination": mask(email)}
    response.private_challenge_parameters = {"answer": code}
    response.challenge_metadata = METADATA_PREFIX + code


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
