"""The UserMigration trigger (``UserMigration_*``): bring a user over from a legacy store."""

from __future__ import annotations

from .envelope import AttributeMap, CognitoModel, UserTriggerEvent
from .model import SecretStr, field

__all__ = ["UserMigrationEvent", "UserMigrationRequest", "UserMigrationResponse"]


class UserMigrationRequest(CognitoModel):
    """No ``userAttributes`` here: the user does not exist yet; they go in the response."""

    password: SecretStr | None = None
    """The password typed at sign-in, masked in reprs and logs; absent for ``_ForgotPassword``."""
    validation_data: AttributeMap | None = None
    client_metadata: AttributeMap | None = None


class UserMigrationResponse(CognitoModel):
    user_attributes: AttributeMap | None = None
    """Required to migrate the user."""
    final_user_status: str | None = None
    """``CONFIRMED`` or ``RESET_REQUIRED`` (Cognito's default)."""
    message_action: str | None = None
    """``SUPPRESS`` to skip the welcome message."""
    desired_delivery_mediums: list[str] | None = None
    """``EMAIL`` and/or ``SMS`` (Cognito's default is SMS)."""
    force_alias_creation: bool | None = None
    enable_sms_mfa: bool | None = field(default=None, json_name="enableSMSMFA")


class UserMigrationEvent(UserTriggerEvent):
    """``userName`` is what the user typed at sign-in or forgot-password."""

    request: UserMigrationRequest
    response: UserMigrationResponse = field(default_factory=UserMigrationResponse)
