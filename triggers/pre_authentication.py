"""PreAuthentication: users marked ``custom:blocked`` cannot sign in.

Any value but an explicit no (``"false"``, ``"no"``, ``"0"`` or empty, in any case and spacing)
blocks: a flag someone set by hand fails closed. Pre token generation refuses the same users, so
their refresh tokens stop working too (PreAuthentication does not run on a refresh).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cognito_triggers import Deny, Metrics, PreAuthenticationEvent, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)

SUSPENDED = "This account is suspended; please contact support"
NOT_BLOCKED = frozenset({"", "false", "no", "0"})


def is_blocked(attributes: Mapping[str, str]) -> bool:
    # pre_token_generation.is_blocked is the same (a test holds them equal): each function ships
    # as its own module.
    return attributes.get("custom:blocked", "").strip().lower() not in NOT_BLOCKED


@app.pre_authentication
def refuse_blocked_users(event: PreAuthenticationEvent) -> None:
    if is_blocked(event.request.user_attributes):
        metrics.add_metric(name="BlockedSignIn", unit="Count", value=1)
        raise Deny(SUSPENDED)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
