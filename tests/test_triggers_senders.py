"""The custom sender functions, called like Lambda calls them: codes encrypted as Cognito does under
moto's KMS, delivered through moto's SES and SNS."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

import custom_email_sender
import custom_sms_sender
from cognito_triggers.aws import reset_clients
from cognito_triggers.sender_code import encrypt_code
from cognito_triggers.testing import lambda_context, make_event

CONTEXT = lambda_context()


SENDER = "no-reply@example.com"
CODE = "482913"


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A KMS key in moto, named by KEY_ARN as the template does; SES with the sender verified."""
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_METRICS_NAMESPACE": "Test",
        "SENDER_EMAIL": SENDER,
        "BRAND_NAME": "Acme Cloud",
    }.items():
        monkeypatch.setenv(name, value)
    reset_clients()  # each test's clients are made inside its own mock_aws()
    with mock_aws():
        key_arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
        monkeypatch.setenv("KEY_ARN", key_arn)
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        yield key_arn


def _event(source: str, key_arn: str, code: str = CODE, **overrides: Any) -> dict[str, Any]:
    event = make_event(source, **overrides)
    event["request"]["code"] = encrypt_code(code, user_pool_id=event["userPoolId"], key_arn=key_arn)
    return event


def _emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def _texts() -> list[tuple[str, str]]:
    return list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())


@pytest.mark.parametrize("source", sorted(custom_email_sender.MESSAGES))
def test_each_email_is_branded_and_carries_the_code(aws: str, source: str) -> None:
    event = _event(source, aws)
    assert custom_email_sender.lambda_handler(event, CONTEXT) == event  # nothing to answer
    (sent,) = _emails()
    assert sent.source == SENDER
    assert sent.destinations["ToAddresses"] == ["jane.doe@example.com"]
    assert "Acme Cloud" in sent.subject
    assert CODE in sent.body
    assert event["request"]["code"] not in sent.body
    if source != "CustomEmailSender_Authentication":
        assert "Hi Jane" in sent.body


def test_a_temporary_password_is_sent_as_the_user_types_it(aws: str) -> None:
    password = "Tmp<Pa&ss>9"
    event = _event(
        "CustomEmailSender_AdminCreateUser", aws, code=html.escape(password, quote=False)
    )
    custom_email_sender.lambda_handler(event, CONTEXT)
    (sent,) = _emails()
    assert html.escape(password) in sent.body  # the HTML part, escaped once
    assert "jane.doe@example.com" in sent.body


def test_the_account_takeover_notice_goes_to_the_users_address(aws: str) -> None:
    event = make_event("CustomEmailSender_AccountTakeOverNotification")
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    user = event["request"]["userAttributes"]["USER_NAME"]
    idp.admin_create_user(
        UserPoolId=pool,
        Username=user,
        UserAttributes=[{"Name": "email", "Value": "jane.doe@example.com"}],
        MessageAction="SUPPRESS",
    )
    event["userPoolId"] = pool
    event["request"]["userAttributes"].update(CITY="Lisbon", COUNTRY="Portugal")
    custom_email_sender.lambda_handler(event, CONTEXT)
    (sent,) = _emails()
    assert sent.destinations["ToAddresses"] == ["jane.doe@example.com"]
    assert "Lisbon, Portugal (192.0.2.44)" in sent.body
    assert "We blocked it." in sent.body
    assert "https://auth.example.com/invalid" in sent.body


def test_an_email_without_an_address_is_not_sent(aws: str) -> None:
    event = _event("CustomEmailSender_SignUp", aws, request={"userAttributes": {"email": ""}})
    with pytest.raises(Exception, match="Something went wrong"):
        custom_email_sender.lambda_handler(event, CONTEXT)
    assert _emails() == []


def test_a_code_under_another_key_is_not_sent(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEY_ARN", boto3.client("kms").create_key()["KeyMetadata"]["Arn"])
    with pytest.raises(Exception, match="Something went wrong"):
        custom_email_sender.lambda_handler(_event("CustomEmailSender_SignUp", aws), CONTEXT)
    assert _emails() == []


@pytest.mark.parametrize("source", sorted(custom_sms_sender.MESSAGES))
def test_each_sms_is_branded_short_and_carries_the_code(aws: str, source: str) -> None:
    event = _event(source, aws, code="Tmp&lt;Pass9" if "AdminCreateUser" in source else CODE)
    assert custom_sms_sender.lambda_handler(event, CONTEXT) == event
    ((phone, text),) = _texts()
    assert phone == "+14255550123"
    assert text.startswith(("Acme Cloud", "Welcome to Acme Cloud", "You are invited to Acme"))
    assert ("Tmp<Pass9" in text) if "AdminCreateUser" in source else (CODE in text)
    assert len(text) <= 140


def test_an_sms_without_a_phone_number_is_not_sent(aws: str) -> None:
    event = _event("CustomSMSSender_SignUp", aws)
    del event["request"]["userAttributes"]["phone_number"]
    with pytest.raises(Exception, match="Something went wrong"):
        custom_sms_sender.lambda_handler(event, CONTEXT)
    assert _texts() == []
