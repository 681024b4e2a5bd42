"""PreSignUp: sign-up is open to the e-mail domains in ``ALLOWED_EMAIL_DOMAINS``
(comma-separated); anyone else gets Cognito's error with the text of the ``Deny``."""

from __future__ import annotations

import logging
import os

from cognito_triggers import Deny, Metrics, PreSignUpEvent, TriggerRouter

logger = logging.getLogger(__name__)
metrics = Metrics()  # each call counted by triggerSource and outcome (template.yaml: namespace)
app = TriggerRouter(logger=logger, metrics=metrics)


def allowed_domains() -> frozenset[str]:
    raw = os.environ.get("ALLOWED_EMAIL_DOMAINS", "example.com")
    return frozenset(d.strip().lower() for d in raw.split(",") if d.strip())


def email_domain(email: str) -> str:
    """The domain of one plain address, lower case; ``""`` for anything else (two ``@``, a list,
    white space), so ``a@evil.org, b@example.com`` is not taken for example.com."""
    local, at, domain = email.rpartition("@")
    if not at or not local or "@" in local or any(c.isspace() or c in ",;<>" for c in email):
        return ""
    return domain.lower()


@app.pre_sign_up
def restrict_sign_up(event: PreSignUpEvent) -> None:
    domain = email_domain(event.request.user_attributes.get("email", ""))
    if domain not in allowed_domains():
        # The domain only: the address is personal data and stays out of the logs.
        logger.info("sign-up refused", extra={"email_domain": domain or None})
        raise Deny("Sign-up is open to invited domains only")


lambda_handler = metrics.log_metrics(app.lambda_handler)
