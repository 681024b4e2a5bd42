"""What the example's flow tests share: the users, the password, the legacy store's record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from botocore.exceptions import ClientError

PASSWORD = "Correct-Horse-9-battery!"  # meets the pool's policy; typed, never printed
TRUSTED = "ann@example.com"  # TrustedEmailDomain: confirmed by PreSignUp
ALLOWED = "bob@example.org"  # an AllowedEmailDomains address: confirms with a code
REFUSED = "eve@elsewhere.test"
INVITED = "carol@example.com"
LEGACY = "lee@example.org"  # in the legacy store only, until their first sign-in
DENY_TEXT = "Sign-up is open to example.com, example.org addresses only"
ATTRIBUTES = {"custom:tenant": "acme"}


def refused(call: Callable[[], object]) -> ClientError:
    """The ClientError ``call()`` raises; a failure if it succeeds."""
    try:
        call()
    except ClientError as error:
        return error
    raise AssertionError("the call succeeded; expected Cognito to refuse it")


def said(error: ClientError) -> str:
    return f"{error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}"


def legacy_user() -> dict[str, Any]:
    return {
        "username": {"S": LEGACY},
        "email": {"S": LEGACY},
        "given_name": {"S": "Lee"},
        "tenant": {"S": "legacy-co"},
        "password_hash": {"S": PasswordHasher().hash(PASSWORD)},
    }
