"""PreSignUp: sign-up is open to a few e-mail domains; one trusted domain is confirmed on the spot.

The address must be exactly one plain address (one ``@``, no white space, no list or display
name) of an allowed domain. The trusted domain skips the confirmation code, but its address is not
marked verified: no one has shown they own the mailbox. It stays unverified until the user
verifies it after signing in, and until then pre token generation gives them no role.

Environment: ``ALLOWED_EMAIL_DOMAINS`` (comma-separated) and ``TRUSTED_EMAIL_DOMAIN``.
"""

from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING, Any

from cognito_triggers import Deny, Metrics, PreSignUpEvent, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


def allowed_domains() -> frozenset[str]:
    raw = os.environ.get("ALLOWED_EMAIL_DOMAINS", "example.com")
    return frozenset(d.strip().lower() for d in raw.split(",") if d.strip())


def trusted_domain() -> str:
    return os.environ.get("TRUSTED_EMAIL_DOMAIN", "").strip().lower()


# One address and nothing around it: RFC 5322's dot-atom local part, then a host name. No
# white space, comma, semicolon, quotes or angle brackets can appear, so no list either.
ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def email_domain(event: PreSignUpEvent) -> str:
    """The domain of the user's address, lower case; ``""`` unless it is one plain address."""
    match = ADDRESS.fullmatch(event.request.user_attributes.get("email", ""))
    return match.group(1).lower() if match else ""


def require_allowed_domain(event: PreSignUpEvent) -> str:
    domain = email_domain(event)
    if domain not in allowed_domains():
        metrics.add_metric(name="SignUpDenied", unit="Count", value=1)
        logger.info("sign-up refused", extra={"email_domain": domain or None})
        allowed = ", ".join(sorted(allowed_domains()))
        raise Deny(f"Sign-up is open to {allowed} addresses only")
    return domain


@app.pre_sign_up
def restrict_sign_up(event: PreSignUpEvent) -> None:
    """Sign-up and admin-created users: allowed domains only; the trusted one needs no code."""
    domain = require_allowed_domain(event)
    # Cognito ignores the flags for PreSignUp_AdminCreateUser: set them for self sign-up only.
    if event.trigger_source == "PreSignUp_SignUp" and domain == trusted_domain():
        event.response.auto_confirm_user = True  # but the e-mail is not taken as verified
        metrics.add_metric(name="SignUpAutoConfirmed", unit="Count", value=1)


@app.pre_sign_up(sources=["PreSignUp_ExternalProvider"])
def restrict_federated_sign_up(event: PreSignUpEvent) -> None:
    """First federated sign-in: the identity provider vouches for the address, but the
    domain rule still applies."""
    require_allowed_domain(event)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
