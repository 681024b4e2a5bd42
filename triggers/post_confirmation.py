"""PostConfirmation: every confirmed user joins the default group (``DEFAULT_GROUP``)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from cognito_triggers import Metrics, PostConfirmationEvent, TriggerRouter, aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


@aws.lazy_client
def cognito() -> CognitoIdentityProviderClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("cognito-idp", config=aws.client_config())


def add_to_group(user_pool_id: str, user_name: str, group: str) -> None:
    # Idempotent: adding a member again succeeds, so a retried invocation is harmless.
    cognito().admin_add_user_to_group(UserPoolId=user_pool_id, Username=user_name, GroupName=group)


@app.post_confirmation(sources=["PostConfirmation_ConfirmSignUp"])
def join_default_group(event: PostConfirmationEvent) -> None:
    group = os.environ.get("DEFAULT_GROUP", "members")
    add_to_group(event.user_pool_id, event.user_name, group)
    metrics.add_metric(name="UserConfirmed", unit="Count", value=1)
    logger.info("user added to default group", extra={"group": group})


@app.post_confirmation(sources=["PostConfirmation_ConfirmForgotPassword"])
def password_reset(event: PostConfirmationEvent) -> None:
    metrics.add_metric(name="PasswordReset", unit="Count", value=1)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
