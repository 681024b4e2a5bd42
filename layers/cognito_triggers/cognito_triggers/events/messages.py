"""The CustomMessage trigger (``CustomMessage_*``): the text of verification and invitations."""

from __future__ import annotations

from typing import ClassVar

from .envelope import AttributeMap, CognitoModel, UserTriggerEvent
from .model import field

__all__ = ["CustomMessageEvent", "CustomMessageRequest", "CustomMessageResponse"]


class CustomMessageRequest(CognitoModel):
    user_attributes: AttributeMap
    code_parameter: str
    """The placeholder Cognito replaces with the code (``{####}``): put it in every message."""
    link_parameter: str | None = None
    username_parameter: str | None = None
    """The username placeholder (``{username}``), for ``CustomMessage_AdminCreateUser`` only."""
    client_metadata: AttributeMap | None = None


class CustomMessageResponse(CognitoModel):
    """Limits: SMS 140 characters, email body 20,000, subject 140. Email fields need the pool to
    send through SES (``EmailSendingAccount: DEVELOPER``)."""

    # Messages greet users by name and may carry links with tokens: never shown in repr.
    _hidden_fields: ClassVar[frozenset[str]] = frozenset(
        {"sms_message", "email_message", "email_subject"}
    )

    sms_message: str | None = None
    email_message: str | None = None
    email_subject: str | None = None


class CustomMessageEvent(UserTriggerEvent):
    request: CustomMessageRequest
    response: CustomMessageResponse = field(default_factory=CustomMessageResponse)
