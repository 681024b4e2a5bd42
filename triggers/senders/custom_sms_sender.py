"""CustomSMSSender: every SMS the pool sends, branded and delivered through SNS.

Cognito hands over the code encrypted under the pool's KMS key (``KEY_ARN``);
``event.request.decrypt_code()`` gives it back. Messages are transactional (SNS delivers them
first, and to numbers that opted out of promotions) and short enough for one SMS. Cognito invokes
this function asynchronously and Lambda retries a failure twice, so a message may, rarely, arrive
twice. Environment: ``BRAND_NAME``, ``KEY_ARN``.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from cognito_triggers import CustomSMSSenderEvent, Metrics, TriggerRouter, aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_sns import SNSClient

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)

# {brand}, {code} and {phone} are filled in. At most 140 characters once filled.
MESSAGES: dict[str, str] = {
    "CustomSMSSender_SignUp": "Welcome to {brand}! Your confirmation code is {code}",
    "CustomSMSSender_ResendCode": "{brand}: your new confirmation code is {code}",
    "CustomSMSSender_ForgotPassword": (
        "{brand}: your password reset code is {code}. Didn't ask for it? Ignore this message"
    ),
    "CustomSMSSender_UpdateUserAttribute": "{brand}: confirm your new number with code {code}",
    "CustomSMSSender_VerifyUserAttribute": "{brand}: your verification code is {code}",
    "CustomSMSSender_AdminCreateUser": (
        "You are invited to {brand}: sign in as {phone} with temporary password {code}"
    ),
    "CustomSMSSender_Authentication": "{brand}: your sign-in code is {code}. Never share it",
}
FALLBACK = "{brand}: your code is {code}"


@aws.lazy_client
def sns() -> SNSClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("sns", config=aws.client_config())


def send(phone_number: str, text: str) -> None:
    sns().publish(
        PhoneNumber=phone_number,
        Message=text,
        MessageAttributes={
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        },
    )
    metrics.add_metric(name="SmsSent", unit="Count", value=1)


@app.custom_sms_sender
def code_message(event: CustomSMSSenderEvent) -> None:
    request = event.request
    template = MESSAGES.get(event.trigger_source)
    if template is None:  # a source newer than this module: still deliver the code
        logger.warning("no branded message for this source; sending a plain one")
        template = FALLBACK
    phone = request.user_attributes.get("phone_number")
    if not phone:
        raise LookupError("the user has no phone number to send the code to")
    code = request.decrypt_code()
    brand = os.environ.get("BRAND_NAME", "Example")
    send(phone, template.format(brand=brand, phone=phone, code=code.get_secret_value()))


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
