"""PreAuthentication, PostAuthentication and pre token generation served by one function: the
example's three routers joined on one (docs/performance.md: one cold start per sign-in instead of
three, for a role that holds the three functions' permissions together)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from cognito_triggers import Metrics, TriggerRouter

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)
for module in ("pre_authentication", "post_authentication", "pre_token_generation"):
    app.include_router(importlib.import_module(module).app)  # the functions' folder: /var/task


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.lambda_handler(event, context)
