"""The table of facts about Cognito's triggers: one record per trigger family, which the parser,
the router, the response rules and the generated typed code all read.

A record names the family's decorator, the event type its handlers receive, the response rules,
what happens when no handler is registered, and the sources that only an explicit registration
receives (with a decorator and an event type of their own). The names of families and sources,
and the ``LambdaConfig`` key, are :mod:`~cognito_triggers.sources`'; the sample events (what only
tests need) are ``testing``'s, and how a template wires a family is the tools package's.

Adding a trigger is adding its names to ``sources``, a record here, its event module under
``events`` and its sample in ``testing``, then ``make generate``: the router's typed decorators,
``make_event``'s overloads, the ``Literal`` types of each family's sources and the package's
exports are made from these records (a test fails while they are not).

Event types are named ``"module:Name"`` under ``cognito_triggers.events`` and imported only when an
event of the family arrives, so a cold start pays only for the trigger its function serves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from . import rules
from .sources import TriggerFamily, TriggerSource

__all__ = ["FAMILIES", "FamilyRecord", "SourceDecorator", "Unhandled"]

Unhandled = Literal["pass", "error"]
"""No handler: ``"pass"`` gives the event back unchanged (Cognito's default); ``"error"`` fails
the invocation; a mapping of response fields is a fail-closed answer."""


class SourceDecorator:
    """A source kept apart from its family's handlers: its own decorator and event type."""

    __slots__ = ("decorator", "event", "what")

    def __init__(self, *, decorator: str, event: str, what: str) -> None:
        self.decorator = decorator
        self.event = event
        """``"module:Name"`` under ``cognito_triggers.events``: what its handlers receive."""
        self.what = what
        """What it is, for the decorator's docstring."""


class FamilyRecord:
    """Everything about one trigger family. Read-only once made."""

    __slots__ = (
        "check",
        "decorator",
        "event",
        "explicit_sources",
        "family",
        "model",
        "require",
        "unhandled",
        "what",
    )

    def __init__(
        self,
        family: TriggerFamily,
        *,
        decorator: str,
        event: str,
        what: str,
        model: str | None = None,
        check: Callable[[Any, dict[str, Any]], None] | None = None,
        require: Callable[[Any], None] | None = None,
        unhandled: Unhandled | Mapping[str, Any] = "pass",
        explicit_sources: Mapping[TriggerSource, SourceDecorator] = MappingProxyType({}),
    ) -> None:
        self.family = family
        self.decorator = decorator
        """The :class:`~cognito_triggers.Router` method that registers this family's handlers."""
        self.event = event
        """``"module:Name"`` under ``cognito_triggers.events``: the event type the family's
        handlers receive (a class, or a union of the classes of its event versions)."""
        self.model = model or event
        """``"module:Class"`` the parser validates with, or ``"module:function"`` choosing among
        the family's classes by source and version."""
        self.what = what
        """What the trigger is for, for the decorator's docstring."""
        self.check = check
        """Cognito's rules for what a handler changed in ``response``; ``None`` if it has none."""
        self.require = require
        """What every response of the family must hold, changed or not: a custom-auth answer
        Cognito can act on. Run after the handler, or after the fail-closed default."""
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
                event="sign_up:PreSignUpEvent",
                what="sign-up, AdminCreateUser, first federated sign-in",
                check=rules.check_pre_sign_up,
            ),
            _record(
                TriggerFamily.PostConfirmation,
                decorator="post_confirmation",
                event="sign_up:PostConfirmationEvent",
                what="after sign-up or reset confirms",
            ),
            _record(
                TriggerFamily.PreAuthentication,
                decorator="pre_authentication",
                event="authentication:PreAuthenticationEvent",
                what="before a sign-in is checked",
            ),
            _record(
                TriggerFamily.PostAuthentication,
                decorator="post_authentication",
                event="authentication:PostAuthenticationEvent",
                what="after a successful sign-in",
            ),
            _record(
                TriggerFamily.DefineAuthChallenge,
                decorator="define_auth_challenge",
                event="custom_auth:DefineAuthChallengeEvent",
                what="the next custom-auth step",
                check=rules.check_define_auth_challenge,
                require=rules.require_define_decision,
                # Fails closed: no handler must never mean tokens.
                unhandled=MappingProxyType({"issue_tokens": False, "fail_authentication": True}),
            ),
            _record(
                TriggerFamily.CreateAuthChallenge,
                decorator="create_auth_challenge",
                event="custom_auth:CreateAuthChallengeEvent",
                what="create a custom challenge",
                unhandled="error",  # there is no safe challenge to make up
            ),
            _record(
                TriggerFamily.VerifyAuthChallengeResponse,
                decorator="verify_auth_challenge_response",
                event="custom_auth:VerifyAuthChallengeResponseEvent",
                what="check a custom challenge's answer",
                require=rules.require_verify_answer,
                unhandled=MappingProxyType({"answer_correct": False}),  # fails closed
            ),
            _record(
                TriggerFamily.PreTokenGeneration,
                decorator="pre_token_generation",
                event="token_generation:PreTokenGenerationEvent",
                model="token_generation:event_model",
                what="claims, scopes and groups of a user's tokens, V1/V2/V3",
                check=rules.check_pre_token_generation,
                explicit_sources=MappingProxyType(
                    {
                        TriggerSource.TokenGeneration_ClientCredentials: SourceDecorator(
                            decorator="client_credentials",
                            event="token_generation:ClientCredentialsEvent",
                            what="machine-to-machine access tokens (V3); a different principal "
                            "from a user, so ``pre_token_generation`` handlers never receive these",
                        )
                    }
                ),
            ),
            _record(
                TriggerFamily.CustomMessage,
                decorator="custom_message",
                event="messages:CustomMessageEvent",
                what="the text of Cognito's messages",
                check=rules.check_custom_message,
            ),
            _record(
                TriggerFamily.UserMigration,
                decorator="user_migration",
                event="migration:UserMigrationEvent",
                what="migrate a user from a legacy store",
                check=rules.check_user_migration,
            ),
            _record(
                TriggerFamily.CustomEmailSender,
                decorator="custom_email_sender",
                event="senders:CustomEmailSenderEvent",
                what="deliver Cognito's emails",
            ),
            _record(
                TriggerFamily.CustomSMSSender,
                decorator="custom_sms_sender",
                event="senders:CustomSMSSenderEvent",
                what="deliver Cognito's SMS messages",
            ),
            _record(
                TriggerFamily.InboundFederation,
                decorator="inbound_federation",
                event="federation:InboundFederationEvent",
                what="shape a federated user's attributes",
                check=rules.check_inbound_federation,
            ),
        ]
    )
)
