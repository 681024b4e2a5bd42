"""The code of custom sender events: encrypted as Cognito does it (AWS Encryption SDK, message
format 1, the non-committing AES-256-GCM/HKDF-SHA384/ECDSA-P384 suite, context ``userpool-id``)
under moto's KMS, and decrypted through ``event.request.decrypt_code()``."""

from __future__ import annotations

import base64
import html
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_encryption_sdk import (  # type: ignore[import-untyped]
    Algorithm,
    CommitmentPolicy,
    EncryptionSDKClient,
    StrictAwsKmsMasterKeyProvider,
)
from moto import mock_aws

from cognito_triggers import (
    CodeDecryptionError,
    CustomEmailSenderEvent,
    CustomSMSSenderEvent,
    SecretStr,
    TriggerRouter,
    parse_event,
)
from cognito_triggers.events.senders import CustomSenderRequest
from cognito_triggers.sender_code import CONTEXT_KEY, _key_provider, decrypt_code, encrypt_code
from cognito_triggers.testing import USER_POOL_ID, invoke, make_event

CODE = "482913"
SUITE = Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384


@pytest.fixture
def key_arn(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("KEY_ARN", raising=False)
    with mock_aws():
        yield _new_key()


def _new_key() -> str:
    arn: str = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    return arn


def _sender_event(source: str, ciphertext: str, **overrides: Any) -> dict[str, Any]:
    return make_event(source, request={"code": ciphertext}, **overrides)


def _sdk_encrypt(key_arn: str, context: dict[str, str], code: str = CODE) -> str:
    # The SDK directly, for messages Cognito would never send (no context, another pool).
    client = EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
    provider = StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
    message, _ = client.encrypt(
        source=code.encode(), key_provider=provider, encryption_context=context, algorithm=SUITE
    )
    return base64.b64encode(message).decode()


def test_codes_are_encrypted_as_cognito_sends_them(key_arn: str) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    message = base64.b64decode(ciphertext)
    # Message format 1, type 0x80 (customer AE data), suite 0x0378: what Cognito's codes start
    # with (AYAD... in base64), like the sample events'.
    assert message[:4] == bytes([0x01, 0x80, 0x03, 0x78])
    assert ciphertext[:4] == make_event("CustomEmailSender_SignUp")["request"]["code"][:4]
    client = EncryptionSDKClient(commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
    plaintext, header = client.decrypt(
        source=message, key_provider=StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
    )
    assert plaintext == CODE.encode()
    assert header.algorithm is SUITE
    assert header.encryption_context[CONTEXT_KEY] == USER_POOL_ID


def test_the_sdks_default_commitment_policy_refuses_cognitos_codes(key_arn: str) -> None:
    # Why the helper exists: the obvious SDK call fails on every real code.
    message = base64.b64decode(encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn))
    with pytest.raises(Exception, match="commit"):
        EncryptionSDKClient().decrypt(
            source=message, key_provider=StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
        )


@pytest.mark.parametrize("source", ["CustomEmailSender_SignUp", "CustomSMSSender_ForgotPassword"])
def test_a_handler_gets_the_plaintext_in_one_call(key_arn: str, source: str) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    app = TriggerRouter()
    seen: list[SecretStr] = []

    def deliver(event: CustomEmailSenderEvent | CustomSMSSenderEvent) -> None:
        seen.append(event.request.decrypt_code(key_arn))

    app.custom_email_sender(deliver)
    app.custom_sms_sender(deliver)
    invoke(app, _sender_event(source, ciphertext))
    assert seen == [SecretStr(CODE)]
    assert seen[0].get_secret_value() == CODE
    assert CODE not in repr(seen[0])
    assert CODE not in str(seen[0])


def test_the_key_comes_from_key_arn_in_the_environment(
    key_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    event = parse_event(_sender_event("CustomSMSSender_Authentication", ciphertext))
    assert isinstance(event, CustomSMSSenderEvent)
    with pytest.raises(CodeDecryptionError, match="pass key_arn= or set KEY_ARN"):
        event.request.decrypt_code()
    monkeypatch.setenv("KEY_ARN", key_arn)
    assert event.request.decrypt_code().get_secret_value() == CODE


def test_temporary_passwords_come_back_unescaped(key_arn: str) -> None:
    password = "Tmp<Pa&ss>9"
    # Cognito HTML-escapes temporary passwords before it encrypts them.
    escaped = html.escape(password, quote=False)
    ciphertext = encrypt_code(escaped, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    event = parse_event(_sender_event("CustomEmailSender_AdminCreateUser", ciphertext))
    assert isinstance(event, CustomEmailSenderEvent)
    assert event.request.decrypt_code(key_arn).get_secret_value() == password


def _refused(event: dict[str, Any], key_arn: str) -> CodeDecryptionError:
    parsed = parse_event(event)
    assert isinstance(parsed, CustomEmailSenderEvent | CustomSMSSenderEvent)
    with pytest.raises(CodeDecryptionError) as raised:
        parsed.request.decrypt_code(key_arn)
    return raised.value


def _assert_reveals_nothing(error: CodeDecryptionError, ciphertext: str) -> None:
    text = str(error)
    assert CODE not in text
    assert ciphertext[:16] not in text
    assert ciphertext[-16:] not in text
    # No chained SDK error, whose text may quote the message.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_a_code_under_another_key_is_refused(key_arn: str) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=_new_key())
    error = _refused(_sender_event("CustomEmailSender_SignUp", ciphertext), key_arn)
    assert key_arn in str(error)
    assert "cannot be decrypted" in str(error)
    _assert_reveals_nothing(error, ciphertext)


@pytest.mark.parametrize("where", [40, 200, -60, -1])
def test_a_tampered_message_is_refused(key_arn: str, where: int) -> None:
    message = bytearray(
        base64.b64decode(encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn))
    )
    message[where] ^= 0x01  # header, body or signature: each is authenticated
    ciphertext = base64.b64encode(message).decode()
    error = _refused(_sender_event("CustomEmailSender_ForgotPassword", ciphertext), key_arn)
    _assert_reveals_nothing(error, ciphertext)


def test_a_truncated_message_is_refused(key_arn: str) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)[:-40]
    error = _refused(_sender_event("CustomSMSSender_SignUp", ciphertext), key_arn)
    _assert_reveals_nothing(error, ciphertext)


def test_a_message_without_the_pool_context_is_refused(key_arn: str) -> None:
    ciphertext = _sdk_encrypt(key_arn, {})
    error = _refused(_sender_event("CustomEmailSender_SignUp", ciphertext), key_arn)
    assert f"has no {CONTEXT_KEY}" in str(error)
    _assert_reveals_nothing(error, ciphertext)


def test_a_message_for_another_pool_is_refused(key_arn: str) -> None:
    ciphertext = _sdk_encrypt(key_arn, {CONTEXT_KEY: "us-east-1_Someone3ls"})
    error = _refused(_sender_event("CustomSMSSender_ResendCode", ciphertext), key_arn)
    assert "us-east-1_Someone3ls" in str(error)
    assert USER_POOL_ID in str(error)
    _assert_reveals_nothing(error, ciphertext)


def test_the_event_of_another_pool_is_refused(key_arn: str) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    event = _sender_event("CustomEmailSender_SignUp", ciphertext, userPoolId="us-east-1_0ther0ne")
    _assert_reveals_nothing(_refused(event, key_arn), ciphertext)


@pytest.mark.parametrize("ciphertext", ["not base64!", "", "QUJD"])
def test_what_is_not_a_message_is_refused(key_arn: str, ciphertext: str) -> None:
    error = _refused(_sender_event("CustomEmailSender_SignUp", ciphertext), key_arn)
    assert "no code" in str(error) if not ciphertext else key_arn in str(error)


def test_an_account_takeover_notice_has_no_code_to_decrypt(key_arn: str) -> None:
    event = make_event("CustomEmailSender_AccountTakeOverNotification")
    assert "AccountTakeOverNotification" in str(_refused(event, key_arn))


def test_a_request_knows_the_pool_of_the_event_it_is_in(key_arn: str) -> None:
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    mine = parse_event(_sender_event("CustomEmailSender_SignUp", ciphertext))
    theirs = parse_event(
        _sender_event("CustomEmailSender_SignUp", ciphertext, userPoolId="us-east-1_0ther0ne")
    )
    assert isinstance(mine, CustomEmailSenderEvent)
    assert isinstance(theirs, CustomEmailSenderEvent)
    theirs.request = mine.request  # assigned: checked against the pool of the event it is in now
    with pytest.raises(CodeDecryptionError, match="us-east-1_0ther0ne"):
        theirs.request.decrypt_code(key_arn)
    assert mine.request.decrypt_code(key_arn).get_secret_value() == CODE
    assert (
        mine.to_dict()["request"]
        == _sender_event("CustomEmailSender_SignUp", ciphertext)["request"]
    )
    alone = CustomSenderRequest.model_validate(mine.to_dict()["request"])
    with pytest.raises(CodeDecryptionError, match="user pool is unknown"):
        alone.decrypt_code(key_arn)
    assert decrypt_code(alone.code, user_pool_id=USER_POOL_ID, key_arn=key_arn) == SecretStr(CODE)


def test_neither_code_nor_ciphertext_reaches_the_log(
    key_arn: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    good = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    bad = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=_new_key())
    app = TriggerRouter()

    @app.custom_email_sender
    def deliver(event: CustomEmailSenderEvent) -> None:
        event.request.decrypt_code(key_arn)

    app.lambda_handler(_sender_event("CustomEmailSender_SignUp", good))
    with pytest.raises(Exception, match="Something went wrong"):
        app.lambda_handler(_sender_event("CustomEmailSender_SignUp", bad))
    assert any("CodeDecryptionError" in r.getMessage() for r in caplog.records)
    logged = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    for secret in (CODE, good[:16], good[-16:], bad[:16], bad[-16:]):
        assert secret not in logged


def test_the_sdk_is_imported_only_when_a_code_is_decrypted() -> None:
    # Other triggers' cold start and import path stay as they were; so does a sender's until it
    # decrypts.
    heavy = "('aws_encryption_sdk', 'cryptography', 'boto3', 'botocore')"
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, cognito_triggers\n"
            "from cognito_triggers import CodeDecryptionError, CustomEmailSenderEvent\n"
            "from cognito_triggers.testing import make_event\n"
            "for source in ('CustomEmailSender_SignUp', 'CustomSMSSender_SignUp', "
            "'PreSignUp_SignUp'):\n"
            "    cognito_triggers.parse_event(make_event(source))\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert loaded == "[]"


def test_a_silent_kms_fails_the_decryption_inside_cognitos_wait(
    key_arn: str,
    silent_endpoint: tuple[str, list[socket.socket]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The KMS client has aws.client_config()'s timeouts and attempts, not botocore's 60 s ones."""
    ciphertext = encrypt_code(CODE, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    url, accepted = silent_endpoint
    _key_provider.cache_clear()  # the next provider's KMS client is made for the endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", url)  # moto lets a call to it through
    with pytest.raises(CodeDecryptionError):
        decrypt_code(ciphertext, user_pool_id=USER_POOL_ID, key_arn=key_arn)
    assert len(accepted) == 2  # the call and one retry
