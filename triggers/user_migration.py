"""UserMigration: bring users over from the legacy store on their first sign-in or password reset.

The legacy store is a DynamoDB table (``LEGACY_USERS_TABLE``) keyed by ``username`` with the
user's ``email``, ``password_hash`` (argon2) and optional ``given_name``, ``family_name``,
``tenant``. A correct password migrates the user as ``CONFIRMED``; a forgotten password migrates
them so that Cognito can e-mail the reset code.

Nothing tells an unknown user from a wrong password: the same refusal, and the same argon2
verification (against a dummy hash) so both take the same time. The legacy record, password hash
included, never reaches a trace or a log.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cognito_triggers import Deny, Metrics, TriggerRouter, UserMigrationEvent, aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient

# The same words for an unknown user and a wrong password: nothing to enumerate.
REFUSAL = "Incorrect username or password"
# Verified in place of a missing user's hash, so that an unknown user costs a full verification
# too. Made by ``PasswordHasher()`` (the ``hasher`` below) from a random password nobody kept:
# its cost parameters are the hasher's (a test checks), which must be those of the legacy hashes.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$kQc2KffbzCIDeyWxVZc5RQ"
    "$HrdqAhPwWsav3zogaS8HnqF9EoSe7pQ73Bfa1RE46z0"
)

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)
hasher = PasswordHasher()


@aws.lazy_client
def dynamodb() -> DynamoDBClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("dynamodb", config=aws.client_config())


def legacy_user(username: str) -> dict[str, str] | None:
    """The legacy record as plain strings, or ``None``."""
    item = (
        dynamodb()
        .get_item(
            TableName=os.environ["LEGACY_USERS_TABLE"],
            Key={"username": {"S": username}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if not item:
        return None
    return {k: v["S"] for k, v in item.items() if "S" in v}


def password_matches(user: dict[str, str] | None, password: str) -> bool:
    """One full argon2 verification whether or not the user exists: the same time for both."""
    stored = user.get("password_hash") if user is not None else None
    try:
        return hasher.verify(stored or DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def cognito_attributes(user: dict[str, str]) -> dict[str, str]:
    attributes = {"email": user["email"], "email_verified": "true"}
    for legacy, attribute in (
        ("given_name", "given_name"),
        ("family_name", "family_name"),
        ("tenant", "custom:tenant"),
    ):
        if user.get(legacy):
            attributes[attribute] = user[legacy]
    return attributes


@app.user_migration
def migrate(event: UserMigrationEvent) -> None:
    found = legacy_user(event.user_name)
    user = found if found is not None and "email" in found else None
    response = event.response
    if event.trigger_source == "UserMigration_ForgotPassword":
        if user is None:
            metrics.add_metric(name="MigrationUserNotFound", unit="Count", value=1)
            raise Deny(REFUSAL)
        # No password to check: Cognito sends the reset code to the (verified) e-mail address.
        response.user_attributes = cognito_attributes(user)
        response.message_action = "SUPPRESS"
    else:
        password = event.request.password
        secret = password.get_secret_value() if password is not None else ""
        matches = password_matches(user, secret)  # verified even for an unknown user
        if user is None or not matches:
            outcome = "MigrationUserNotFound" if user is None else "MigrationWrongPassword"
            metrics.add_metric(name=outcome, unit="Count", value=1)
            raise Deny(REFUSAL)
        response.user_attributes = cognito_attributes(user)
        response.final_user_status = "CONFIRMED"
        response.message_action = "SUPPRESS"
    response.desired_delivery_mediums = ["EMAIL"]
    metrics.add_metric(name="UserMigrated", unit="Count", value=1)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
