"""PreAuthentication: users whose ``custom:blocked`` attribute is ``"true"`` cannot sign in."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_triggers import Deny, PreAuthenticationEvent, TriggerRouter

logger = Logger()
metrics = Metrics()
tracer = Tracer()
app = TriggerRouter(logger=logger, metrics=metrics)


@app.pre_authentication
def refuse_blocked_users(event: PreAuthenticationEvent) -> None:
    if event.request.user_attributes.get("custom:blocked", "").lower() == "true":
        metrics.add_metric(name="BlockedSignIn", unit=MetricUnit.Count, value=1)
        raise Deny("This account is suspended; please contact support")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
