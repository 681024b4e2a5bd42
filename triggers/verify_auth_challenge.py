"""VerifyAuthChallengeResponse: compares the typed code with the one sent, in constant time.

A challenge without an expected answer, or for a user who does not exist, is never answered
correctly.
"""

from __future__ import annotations

import hmac
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_triggers import TriggerRouter, VerifyAuthChallengeResponseEvent

logger = Logger()
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
        metrics.add_metric(name="WrongOneTimeCode", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
