"""Seed the local AWS (a moto server) that ``make run`` gives the example functions.

Creates what the deployed stack would hold, under the names the template resolves to locally
(``!Ref LegacyUsersTable`` is the logical id, ``${AWS::StackName}`` is ``cognito-triggers-local``),
with the users and clients of the sample events in ``events/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from argon2 import PasswordHasher

from cognito_triggers.dev.cfn import Template

REGION = "us-east-1"


def _env(template: Template, function: str, name: str) -> str:
    value = template.resolve(template.function_environment(function).get(name))
    if value is None:
        raise ValueError(f"{function}: {name} cannot be resolved locally")
    return value


def _event(events_dir: Path, source: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((events_dir / f"{source}.json").read_text(encoding="utf-8"))
    return event


def seed(endpoint_url: str, template: Template, events_dir: Path) -> dict[str, Any]:
    """Create the pool, groups, legacy table, SES identity and client-claims parameter; return
    the event fields to override (moto picks its own user pool id)."""
    kwargs: dict[str, Any] = {"endpoint_url": endpoint_url, "region_name": REGION}

    cognito = boto3.client("cognito-idp", **kwargs)
    pool_id = cognito.create_user_pool(PoolName="cognito-triggers-local")["UserPool"]["Id"]
    for group in ("admins", "editors", "members"):
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    confirmed = _event(events_dir, "PostConfirmation_ConfirmSignUp")
    cognito.admin_create_user(
        UserPoolId=pool_id, Username=confirmed["userName"], MessageAction="SUPPRESS"
    )

    table = _env(template, "UserMigrationFunction", "LEGACY_USERS_TABLE")
    dynamodb = boto3.client("dynamodb", **kwargs)
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
    )
    migrating = _event(events_dir, "UserMigration_Authentication")
    dynamodb.put_item(
        TableName=table,
        Item={
            "username": {"S": migrating["userName"]},
            "email": {"S": "jane.doe@example.com"},
            "given_name": {"S": "Jane"},
            "tenant": {"S": "acme"},
            "password_hash": {"S": PasswordHasher().hash(migrating["request"]["password"])},
        },
    )

    sender = _env(template, "CreateAuthChallengeFunction", "SENDER_EMAIL")
    boto3.client("ses", **kwargs).verify_email_identity(EmailAddress=sender)

    machine = _event(events_dir, "TokenGeneration_ClientCredentials")
    boto3.client("ssm", **kwargs).put_parameter(
        Name=_env(template, "PreTokenGenerationFunction", "CLIENT_CLAIMS_PARAMETER"),
        Type="String",
        Value=json.dumps(
            {
                machine["callerContext"]["clientId"]: {
                    "department": "support",
                    "groups": ["agents", "gateway"],
                }
            }
        ),
    )
    return {"userPoolId": pool_id}
