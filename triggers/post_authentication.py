"""PostAuthentication: count sign-ins, and sign-ins from a new device."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cognito_triggers import Metrics, PostAuthenticationEvent, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@app.post_authentication
def record_sign_in(event: PostAuthenticationEvent) -> None:
    metrics.add_metric(name="SignIn", unit="Count", value=1)
    if event.request.new_device_used:
        metrics.add_metric(name="NewDeviceSignIn", unit="Count", value=1)
        logger.info("sign-in from a new device")


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
