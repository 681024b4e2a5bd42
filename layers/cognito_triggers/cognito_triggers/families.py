"""One record per Cognito trigger family: what the runtime needs to know about a trigger, in one
place, from which the parser, the router and the response rules read.

A record names its event model(s), the router's decorator, the response rules, what happens when
no handler is registered, and the sources that only an explicit registration receives. Its
``LambdaConfig`` key is :class:`~cognito_triggers.TriggerFamily`'s. What only tests and tools need
lives with them: the sample events in ``testing``, how a template wires a family in the tools
package. Adding a trigger is adding a record here, its sources to ``TriggerSource``, a sample in
``testing``, and the typed decorator line on ``Router`` (which the type checker needs written out;
it is checked against the record at import).

Models are named as ``"module:Class"`` and imported only when an event of the family arrives, so a
cold start pays only for the trigger its function serves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from . import rules
from .sources import TriggerFamily, TriggerSource

__all__ = ["FAMILIES", "FamilyRecord", "Unhandled"]

Unhandled = Literal["pass", "error"]
"""No handler: ``"pass"`` gives the event back unchanged (Cognito's default); ``"error"`` fails
the invocation; a mapping of response fields is a fail-closed answer."""


class FamilyRecord:
    """Everything about one trigger family. Read-only once made."""

    __slots__ = (
        "check",
        "decorator",
        "explicit_sources",
        "family",
        "model",
        "unhandled",
        "what",
    )

    def __init__(
        self,
        family: TriggerFamily,
        *,
        decorator: str,
        model: str,
        what: str,
        check: Callable[[Any, dict[str, Any]], None] | None = None,
        unhandled: Unhandled | Mapping[str, Any] = "pass",
        explicit_sources: frozenset[TriggerSource] = frozenset(),
    ) -> None:
        self.family = family
        self.decorator = decorator
        """The :class:`~cognito_triggers.Router` attribute that registers this family's handlers."""
        self.model = model
        """``"module:Class"`` under ``cognito_triggers.events``, or ``"module:function"`` choosing
        among the family's models by source and version."""
        self.what = what
        self.check = check
        """Cognito's rules for what a handler changed in ``response``; ``None`` if it has none."""
        self.unhandled = unhandled
        self.explicit_sources = explicit_sources
        """Sources that a family or catch-all handler never receives: a different principal
        (client credentials are a machine, not a user), handled only where registered by name."""

    def __repr__(self) -> str:
        return f"FamilyRecord({self.family.value})"


def _record(family: TriggerFamily, **facts: Any) -> tuple[TriggerFamily, FamilyRecord]:
    return family, FamilyRecord(family, **facts)


FAMILIES: Mapping[TriggerFamily, FamilyRecord] = MappingProxyType(
    dict(
        [
            _record(
                TriggerFamily.PreSignUp,
                decorator="pre_sign_up",
                model="sign_up:PreSignUpEvent",
                what="sign-up, AdminCreateUser, first federated sign-in",
                check=rules.check_pre_sign_up,
            ),
            _record(
                TriggerFamily.PostConfirmation,
                decorator="post_confirmation",
                model="sign_up:PostConfirmationEvent",
                what="after sign-up or reset confirms",
            ),
            _record(
                TriggerFamily.PreAuthentication,
                decorator="pre_authentication",
                model="authentication:PreAuthenticationEvent",
                what="before a sign-in is checked",
            ),
            _record(
                TriggerFamily.PostAuthentication,
                decorator="post_authentication",
                model="authentication:PostAuthenticationEvent",
                what="after a successful sign-in",
            ),
            _record(
                TriggerFamily.DefineAuthChallenge,
                decorator="define_auth_challenge",
                model="custom_auth:DefineAuthChallengeEvent",
                what="the next custom-auth step",
                check=rules.check_define_auth_challenge,
                # Fails closed: no handler must never mean tokens.
                unhandled=MappingProxyType({"issue_tokens": False, "fail_authentication": True}),
            ),
            _record(
                TriggerFamily.CreateAuthChallenge,
                decorator="create_auth_challenge",
                model="custom_auth:CreateAuthChallengeEvent",
                what="create a custom challenge",
                unhandled="error",  # there is no safe challenge to make up
            ),
            _record(
                TriggerFamily.VerifyAuthChallengeResponse,
                decorator="verify_auth_challenge_response",
                model="custom_auth:VerifyAuthChallengeResponseEvent",
                what="check a custom challenge's answer",
                unhandled=MappingProxyType({"answer_correct": False}),  # fails closed
            ),
            _record(
                TriggerFamily.PreTokenGeneration,
                decorator="pre_token_generation",
                model="token_generation:event_model",
                what="claims, scopes and groups of a user's tokens, V1/V2/V3",
                check=rules.check_pre_token_generation,
                explicit_sources=frozenset({TriggerSource.TokenGeneration_ClientCredentials}),
            ),
            _record(
                TriggerFamily.CustomMessage,
                decorator="custom_message",
                model="messages:CustomMessageEvent",
                what="the text of Cognito's messages",
                check=rules.check_custom_message,
            ),
            _record(
                TriggerFamily.UserMigration,
                decorator="user_migration",
                model="migration:UserMigrationEvent",
                what="migrate a user from a legacy store",
                check=rules.check_user_migration,
            ),
            _record(
                TriggerFamily.CustomEmailSender,
                decorator="custom_email_sender",
                model="senders:CustomEmailSenderEvent",
                what="deliver Cognito's emails",
            ),
            _record(
                TriggerFamily.CustomSMSSender,
                decorator="custom_sms_sender",
                model="senders:CustomSMSSenderEvent",
                what="deliver Cognito's SMS messages",
            ),
            _record(
                TriggerFamily.InboundFederation,
                decorator="inbound_federation",
                model="federation:InboundFederationEvent",
                what="shape a federated user's attributes",
                check=rules.check_inbound_federation,
            ),
        ]
    )
)
