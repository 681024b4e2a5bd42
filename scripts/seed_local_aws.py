"""Seed the local AWS (a moto server) that ``make run`` gives the example functions.

Creates what the deployed stack would hold, under the names the template resolves to locally
(``!Ref LegacyUsersTable`` is the logical id, ``${AWS::StackName}`` the project folder's name),
with the users and clients of the sample events in ``events/``. The custom sender events get a real
code, encrypted as Cognito does under the local KMS key, which their functions find in ``KEY_ARN``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import boto3
from argon2 import PasswordHasher

from cognito_triggers.sender_code import encrypt_code
from cognito_triggers.sources import TriggerFamily
from cognito_triggers_tools.cfn import Template, logical_id_of_arn

REGION = "us-east-1"
# What the sender events carry once decrypted: a code, or (invitations) a temporary password,
# which Cognito HTML-escapes before encrypting it.
SAMPLE_CODE = "482913"
SAMPLE_TEMPORARY_PASSWORD = "Tmp<Pa55word&"


def _env(template: Template, function: str, name: str) -> str:
    value = template.resolve(template.function_environment(function).get(name))
    if value is None:
        raise ValueError(f"{function}: {name} cannot be resolved locally")
    return value


def _event(events_dir: Path, source: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((events_dir / f"{source}.json").read_text(encoding="utf-8"))
    return event


def _sender_codes(events_dir: Path, pool_id: str, key_arn: str) -> dict[str, dict[str, Any]]:
    """By source, a code Cognito could have sent in that sender event. (The SDK's KMS
    client finds the local AWS through AWS_ENDPOINT_URL, which the run sets while seeding.)"""
    families = (TriggerFamily.CustomEmailSender, TriggerFamily.CustomSMSSender)
    requests = {}
    for source in (s for family in families for s in family.sources):
        path = events_dir / f"{source.value}.json"
        if not path.is_file():
            continue
        if _event(events_dir, source.value)["request"].get("code") is None:
            continue  # account-takeover notices carry none
        invitation = source.operation == "AdminCreateUser"
        code = html.escape(SAMPLE_TEMPORARY_PASSWORD, quote=False) if invitation else SAMPLE_CODE
        ciphertext = encrypt_code(code, user_pool_id=pool_id, key_arn=key_arn)
        requests[source.value] = {"request": {"code": ciphertext}}
    return requests


def _key_environment(template: Template, key: str, key_arn: str) -> dict[str, dict[str, str]]:
    """The variables ``!GetAtt <key>.Arn`` sets, by function: nothing resolves it locally."""
    environments: dict[str, dict[str, str]] = {}
    for function in template.of_type("AWS::Serverless::Function"):
        for name, value in template.function_environment(function).items():
            if logical_id_of_arn(value) == key:
                environments.setdefault(function, {})[str(name)] = key_arn
    return environments


def seed(endpoint_url: str, template: Template, events_dir: Path) -> dict[str, Any]:
    """Create the pool, groups, legacy table, SES identity, client-claims parameter and the key of
    the sender codes; return the event fields to override (moto picks its own user pool id), the
    sender events' encrypted codes (``bySource``) and the key's ARN for the functions that name
    it (``functionEnvironment``)."""
    kwargs: dict[str, Any] = {"endpoint_url": endpoint_url, "region_name": REGION}

    cognito = boto3.client("cognito-idp", **kwargs)
    pool_id = cognito.create_user_pool(PoolName="cognito-triggers-local")["UserPool"]["Id"]
    for group in ("admins", "editors", "members"):
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    confirmed = _event(events_dir, "PostConfirmation_ConfirmSignUp")
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=confirmed["userName"],
        # The account-takeover notice names this user; the e-mail sender looks the address up.
        UserAttributes=[
            {"Name": "email", "Value": confirmed["request"]["userAttributes"]["email"]}
        ],
        MessageAction="SUPPRESS",
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

    ses = boto3.client("ses", **kwargs)
    for function in ("CreateAuthChallengeFunction", "CustomEmailSenderFunction"):
        ses.verify_email_identity(EmailAddress=_env(template, function, "SENDER_EMAIL"))

    machine = _event(events_dir, "TokenGeneration_ClientCredentials")
    boto3.client("ssm", **kwargs).put_parameter(
        Name=_env(template, "PreTokenGenerationFunction", "CLIENT_CLAIMS_PARAMETER"),
        Type="String",
        Value=json.dumps(
            {
                machine["callerContext"]["clientId"]: {
                    "department": "support",
                    "groups": ["agents", "support"],
                }
            }
        ),
    )
    key = logical_id_of_arn(
        template.resources["UserPool"]["Properties"]["LambdaConfig"]["KMSKeyID"]
    )
    assert key is not None, "UserPool.LambdaConfig.KMSKeyID is not !GetAtt <key>.Arn"
    key_arn = boto3.client("kms", **kwargs).create_key()["KeyMetadata"]["Arn"]
    return {
        "userPoolId": pool_id,
        "bySource": _sender_codes(events_dir, pool_id, key_arn),
        "functionEnvironment": _key_environment(template, key, key_arn),
    }
