"""The names: every ``triggerSource`` Cognito sends, the trigger family it belongs to, and the
``LambdaConfig`` key that wires it, read from a name as Cognito spells it.

The sources are the 41 that AWS documents (Amazon Cognito Developer Guide, "Lambda trigger
sources": https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html).
What the runtime knows about each family is in the table of facts, ``families``. This module
imports nothing heavy, because it is on every cold start.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["TriggerFamily", "TriggerSource", "unknown_name", "unknown_source"]


class TriggerFamily(StrEnum):
    """A Cognito trigger, named by its key in the user pool's ``LambdaConfig``."""

    PreSignUp = "PreSignUp"
    PostConfirmation = "PostConfirmation"
    PreAuthentication = "PreAuthentication"
    PostAuthentication = "PostAuthentication"
    DefineAuthChallenge = "DefineAuthChallenge"
    CreateAuthChallenge = "CreateAuthChallenge"
    VerifyAuthChallengeResponse = "VerifyAuthChallengeResponse"
    PreTokenGeneration = "PreTokenGeneration"
    CustomMessage = "CustomMessage"
    UserMigration = "UserMigration"
    CustomEmailSender = "CustomEmailSender"
    CustomSMSSender = "CustomSMSSender"
    InboundFederation = "InboundFederation"

    @property
    def lambda_config_key(self) -> str:
        """The ``LambdaConfig`` key that wires this trigger (``PreTokenGenerationConfig`` also does
        for pre token generation, with a ``LambdaVersion``)."""
        return self.value

    @property
    def source_prefix(self) -> str:
        """What every ``triggerSource`` of this family starts with, before the first ``_``."""
        return _PREFIX_OF.get(self, self.value)

    @property
    def sources(self) -> tuple[TriggerSource, ...]:
        """The known sources of this family, in the order of :class:`TriggerSource`."""
        return tuple(s for s in TriggerSource if s.family is self)

    @classmethod
    def of(cls, name: str) -> TriggerFamily | None:
        """The family a ``triggerSource``, a source prefix or a ``LambdaConfig`` key names.

        A well-formed source of a known trigger resolves even when the operation is new to us
        (``PreSignUp_Something``), so a future Cognito source still routes. Malformed names
        (``PreTokenGen``, a ``/``-joined list, ``""``) give ``None``.
        """
        prefix, sep, operation = name.partition("_")
        if not prefix.isascii() or (sep and not (operation.isascii() and operation.isalnum())):
            return None  # ASCII only: "\u212a" (the Kelvin sign) lower-cases to "k"
        return _FAMILY_BY_PREFIX.get(prefix.lower())

    @classmethod
    def named(cls, name: str) -> TriggerFamily | None:
        """The family a ``LambdaConfig`` key (``PreTokenGeneration``) or a source prefix
        (``TokenGeneration``) names."""
        try:
            return cls(name)
        except ValueError:
            return None if "_" in name else cls.of(name)


class TriggerSource(StrEnum):
    """The 41 ``triggerSource`` values AWS documents; member names are the values themselves."""

    PreSignUp_SignUp = "PreSignUp_SignUp"
    PreSignUp_AdminCreateUser = "PreSignUp_AdminCreateUser"
    PreSignUp_ExternalProvider = "PreSignUp_ExternalProvider"
    PostConfirmation_ConfirmSignUp = "PostConfirmation_ConfirmSignUp"
    PostConfirmation_ConfirmForgotPassword = "PostConfirmation_ConfirmForgotPassword"
    PreAuthentication_Authentication = "PreAuthentication_Authentication"
    PostAuthentication_Authentication = "PostAuthentication_Authentication"
    DefineAuthChallenge_Authentication = "DefineAuthChallenge_Authentication"
    CreateAuthChallenge_Authentication = "CreateAuthChallenge_Authentication"
    VerifyAuthChallengeResponse_Authentication = "VerifyAuthChallengeResponse_Authentication"
    TokenGeneration_HostedAuth = "TokenGeneration_HostedAuth"
    TokenGeneration_Authentication = "TokenGeneration_Authentication"
    TokenGeneration_NewPasswordChallenge = "TokenGeneration_NewPasswordChallenge"
    TokenGeneration_AuthenticateDevice = "TokenGeneration_AuthenticateDevice"
    TokenGeneration_RefreshTokens = "TokenGeneration_RefreshTokens"
    TokenGeneration_ClientCredentials = "TokenGeneration_ClientCredentials"
    UserMigration_Authentication = "UserMigration_Authentication"
    UserMigration_ForgotPassword = "UserMigration_ForgotPassword"
    CustomMessage_SignUp = "CustomMessage_SignUp"
    CustomMessage_AdminCreateUser = "CustomMessage_AdminCreateUser"
    CustomMessage_ResendCode = "CustomMessage_ResendCode"
    CustomMessage_ForgotPassword = "CustomMessage_ForgotPassword"
    CustomMessage_UpdateUserAttribute = "CustomMessage_UpdateUserAttribute"
    CustomMessage_VerifyUserAttribute = "CustomMessage_VerifyUserAttribute"
    CustomMessage_Authentication = "CustomMessage_Authentication"
    CustomEmailSender_SignUp = "CustomEmailSender_SignUp"
    CustomEmailSender_ResendCode = "CustomEmailSender_ResendCode"
    CustomEmailSender_ForgotPassword = "CustomEmailSender_ForgotPassword"
    CustomEmailSender_UpdateUserAttribute = "CustomEmailSender_UpdateUserAttribute"
    CustomEmailSender_VerifyUserAttribute = "CustomEmailSender_VerifyUserAttribute"
    CustomEmailSender_AdminCreateUser = "CustomEmailSender_AdminCreateUser"
    CustomEmailSender_Authentication = "CustomEmailSender_Authentication"
    CustomEmailSender_AccountTakeOverNotification = "CustomEmailSender_AccountTakeOverNotification"
    CustomSMSSender_SignUp = "CustomSMSSender_SignUp"
    CustomSMSSender_ResendCode = "CustomSMSSender_ResendCode"
    CustomSMSSender_ForgotPassword = "CustomSMSSender_ForgotPassword"
    CustomSMSSender_UpdateUserAttribute = "CustomSMSSender_UpdateUserAttribute"
    CustomSMSSender_VerifyUserAttribute = "CustomSMSSender_VerifyUserAttribute"
    CustomSMSSender_AdminCreateUser = "CustomSMSSender_AdminCreateUser"
    CustomSMSSender_Authentication = "CustomSMSSender_Authentication"
    InboundFederation_ExternalProvider = "InboundFederation_ExternalProvider"

    @property
    def family(self) -> TriggerFamily:
        """The trigger this source belongs to."""
        family = TriggerFamily.of(self.value)
        assert family is not None  # every member's prefix is in the table below
        return family

    @property
    def lambda_config_key(self) -> str:
        """The ``LambdaConfig`` key that wires the function Cognito calls for this source."""
        return self.family.lambda_config_key

    @property
    def operation(self) -> str:
        """The part after the prefix: ``SignUp`` in ``PreSignUp_SignUp``."""
        return self.value.partition("_")[2]


# The only family whose sources do not start with its LambdaConfig key.
_PREFIX_OF = {TriggerFamily.PreTokenGeneration: "TokenGeneration"}

# Prefixes are matched without case: AWS's own tables spell ``CustomSmsSender_*`` in places, and
# ``VerifyAuthChallenge_*`` is a known doc typo for ``VerifyAuthChallengeResponse_*`` (both in the
# trigger sources' API operation table of the Developer Guide's Lambda triggers page).
_FAMILY_BY_PREFIX: dict[str, TriggerFamily] = {
    **{f.source_prefix.lower(): f for f in TriggerFamily},
    "verifyauthchallenge": TriggerFamily.VerifyAuthChallengeResponse,
}


def did_you_mean(name: str, known: Iterable[str], n: int = 1) -> str:
    """``did you mean 'x'?`` naming the (at most ``n``) closest of ``known``, or ``""``: the
    known names only, so a message may carry it where ``name`` itself may not be shown."""
    from difflib import get_close_matches  # only on a mistake: off the cold-start path

    close = get_close_matches(name, list(known), n=n)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def unknown_name(name: str, known: Iterable[str], what: str) -> ValueError:
    """The error for a name that is not ``what``, naming the closest of ``known``."""
    hint = did_you_mean(name, known, n=3)
    return ValueError(f"{name!r} is not {what}{'; ' + hint if hint else ''}")


def unknown_source(name: str) -> str:
    """Why ``name`` is no ``triggerSource``, naming the closest ones, or pointing at the list."""
    message = str(unknown_name(name, TriggerSource.__members__, "a known Cognito triggerSource"))
    return message if "did you mean" in message else f"{message} (`cognito-triggers events list`)"
