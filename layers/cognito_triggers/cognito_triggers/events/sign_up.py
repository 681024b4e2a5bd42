"""Sign-up triggers: PreSignUp (``PreSignUp_*``) and PostConfirmation (``PostConfirmation_*``)."""

from __future__ import annotations

from .envelope import AttributeMap, CognitoModel, EmptyResponse, UserTriggerEvent
from .model import field

__all__ = [
    "PostConfirmationEvent",
    "PostConfirmationRequest",
    "PreSignUpEvent",
    "PreSignUpRequest",
    "PreSignUpResponse",
]


class PreSignUpRequest(CognitoModel):
    user_attributes: AttributeMap
    validation_data: AttributeMap | None = None
    """``ValidationData`` of SignUp/AdminCreateUser; ``null`` when none was sent."""
    client_metadata: AttributeMap | None = None
    """Usually absent: present only when the API call sent ``ClientMetadata``."""


class PreSignUpResponse(CognitoModel):
    """Cognito ignores all three flags for ``PreSignUp_AdminCreateUser``, so the router refuses
    ``True`` there."""

    auto_confirm_user: bool | None = None
    auto_verify_email: bool | None = None
    auto_verify_phone: bool | None = None


class PreSignUpEvent(UserTriggerEvent):
    """Before a user is created: sign-up, ``AdminCreateUser``, or a first federated sign-in."""

    request: PreSignUpRequest
    response: PreSignUpResponse = field(default_factory=PreSignUpResponse)


class PostConfirmationRequest(CognitoModel):
    user_attributes: AttributeMap
    client_metadata: AttributeMap | None = None


class PostConfirmationEvent(UserTriggerEvent):
    """After a user confirms sign-up or a forgotten-password reset. Cognito reads no response."""

    request: PostConfirmationRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)
