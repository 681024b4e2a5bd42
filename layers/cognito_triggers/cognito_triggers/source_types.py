"""The ``triggerSource`` values of each trigger family as ``Literal`` types, for the type checker:
``sources=[...]`` of a family's decorator and ``make_event``'s overloads take these, so a misspelt
source or another family's is a mypy error. Each type names a source both as text and as its
:class:`~cognito_triggers.TriggerSource` member (mypy holds the two apart).

Only imported under ``TYPE_CHECKING`` (off the cold start); a test holds it equal to
:class:`~cognito_triggers.TriggerSource`.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from .sources import TriggerSource as S

__all__ = [
    "ClientCredentialsSource",
    "CreateAuthChallengeSource",
    "CustomEmailSenderSource",
    "CustomMessageSource",
    "CustomSMSSenderSource",
    "DefineAuthChallengeSource",
    "InboundFederationSource",
    "PostAuthenticationSource",
    "PostConfirmationSource",
    "PreAuthenticationSource",
    "PreSignUpSource",
    "PreTokenGenerationSource",
    "UserMigrationSource",
    "VerifyAuthChallengeResponseSource",
]

PreSignUpSource: TypeAlias = Literal[
    "PreSignUp_SignUp",
    "PreSignUp_AdminCreateUser",
    "PreSignUp_ExternalProvider",
    S.PreSignUp_SignUp,
    S.PreSignUp_AdminCreateUser,
    S.PreSignUp_ExternalProvider,
]

PostConfirmationSource: TypeAlias = Literal[
    "PostConfirmation_ConfirmSignUp",
    "PostConfirmation_ConfirmForgotPassword",
    S.PostConfirmation_ConfirmSignUp,
    S.PostConfirmation_ConfirmForgotPassword,
]

PreAuthenticationSource: TypeAlias = Literal[
    "PreAuthentication_Authentication",
    S.PreAuthentication_Authentication,
]

PostAuthenticationSource: TypeAlias = Literal[
    "PostAuthentication_Authentication",
    S.PostAuthentication_Authentication,
]

DefineAuthChallengeSource: TypeAlias = Literal[
    "DefineAuthChallenge_Authentication",
    S.DefineAuthChallenge_Authentication,
]

CreateAuthChallengeSource: TypeAlias = Literal[
    "CreateAuthChallenge_Authentication",
    S.CreateAuthChallenge_Authentication,
]

VerifyAuthChallengeResponseSource: TypeAlias = Literal[
    "VerifyAuthChallengeResponse_Authentication",
    S.VerifyAuthChallengeResponse_Authentication,
]

PreTokenGenerationSource: TypeAlias = Literal[
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
    S.TokenGeneration_HostedAuth,
    S.TokenGeneration_Authentication,
    S.TokenGeneration_NewPasswordChallenge,
    S.TokenGeneration_AuthenticateDevice,
    S.TokenGeneration_RefreshTokens,
]

CustomMessageSource: TypeAlias = Literal[
    "CustomMessage_SignUp",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
    "CustomMessage_Authentication",
    S.CustomMessage_SignUp,
    S.CustomMessage_AdminCreateUser,
    S.CustomMessage_ResendCode,
    S.CustomMessage_ForgotPassword,
    S.CustomMessage_UpdateUserAttribute,
    S.CustomMessage_VerifyUserAttribute,
    S.CustomMessage_Authentication,
]

UserMigrationSource: TypeAlias = Literal[
    "UserMigration_Authentication",
    "UserMigration_ForgotPassword",
    S.UserMigration_Authentication,
    S.UserMigration_ForgotPassword,
]

CustomEmailSenderSource: TypeAlias = Literal[
    "CustomEmailSender_SignUp",
    "CustomEmailSender_ResendCode",
    "CustomEmailSender_ForgotPassword",
    "CustomEmailSender_UpdateUserAttribute",
    "CustomEmailSender_VerifyUserAttribute",
    "CustomEmailSender_AdminCreateUser",
    "CustomEmailSender_Authentication",
    "CustomEmailSender_AccountTakeOverNotification",
    S.CustomEmailSender_SignUp,
    S.CustomEmailSender_ResendCode,
    S.CustomEmailSender_ForgotPassword,
    S.CustomEmailSender_UpdateUserAttribute,
    S.CustomEmailSender_VerifyUserAttribute,
    S.CustomEmailSender_AdminCreateUser,
    S.CustomEmailSender_Authentication,
    S.CustomEmailSender_AccountTakeOverNotification,
]

CustomSMSSenderSource: TypeAlias = Literal[
    "CustomSMSSender_SignUp",
    "CustomSMSSender_ResendCode",
    "CustomSMSSender_ForgotPassword",
    "CustomSMSSender_UpdateUserAttribute",
    "CustomSMSSender_VerifyUserAttribute",
    "CustomSMSSender_AdminCreateUser",
    "CustomSMSSender_Authentication",
    S.CustomSMSSender_SignUp,
    S.CustomSMSSender_ResendCode,
    S.CustomSMSSender_ForgotPassword,
    S.CustomSMSSender_UpdateUserAttribute,
    S.CustomSMSSender_VerifyUserAttribute,
    S.CustomSMSSender_AdminCreateUser,
    S.CustomSMSSender_Authentication,
]

InboundFederationSource: TypeAlias = Literal[
    "InboundFederation_ExternalProvider",
    S.InboundFederation_ExternalProvider,
]

ClientCredentialsSource: TypeAlias = Literal[
    "TokenGeneration_ClientCredentials",
    S.TokenGeneration_ClientCredentials,
]
