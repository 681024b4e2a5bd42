"""CustomEmailSender: every e-mail the pool sends, branded and delivered through SES.

Cognito hands over the code encrypted under the pool's KMS key (``KEY_ARN``);
``event.request.decrypt_code()`` gives it back. Account-takeover notices carry no code and no
address: the user's e-mail is looked up in the pool. Cognito invokes this function asynchronously
and Lambda retries a failure twice, so a message may, rarely, arrive twice. Environment:
``SENDER_EMAIL``, ``BRAND_NAME``, ``KEY_ARN``.
"""

from __future__ import annotations

import html
import logging
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from cognito_triggers import CustomEmailSenderEvent, Metrics, TriggerRouter, aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_ses import SESClient

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


class Message(NamedTuple):
    subject: str
    body: str  # {brand}, {name}, {code} and {email} are filled in, HTML-escaped in the HTML part


MESSAGES: dict[str, Message] = {
    "CustomEmailSender_SignUp": Message(
        "Welcome to {brand}: confirm your e-mail",
        "Hi {name},\n\nWelcome to {brand}! Your confirmation code is {code}.",
    ),
    "CustomEmailSender_ResendCode": Message(
        "Your {brand} confirmation code",
        "Hi {name},\n\nHere is your new confirmation code: {code}.",
    ),
    "CustomEmailSender_ForgotPassword": Message(
        "Reset your {brand} password",
        "Hi {name},\n\nUse the code {code} to choose a new password. If you did not ask for "
        "this, you can ignore this message: your password stays as it is.",
    ),
    "CustomEmailSender_UpdateUserAttribute": Message(
        "Confirm your new {brand} e-mail address",
        "Hi {name},\n\nConfirm this address with the code {code}.",
    ),
    "CustomEmailSender_VerifyUserAttribute": Message(
        "Verify your {brand} e-mail address",
        "Hi {name},\n\nYour verification code is {code}.",
    ),
    "CustomEmailSender_AdminCreateUser": Message(
        "You are invited to {brand}",
        "Hi {name},\n\nAn account was created for you. Sign in with {email} and the temporary "
        "password {code}; you will choose your own password then.",
    ),
    "CustomEmailSender_Authentication": Message(
        "Your {brand} sign-in code",
        "Your sign-in code is {code}. If you are not signing in, someone may know your "
        "password: change it.",
    ),
}

# Account takeover: what threat protection did (the event's action), in the user's words; see
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-email-sender.html
TAKEOVER_SUBJECT = "{brand}: a sign-in to your account from a new place"
TAKEOVER_ACTIONS = {
    "BLOCK": "We blocked it.",
    "MFA": "We asked for your second factor before letting it through.",
    "MFA_IF_CONFIGURED": "We asked for your second factor, where you have one set up.",
    "MFA_REQUIRED": "We asked for your second factor before letting it through.",
    "NO_ACTION": "We let it through.",
}
TAKEOVER_BODY = (
    "Hi,\n\nSomeone signed in to your {brand} account at {time} from {where}. {action}\n\n"
    "Was this you? Tell us, it keeps your account safe:\n"
    "Yes, it was me: {valid}\nNo, it was not me: {invalid}\n\n"
    "If it was not you, change your password now."
)


@aws.lazy_client
def ses() -> SESClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("ses", config=aws.client_config())


@aws.lazy_client
def cognito() -> CognitoIdentityProviderClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("cognito-idp", config=aws.client_config())


def send(to: str, subject: str, text: str) -> None:
    """A text and an HTML part (escaped: temporary passwords may hold ``<`` or ``&``)."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n")).replace("\n", "<br>")
    ses().send_email(
        Source=os.environ.get("SENDER_EMAIL", "no-reply@example.com"),
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": text, "Charset": "UTF-8"},
                "Html": {"Data": body, "Charset": "UTF-8"},
            },
        },
    )
    metrics.add_metric(name="EmailSent", unit="Count", value=1)


def brand() -> str:
    return os.environ.get("BRAND_NAME", "Example")


@app.custom_email_sender(sources=["CustomEmailSender_AccountTakeOverNotification"])
def account_takeover(event: CustomEmailSenderEvent) -> None:
    notice = event.request.user_attributes
    user = cognito().admin_get_user(UserPoolId=event.user_pool_id, Username=notice["USER_NAME"])
    email = next((a["Value"] for a in user["UserAttributes"] if a["Name"] == "email"), "")
    if not email:
        raise LookupError("the user has no e-mail address to warn")
    place = ", ".join(notice[k] for k in ("DEVICE_NAME", "CITY", "COUNTRY") if notice.get(k))
    ip = notice.get("IP_ADDRESS", "an unknown address")
    text = TAKEOVER_BODY.format(
        brand=brand(),
        time=notice.get("LOGIN_TIME", "an unknown time"),
        where=f"{place} ({ip})" if place else ip,
        action=TAKEOVER_ACTIONS.get(notice.get("ACCOUNT_TAKE_OVER_ACTION", ""), ""),
        valid=notice.get("ONE_CLICK_LINK_VALID", ""),
        invalid=notice.get("ONE_CLICK_LINK_INVALID", ""),
    )
    send(email, TAKEOVER_SUBJECT.format(brand=brand()), text)
    logger.info("account takeover notice sent", extra={"event_id": notice.get("EVENT_ID")})


@app.custom_email_sender
def code_message(event: CustomEmailSenderEvent) -> None:
    request = event.request
    message = MESSAGES.get(event.trigger_source)
    if message is None:  # a source newer than this module: still deliver the code
        logger.warning("no branded message for this source; sending a plain one")
        message = Message("Your {brand} code", "Your code is {code}.")
    email = request.user_attributes.get("email")
    if not email:
        raise LookupError("the user has no e-mail address to send the code to")
    code = request.decrypt_code()
    fields = {
        "brand": brand(),
        "name": request.user_attributes.get("given_name") or "there",
        "email": email,
    }
    subject = message.subject.format(**fields)
    send(email, subject, message.body.format(code=code.get_secret_value(), **fields))


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
