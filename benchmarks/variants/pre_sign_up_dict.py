"""The example's PreSignUp (triggers/pre_sign_up.py) written as a plain-dict if-chain, with the
same observability: the floor under any framework, for `make bench`."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()


class Deny(Exception):
    """Cognito shows the message to the user."""


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    source = event["triggerSource"]
    if source.startswith("PreSignUp_"):
        email = event["request"]["userAttributes"].get("email", "")
        _, at, domain = email.strip().rpartition("@")
        domain = domain.lower() if at else ""
        raw = os.environ.get("ALLOWED_EMAIL_DOMAINS", "example.com")
        allowed = {d.strip().lower() for d in raw.split(",") if d.strip()}
        if domain not in allowed:
            metrics.add_metric(name="SignUpDenied", unit=MetricUnit.Count, value=1)
            raise Deny(f"Sign-up is open to {', '.join(sorted(allowed))} addresses only")
        trusted = os.environ.get("TRUSTED_EMAIL_DOMAIN", "").strip().lower()
        if source == "PreSignUp_SignUp" and domain == trusted:
            event["response"]["autoConfirmUser"] = True
            event["response"]["autoVerifyEmail"] = True
            metrics.add_metric(name="SignUpAutoConfirmed", unit=MetricUnit.Count, value=1)
    return event
