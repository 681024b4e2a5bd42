"""Authentication triggers: PreAuthentication and PostAuthentication."""

from __future__ import annotations

from .envelope import AttributeMap, CognitoModel, EmptyResponse, UserTriggerEvent
from .model import field

__all__ = [
    "PostAuthenticationEvent",
    "PostAuthenticationRequest",
    "PreAuthenticationEvent",
    "PreAuthenticationRequest",
]


class PreAuthenticationRequest(CognitoModel):
    user_attributes: AttributeMap
    validation_data: AttributeMap | None = None
    """Where the ``ClientMetadata`` of ``InitiateAuth`` arrives (not ``clientMetadata``)."""
    user_not_found: bool | None = None
    """Set only when the app client has ``PreventUserExistenceErrors`` enabled."""


class PreAuthenticationEvent(UserTriggerEvent):
    """Before Cognito checks a sign-in. Raise :class:`~cognito_triggers.Deny` to refuse it."""

    request: PreAuthenticationRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)


class PostAuthenticationRequest(CognitoModel):
    user_attributes: AttributeMap
    new_device_used: bool | None = None
    client_metadata: AttributeMap | None = None


class PostAuthenticationEvent(UserTriggerEvent):
    """After a successful sign-in. An error here still fails the sign-in."""

    request: PostAuthenticationRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)
