"""The custom authentication challenge triggers: Define, Create and VerifyAuthChallengeResponse."""

from __future__ import annotations

from typing import ClassVar

from .envelope import AttributeMap, CognitoModel, UserTriggerEvent
from .model import SecretStr, field

__all__ = [
    "ChallengeResult",
    "CreateAuthChallengeEvent",
    "CreateAuthChallengeRequest",
    "CreateAuthChallengeResponse",
    "DefineAuthChallengeEvent",
    "DefineAuthChallengeRequest",
    "DefineAuthChallengeResponse",
    "VerifyAuthChallengeResponseEvent",
    "VerifyAuthChallengeResponseRequest",
    "VerifyAuthChallengeResponseResponse",
]


class ChallengeResult(CognitoModel):
    """One earlier step of the sign-in, oldest first in ``session``."""

    _hidden_fields: ClassVar[frozenset[str]] = frozenset({"challenge_metadata"})

    challenge_name: str
    """``CUSTOM_CHALLENGE``, ``SRP_A``, ``PASSWORD_VERIFIER``, an MFA challenge, ..."""
    challenge_result: bool
    challenge_metadata: str | None = None
    """Only for ``CUSTOM_CHALLENGE``: what CreateAuthChallenge put in ``challengeMetadata``.
    Never shown by ``repr`` or ``redact_event``."""


class DefineAuthChallengeRequest(CognitoModel):
    user_attributes: AttributeMap
    session: list[ChallengeResult]
    client_metadata: AttributeMap | None = None
    user_not_found: bool | None = None


class DefineAuthChallengeResponse(CognitoModel):
    challenge_name: str | None = None
    issue_tokens: bool | None = None
    fail_authentication: bool | None = None


class DefineAuthChallengeEvent(UserTriggerEvent):
    """Decides the next step of a custom sign-in: another challenge, tokens, or failure."""

    request: DefineAuthChallengeRequest
    response: DefineAuthChallengeResponse = field(default_factory=DefineAuthChallengeResponse)


class CreateAuthChallengeRequest(CognitoModel):
    user_attributes: AttributeMap
    challenge_name: str
    session: list[ChallengeResult]
    client_metadata: AttributeMap | None = None
    user_not_found: bool | None = None


class CreateAuthChallengeResponse(CognitoModel):
    # Metadata is where applications keep state between challenges, often the code itself.
    _hidden_fields: ClassVar[frozenset[str]] = frozenset({"challenge_metadata"})

    public_challenge_parameters: AttributeMap | None = None
    """Sent to the client as ``ChallengeParameters``."""
    private_challenge_parameters: AttributeMap | None = None
    """Passed only to VerifyAuthChallengeResponse: where the expected answer goes."""
    challenge_metadata: str | None = None


class CreateAuthChallengeEvent(UserTriggerEvent):
    """Creates the challenge Define chose. Often sends a code: keep it idempotent (Cognito may
    retry on a slow cold start)."""

    request: CreateAuthChallengeRequest
    response: CreateAuthChallengeResponse = field(default_factory=CreateAuthChallengeResponse)


class VerifyAuthChallengeResponseRequest(CognitoModel):
    user_attributes: AttributeMap
    private_challenge_parameters: AttributeMap
    challenge_answer: SecretStr
    """The user's answer; masked in reprs and logs (``.get_secret_value()`` reads it)."""
    client_metadata: AttributeMap | None = None
    user_not_found: bool | None = None


class VerifyAuthChallengeResponseResponse(CognitoModel):
    answer_correct: bool | None = None


class VerifyAuthChallengeResponseEvent(UserTriggerEvent):
    """Checks the user's answer against ``privateChallengeParameters``."""

    request: VerifyAuthChallengeResponseRequest
    response: VerifyAuthChallengeResponseResponse = field(
        default_factory=VerifyAuthChallengeResponseResponse
    )
