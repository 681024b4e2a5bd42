"""VerifyAuthChallengeResponse: compares the typed code with the one sent, in constant time.

A challenge without an expected answer, or for a user who does not exist, is never answered
correctly.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from cognito_triggers import Metrics, TriggerRouter, VerifyAuthChallengeResponseEvent

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@app.verify_auth_challenge_response
def check_code(event: VerifyAuthChallengeResponseEvent) -> None:
    expected = event.request.private_challenge_parameters.get("answer", "")
    given = event.request.challenge_answer.get_secret_value().strip()
    matches = hmac.compare_digest(expected.encode(), given.encode())
    correct = matches and bool(expected) and not event.request.user_not_found
    event.response.answer_correct = correct
    if not correct:
        metrics.add_metric(name="WrongOneTimeCode", unit="Count", value=1)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
