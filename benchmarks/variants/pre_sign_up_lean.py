"""The example's PreSignUp (triggers/pre_sign_up.py) on the router, with the same logs and metrics
but no Powertools: the standard `logging` (which Lambda's runtime has loaded, and writes as JSON
with `LoggingConfig: LogFormat: JSON`) and the metrics as one CloudWatch embedded-metric-format
line per invocation. For `make bench`: what the example would cost without Powertools' import."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from cognito_triggers import Deny, PreSignUpEvent, TriggerRouter

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CognitoTriggers")
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")


class Metrics:
    """The calls the router and the handlers make, written once per invocation as EMF."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, float]] = {}
        self.dimensions = {"service": SERVICE}

    def add_dimension(self, name: str, value: str) -> None:
        self.dimensions[name] = value

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.values[name] = (unit, value)

    def log_metrics(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        def flushed(event: dict[str, Any], context: Any) -> Any:
            try:
                return handler(event, context)
            finally:
                self.flush()

        return flushed

    def flush(self) -> None:
        if self.values:
            metrics = [{"Name": name, "Unit": unit} for name, (unit, _) in self.values.items()]
            directive = {"Namespace": NAMESPACE, "Dimensions": [list(self.dimensions)],
                         "Metrics": metrics}  # fmt: skip
            emf = {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [directive]}
            blob = {"_aws": emf, **self.dimensions,
                    **{n: v for n, (_, v) in self.values.items()}}  # fmt: skip
            print(json.dumps(blob, separators=(",", ":")))
        self.values.clear()
        self.dimensions = {"service": SERVICE}


logger = logging.getLogger("pre_sign_up")
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


def require_allowed_domain(event: PreSignUpEvent) -> str:
    email = event.request.user_attributes.get("email", "")
    _, at, domain = email.strip().rpartition("@")
    domain = domain.lower() if at else ""
    raw = os.environ.get("ALLOWED_EMAIL_DOMAINS", "example.com")
    allowed = {d.strip().lower() for d in raw.split(",") if d.strip()}
    if domain not in allowed:
        metrics.add_metric(name="SignUpDenied", unit="Count", value=1)
        logger.info("sign-up refused", extra={"email_domain": domain or None})
        raise Deny(f"Sign-up is open to {', '.join(sorted(allowed))} addresses only")
    return domain


@app.pre_sign_up
def restrict_sign_up(event: PreSignUpEvent) -> None:
    domain = require_allowed_domain(event)
    trusted = os.environ.get("TRUSTED_EMAIL_DOMAIN", "").strip().lower()
    if event.trigger_source == "PreSignUp_SignUp" and domain == trusted:
        event.response.auto_confirm_user = True
        metrics.add_metric(name="SignUpAutoConfirmed", unit="Count", value=1)


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.lambda_handler(event, context)
