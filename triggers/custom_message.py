"""CustomMessage: branded verification, invitation, reset and sign-in messages.

Every message carries Cognito's code placeholder (``event.request.code_parameter``), and the
invitation also the username placeholder. E-mail subject and body are set only when
``BRAND_EMAIL`` is ``"true"``: Cognito refuses them unless the pool sends e-mail through SES.
"""

from __future__ import annotations

import html
import logging
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from cognito_triggers import CustomMessageEvent, Metrics, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


class Message(NamedTuple):
    subject: str
    email: str  # HTML body; {code} and {username} are filled with Cognito's placeholders
    sms: str


MESSAGES: dict[str, Message] = {
    "CustomMessage_SignUp": Message(
        "Welcome to {brand}: confirm your e-mail",
        "<p>Hi {name},</p><p>Welcome to {brand}! Your confirmation code is <b>{code}</b>.</p>",
        "{brand}: your confirmation code is {code}",
    ),
    "CustomMessage_ResendCode": Message(
        "Your {brand} confirmation code",
        "<p>Hi {name},</p><p>Here is your new confirmation code: <b>{code}</b>.</p>",
        "{brand}: your new confirmation code is {code}",
    ),
    "CustomMessage_ForgotPassword": Message(
        "Reset your {brand} password",
        "<p>Hi {name},</p><p>Use the code <b>{code}</b> to choose a new password. If you did not "
        "ask for this, you can ignore this message.</p>",
        "{brand}: your password reset code is {code}",
    ),
    "CustomMessage_UpdateUserAttribute": Message(
        "Confirm your new {brand} e-mail address",
        "<p>Hi {name},</p><p>Confirm this address with the code <b>{code}</b>.</p>",
        "{brand}: your verification code is {code}",
    ),
    "CustomMessage_VerifyUserAttribute": Message(
        "Verify your {brand} e-mail address",
        "<p>Hi {name},</p><p>Your verification code is <b>{code}</b>.</p>",
        "{brand}: your verification code is {code}",
    ),
    "CustomMessage_AdminCreateUser": Message(
        "You are invited to {brand}",
        "<p>Hi {name},</p><p>An account was created for you. Sign in with the username "
        "<b>{username}</b> and the temporary password <b>{code}</b>; you will choose your own "
        "password then.</p>",
        "{brand}: sign in as {username} with temporary password {code}",
    ),
    "CustomMessage_Authentication": Message(
        "Your {brand} sign-in code",
        "<p>Your sign-in code is <b>{code}</b>.</p>",
        "{brand}: your sign-in code is {code}",
    ),
}


@app.custom_message
def branded_message(event: CustomMessageEvent) -> None:
    message = MESSAGES.get(event.trigger_source)
    if message is None:  # a source newer than this module: keep Cognito's default message
        logger.info("no branded message for this source; using the default")
        return
    request = event.request
    brand = os.environ.get("BRAND_NAME", "Example")
    name = request.user_attributes.get("given_name") or "there"
    fields = {
        "brand": brand,
        "code": request.code_parameter,
        "username": request.username_parameter or "",
    }
    event.response.sms_message = message.sms.format(**fields)
    if os.environ.get("BRAND_EMAIL", "false").lower() == "true":
        event.response.email_subject = message.subject.format(**fields)
        event.response.email_message = message.email.format(name=html.escape(name), **fields)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
