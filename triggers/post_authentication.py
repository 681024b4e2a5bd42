"""PostAuthentication: count sign-ins, and sign-ins from a new device."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_triggers import PostAuthenticationEvent, TriggerRouter

logger = Logger()
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@app.post_authentication
def record_sign_in(event: PostAuthenticationEvent) -> None:
    metrics.add_metric(name="SignIn", unit=MetricUnit.Count, value=1)
    if event.request.new_device_used:
        metrics.add_metric(name="NewDeviceSignIn", unit=MetricUnit.Count, value=1)
        logger.info("sign-in from a new device")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
