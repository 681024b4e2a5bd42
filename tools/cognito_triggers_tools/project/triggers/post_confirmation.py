"""PostConfirmation: a user confirmed their sign-up or a password reset. This records it (by the
user's ``sub``, never their address) for the metrics and alarms built on the logs; put what your
product does for a new user here (a welcome message, a row in your own database)."""

from __future__ import annotations

import logging

from cognito_triggers import Metrics, PostConfirmationEvent, TriggerRouter

logger = logging.getLogger(__name__)
metrics = Metrics()  # each call counted by triggerSource and outcome (template.yaml: namespace)
app = TriggerRouter(logger=logger, metrics=metrics)


@app.post_confirmation
def record_confirmation(event: PostConfirmationEvent) -> None:
    what = (
        "reset" if event.trigger_source == "PostConfirmation_ConfirmForgotPassword" else "sign-up"
    )
    logger.info(
        "user confirmed", extra={"sub": event.request.user_attributes.get("sub"), "what": what}
    )


lambda_handler = metrics.log_metrics(app.lambda_handler)
