"""The code in a custom sender event, decrypted; and encrypted the way Cognito does it, for tests.

Cognito does not hand ``CustomEmailSender``/``CustomSMSSender`` functions the code or temporary
password itself: ``request.code`` is an AWS Encryption SDK message (base64), encrypted under the
KMS key the pool names in ``LambdaConfig.KMSKeyID`` with the encryption context
``{"userpool-id": <pool id>}``
(https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-sender-triggers.html).
Two things trip people up: KMS ``Decrypt`` on it fails with ``InvalidCiphertextException`` (the
message wraps a data key; it is not a KMS ciphertext), and the SDK's default commitment policy
refuses it, because Cognito uses message format 1 and the non-committing suite
AES-256-GCM/HKDF-SHA384/ECDSA-P384. So this module decrypts with the SDK, a KMS key provider that
trusts the one configured key only, and ``FORBID_ENCRYPT_ALLOW_DECRYPT``, then checks the context.

The SDK and its KMS client cost 200-300 ms to import: they are imported on the first call, so the
other triggers' cold start and import path do not change. Install them with the ``senders`` extra
(``pip install "cognito-triggers[senders]"``).
"""

from __future__ import annotations

import base64
import binascii
import html
import os
from functools import cache
from typing import TYPE_CHECKING

from .errors import CognitoTriggersError
from .events.model import SecretStr

if TYPE_CHECKING:
    from aws_encryption_sdk import (  # type: ignore[import-untyped]
        EncryptionSDKClient,
        StrictAwsKmsMasterKeyProvider,
    )

__all__ = ["CONTEXT_KEY", "KEY_ARN_VARIABLE", "CodeDecryptionError", "decrypt_code", "encrypt_code"]

CONTEXT_KEY = "userpool-id"
"""The encryption-context key that names the user pool (also the KMS policy condition key
``kms:EncryptionContext:userpool-id``)."""
KEY_ARN_VARIABLE = "KEY_ARN"
"""The environment variable naming the key when no ``key_arn`` is passed."""


class CodeDecryptionError(CognitoTriggersError):
    """The code of a custom sender event cannot be decrypted.

    Raised for a missing code or key, a message that is not an Encryption SDK message or was
    altered, a key other than the configured one, an encryption context that does not name the
    event's user pool, and KMS refusing or failing. The message says which, and names the key and
    the pool; it never holds the ciphertext or the code, and the SDK's own exception is not
    chained (its text may quote the message).
    """


@cache
def _client() -> EncryptionSDKClient:
    import aws_encryption_sdk

    # Decrypts Cognito's non-committing messages; encrypts (encrypt_code) as Cognito does.
    policy = aws_encryption_sdk.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
    return aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)


@cache
def _key_provider(key_arn: str) -> StrictAwsKmsMasterKeyProvider:
    # Strict: decrypts data keys wrapped by this key only, never one the message names. Created
    # once per key and reused by warm invocations (it holds the KMS client).
    import botocore.session
    from aws_encryption_sdk import StrictAwsKmsMasterKeyProvider

    from .aws import client_config

    # Its KMS client gives up inside Cognito's wait, as every client should (aws.py): a hanging
    # KMS is a logged, counted failure, not Lambda's timeout.
    session = botocore.session.Session()
    session.set_default_client_config(client_config())
    return StrictAwsKmsMasterKeyProvider(key_ids=[key_arn], botocore_session=session)


def _key_arn(key_arn: str | None) -> str:
    arn = key_arn or os.environ.get(KEY_ARN_VARIABLE, "")
    if not arn.startswith("arn:") or ":key/" not in arn:
        shown = f" ({arn!r} is not a KMS key ARN)" if arn else ""
        raise CodeDecryptionError(
            f"no KMS key to decrypt the code with{shown}: pass key_arn= or set {KEY_ARN_VARIABLE} "
            "to the ARN of the key in the pool's LambdaConfig.KMSKeyID"
        )
    return arn


def _why(error: BaseException) -> str:
    # The SDK's class name, and KMS's error code when KMS answered: enough to act on, without
    # quoting a message that may hold the ciphertext.
    reasons = [type(error).__name__]
    cause = error.__cause__ or error.__context__
    while cause is not None:
        response = getattr(cause, "response", None)  # botocore's ClientError
        if isinstance(response, dict) and response.get("Error", {}).get("Code"):
            reasons.append(f"KMS {response['Error']['Code']}")
            break
        cause = cause.__cause__ or cause.__context__
    return ", ".join(reasons)


def decrypt_code(
    code: SecretStr | str | None, *, user_pool_id: str, key_arn: str | None = None
) -> SecretStr:
    """The plaintext of a custom sender event's ``request.code``, HTML-unescaped (Cognito escapes
    ``<``, ``>`` and ``&`` in temporary passwords): the code as the user must type it.

    ``event.request.decrypt_code()`` calls this with the event's user pool. ``key_arn`` defaults
    to the environment variable ``KEY_ARN``. The message must be encrypted under that key, with
    the encryption context ``userpool-id`` equal to ``user_pool_id``; anything else raises
    :class:`CodeDecryptionError`.
    """
    if code is None or not len(code):
        raise CodeDecryptionError(
            "this event carries no code to decrypt (AccountTakeOverNotification events never do)"
        )
    arn = _key_arn(key_arn)
    text = code.get_secret_value() if isinstance(code, SecretStr) else code
    where = f"under KMS key {arn} for user pool {user_pool_id}"
    try:
        message = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CodeDecryptionError(f"the code is not base64: cannot decrypt it {where}") from None
    try:
        plaintext, header = _client().decrypt(source=message, key_provider=_key_provider(arn))
    except Exception as error:  # the SDK's, botocore's and any parse error alike
        raise CodeDecryptionError(
            f"the code cannot be decrypted {where}: {_why(error)} (altered, encrypted under "
            "another key, or KMS refused)"
        ) from None
    context: dict[str, str] = header.encryption_context
    if context.get(CONTEXT_KEY) != user_pool_id:
        theirs = context.get(CONTEXT_KEY)
        found = f"names user pool {theirs}" if theirs else f"has no {CONTEXT_KEY}"
        raise CodeDecryptionError(
            f"the code was not encrypted for this user pool: its encryption context {found}, "
            f"the event comes from {user_pool_id}"
        )
    try:
        return SecretStr(html.unescape(plaintext.decode("utf-8")))
    except UnicodeDecodeError:
        raise CodeDecryptionError(f"the code decrypted {where} is not UTF-8 text") from None


def encrypt_code(code: str, *, user_pool_id: str, key_arn: str) -> str:
    """Encrypt ``code`` as Cognito does for a custom sender event (base64 of an Encryption SDK
    message, format 1, AES-256-GCM/HKDF-SHA384/ECDSA-P384, context ``userpool-id``): for tests
    and local runs, where no Cognito encrypts. Cognito HTML-escapes temporary passwords first; to
    imitate that, pass ``html.escape(password, quote=False)``. Calls KMS ``GenerateDataKey``.
    """
    from aws_encryption_sdk import Algorithm

    message: bytes
    message, _ = _client().encrypt(
        source=code.encode("utf-8"),
        key_provider=_key_provider(key_arn),
        encryption_context={CONTEXT_KEY: user_pool_id},
        # Message format 1, no key commitment, signed with ECDSA P-384: what Cognito sends.
        algorithm=Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    )
    return base64.b64encode(message).decode("ascii")
