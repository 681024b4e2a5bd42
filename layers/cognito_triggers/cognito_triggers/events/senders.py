"""The custom sender triggers: CustomEmailSender and CustomSMSSender (invoked asynchronously)."""

from __future__ import annotations

from copy import copy
from typing import Annotated

from pydantic_core import core_schema as cs

from .envelope import AttributeMap, CognitoModel, EmptyResponse, UserTriggerEvent
from .model import SecretStr, WithSchema, field

__all__ = ["CustomEmailSenderEvent", "CustomSMSSenderEvent", "CustomSenderRequest"]

_POOL = "_user_pool_id"


class CustomSenderRequest(CognitoModel):
    type: str
    """``customEmailSenderRequestV1`` or ``customSMSSenderRequestV1``."""
    code: SecretStr | None = None
    """The code or temporary password, encrypted with the pool's KMS key (base64); null when the
    message has none. Masked in reprs and logs: :meth:`decrypt_code` gives the plaintext."""
    user_attributes: AttributeMap
    client_metadata: AttributeMap | None = None

    def decrypt_code(self, key_arn: str | None = None) -> SecretStr:
        """The code to send, decrypted: the AWS Encryption SDK with the pool's KMS key
        (``key_arn``, else the environment variable ``KEY_ARN``), the encryption context checked
        against the event's ``userPoolId``. Imports the SDK on first use (the ``senders`` extra).

        Raises :class:`~cognito_triggers.CodeDecryptionError` when there is no code (account
        takeover notices) or it cannot be decrypted; the error never holds the code or ciphertext.

        Example::

            @app.custom_email_sender
            def send(event: CustomEmailSenderEvent) -> None:
                code = event.request.decrypt_code()
                deliver(event.request.user_attributes["email"], code.get_secret_value())
        """
        from ..sender_code import CodeDecryptionError, decrypt_code

        pool: str | None = getattr(self, _POOL, None)
        if pool is None:
            raise CodeDecryptionError(
                "this request was not received in an event, so its user pool is unknown: call "
                "cognito_triggers.sender_code.decrypt_code(code, user_pool_id=..., key_arn=...)"
            )
        return decrypt_code(self.code, user_pool_id=pool, key_arn=key_arn)


def _in_pool(request: CustomSenderRequest, info: cs.ValidationInfo) -> CustomSenderRequest:
    # The event's userPoolId (validated before ``request``) goes with its request: the code's
    # encryption context must name that pool. Kept private: out of fields, dumps and equality.
    pool = info.data.get("user_pool_id")
    if getattr(request, _POOL, pool) != pool:
        # Another event's request, assigned here: that event keeps its own pool.
        request = copy(request)  # with private attributes of its own
    request._set_private_name(_POOL, pool)
    return request


_SenderRequest = Annotated[
    CustomSenderRequest,
    WithSchema(cs.with_info_after_validator_function(_in_pool, CustomSenderRequest._core().schema)),
]


class CustomEmailSenderEvent(UserTriggerEvent):
    """Deliver an email Cognito would have sent. Nothing is read back."""

    request: _SenderRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)


class CustomSMSSenderEvent(UserTriggerEvent):
    """Deliver an SMS Cognito would have sent. Nothing is read back."""

    request: _SenderRequest
    response: EmptyResponse = field(default_factory=EmptyResponse)
