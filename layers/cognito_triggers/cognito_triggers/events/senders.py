"""The custom sender triggers: CustomEmailSender and CustomSMSSender (invoked asynchronously)."""

from __future__ import annotations

from .envelope import AttributeMap, CognitoModel, EmptyResponse, UserTriggerEvent
from .model import SecretStr, field

__all__ = ["CustomEmailSenderEvent", "CustomSMSSenderEvent", "CustomSenderRequest"]


class CustomSenderRequest(CognitoModel):
    type: str
    """``customEmailSenderRequestV1`` or ``customSMSSenderRequestV1``."""
    code: SecretStr | None = None
    """The code or temporary password, encrypted with the pool's KMS key (base64); null when the
    message has none. Masked in reprs and logs."""
    user_attributes: AttributeMap
    client_metadata: AttributeMap | None = None


class CustomEmailSenderEvent(UserTriggerEvent):
    """Deliver an email Cognito would have sent. Nothing is read back."""

    request: CustomSenderRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)


class CustomSMSSenderEvent(UserTriggerEvent):
    """Deliver an SMS Cognito would have sent. Nothing is read back."""

    request: CustomSenderRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)
