"""The InboundFederation trigger: shape a federated user's attributes before Cognito stores them."""

from __future__ import annotations

from .envelope import AttributeMap, CognitoModel, UserTriggerEvent
from .model import field

__all__ = [
    "FederationAttributes",
    "InboundFederationEvent",
    "InboundFederationRequest",
    "InboundFederationResponse",
]


class FederationAttributes(CognitoModel):
    token_response: AttributeMap | None = None
    """OIDC and social providers: the token endpoint's answer (``expires_in`` is a string)."""
    id_token: AttributeMap | None = None
    user_info: AttributeMap | None = None
    saml_response: AttributeMap | None = None
    """SAML providers: keyed by the assertion's attribute names."""


class InboundFederationRequest(CognitoModel):
    provider_name: str
    provider_type: str
    """``OIDC``, ``SAML``, ``Facebook``, ``Google``, ``SignInWithApple`` or ``LoginWithAmazon``."""
    attributes: FederationAttributes


class InboundFederationResponse(CognitoModel):
    user_attributes_to_map: AttributeMap | None = None
    """Non-empty replaces the attribute set: an attribute left out is dropped. ``{}`` changes
    nothing."""


class InboundFederationEvent(UserTriggerEvent):
    request: InboundFederationRequest
    response: InboundFederationResponse = field(default_factory=InboundFederationResponse)
