"""cognito-triggers: typed handlers for Amazon Cognito user pool Lambda triggers.

Every public name is importable from here but loaded on first use: importing the package builds no
model and imports no trigger family, which keeps the cold start (Cognito waits 5 seconds at most)
down to what a function really uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Public name -> the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "TriggerSource": "sources",
    "TriggerFamily": "sources",
    "CognitoTriggersError": "errors",
    "Deny": "errors",
    "InternalError": "errors",
    "InvalidEventError": "errors",
    "ResponseError": "errors",
    "UnhandledSourceError": "errors",
    "CodeDecryptionError": "sender_code",
    "parse_event": "events",
    "redact_event": "redact",
    "TriggerEvent": "events.envelope",
    "CallerContext": "events.envelope",
    "AttributeMap": "events.envelope",
    "CognitoModel": "events.model",
    "SecretStr": "events.model",
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
    "Metrics": "metrics",
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


if TYPE_CHECKING:  # what editors and mypy see; at run time __getattr__ loads on use
    from .errors import CognitoTriggersError as CognitoTriggersError
    from .errors import Deny as Deny
    from .errors import InternalError as InternalError
    from .errors import InvalidEventError as InvalidEventError
    from .errors import ResponseError as ResponseError
    from .errors import UnhandledSourceError as UnhandledSourceError
    from .events import parse_event as parse_event
    from .events.authentication import PostAuthenticationEvent as PostAuthenticationEvent
    from .events.authentication import PreAuthenticationEvent as PreAuthenticationEvent
    from .events.custom_auth import ChallengeResult as ChallengeResult
    from .events.custom_auth import CreateAuthChallengeEvent as CreateAuthChallengeEvent
    from .events.custom_auth import DefineAuthChallengeEvent as DefineAuthChallengeEvent
    from .events.custom_auth import (
        VerifyAuthChallengeResponseEvent as VerifyAuthChallengeResponseEvent,
    )
    from .events.envelope import AttributeMap as AttributeMap
    from .events.envelope import CallerContext as CallerContext
    from .events.envelope import TriggerEvent as TriggerEvent
    from .events.federation import InboundFederationEvent as InboundFederationEvent
    from .events.messages import CustomMessageEvent as CustomMessageEvent
    from .events.migration import UserMigrationEvent as UserMigrationEvent
    from .events.model import CognitoModel as CognitoModel
    from .events.model import SecretStr as SecretStr
    from .events.senders import CustomEmailSenderEvent as CustomEmailSenderEvent
    from .events.senders import CustomSMSSenderEvent as CustomSMSSenderEvent
    from .events.sign_up import PostConfirmationEvent as PostConfirmationEvent
    from .events.sign_up import PreSignUpEvent as PreSignUpEvent
    from .events.token_generation import ClientCredentialsEvent as ClientCredentialsEvent
    from .events.token_generation import PreTokenGenerationEvent as PreTokenGenerationEvent
    from .events.token_generation import PreTokenGenerationV1Event as PreTokenGenerationV1Event
    from .events.token_generation import PreTokenGenerationV2Event as PreTokenGenerationV2Event
    from .metrics import Metrics as Metrics
    from .redact import redact_event as redact_event
    from .router import Router as Router
    from .router import TriggerRouter as TriggerRouter
    from .sender_code import CodeDecryptionError as CodeDecryptionError
    from .sources import TriggerFamily as TriggerFamily
    from .sources import TriggerSource as TriggerSource
