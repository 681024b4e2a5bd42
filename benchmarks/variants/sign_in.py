"""PreAuthentication, PostAuthentication and pre token generation served by one function: the
example's three routers joined on one (README, Performance: one cold start per sign-in instead of
three, for a role that holds the three functions' permissions together)."""

from __future__ import annotations

import importlib
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_triggers import TriggerRouter

logger = Logger()
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)
for module in ("pre_authentication", "post_authentication", "pre_token_generation"):
    app.include_router(importlib.import_module(module).app)  # the functions' folder: /var/task


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
