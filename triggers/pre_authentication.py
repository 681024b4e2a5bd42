"""PreAuthentication: users marked ``custom:blocked`` cannot sign in.

Which users are blocked is the rule of ``accounts.py``. Pre token generation refuses the same
users, so their refresh tokens stop working too (PreAuthentication does not run on a refresh).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from accounts import SUSPENDED, is_blocked
from cognito_triggers import Deny, Metrics, PreAuthenticationEvent, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@app.pre_authentication
def refuse_blocked_users(event: PreAuthenticationEvent) -> None:
    if is_blocked(event.request.user_attributes):
        metrics.add_metric(name="BlockedSignIn", unit="Count", value=1)
        raise Deny(SUSPENDED)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
