"""cognito-triggers: typed handlers for Amazon Cognito user pool Lambda triggers.

Every public name is importable from here but loaded on first use: importing the package builds no
model and imports no trigger family, which keeps the cold start (Cognito waits 5 seconds at most)
down to what a function really uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "TriggerSource": "sources",
    "TriggerFamily": "sources",
    "CognitoTriggersError": "errors",
    "Deny": "errors",
    "InvalidEventError": "errors",
    "ResponseError": "errors",
    "parse_event": "events",
    "TriggerEvent": "events.envelope",
    "CallerContext": "events.envelope",
    "AttributeMap": "events.envelope",
    "PreSignUpEvent": "events.sign_up",
    "PostConfirmationEvent": "events.sign_up",
    "PreAuthenticationEvent": "events.authentication",
    "PostAuthenticationEvent": "events.authentication",
    "DefineAuthChallengeEvent": "events.custom_auth",
    "CreateAuthChallengeEvent": "events.custom_auth",
    "VerifyAuthChallengeResponseEvent": "events.custom_auth",
    "ChallengeResult": "events.custom_auth",
    "PreTokenGenerationEvent": "events.token_generation",
    "PreTokenGenerationV1Event": "events.token_generation",
    "PreTokenGenerationV2Event": "events.token_generation",
    "ClientCredentialsEvent": "events.token_generation",
    "CustomMessageEvent": "events.messages",
    "UserMigrationEvent": "events.migration",
    "CustomEmailSenderEvent": "events.senders",
    "CustomSMSSenderEvent": "events.senders",
    "InboundFederationEvent": "events.federation",
    "TriggerRouter": "router",
    "Router": "router",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:
    from .errors import CognitoTriggersError, Deny, InvalidEventError, ResponseError
    from .events import parse_event
    from .events.authentication import PostAuthenticationEvent, PreAuthenticationEvent
    from .events.custom_auth import (
        ChallengeResult,
        CreateAuthChallengeEvent,
        DefineAuthChallengeEvent,
        VerifyAuthChallengeResponseEvent,
    )
    from .events.envelope import AttributeMap, CallerContext, TriggerEvent
    from .events.federation import InboundFederationEvent
    from .events.messages import CustomMessageEvent
    from .events.migration import UserMigrationEvent
    from .events.senders import CustomEmailSenderEvent, CustomSMSSenderEvent
    from .events.sign_up import PostConfirmationEvent, PreSignUpEvent
    from .events.token_generation import (
        ClientCredentialsEvent,
        PreTokenGenerationEvent,
        PreTokenGenerationV1Event,
        PreTokenGenerationV2Event,
    )
    from .router import Router, TriggerRouter
    from .sources import TriggerFamily, TriggerSource
