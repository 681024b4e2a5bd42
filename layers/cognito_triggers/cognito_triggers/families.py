"""One record per Cognito trigger family: every fact the package keeps about a trigger, in one
place, from which the parser, the router, the response rules, the sample events and the template
check all read.

A record names its ``LambdaConfig`` key (through :class:`~cognito_triggers.TriggerFamily`), its
event model(s), the router's decorator, the shape of a sample event, the response rules, what
happens when no handler is registered, and the sources that only an explicit registration
receives. Adding a trigger is adding a record here, its sources to ``TriggerSource``, and the typed
decorator line on ``Router`` (which the type checker needs written out; it is checked against the
record at import).

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

# Sample values, as Cognito sends them (AWS documentation's examples, realistic identifiers).
USER_POOL_ID = "us-east-1_Ex4mPl3Xy"
WEB_CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"
AGENT_CLIENT_ID = "7kq1v0gmr6a1c1o2s9dl4e8b2t"
SUB = "a1b2c3d4-5678-4e9f-8a0b-1c2d3e4f5a6b"
EMAIL = "jane.doe@example.com"

_USER_ATTRIBUTES = {
    "sub": SUB,
    "email_verified": "true",
    "cognito:user_status": "CONFIRMED",
    "cognito:email_alias": EMAIL,
    "given_name": "Jane",
    "family_name": "Doe",
    "email": EMAIL,
    "custom:tenant": "acme",
}
_NEW_USER_ATTRIBUTES = {"email": EMAIL, "given_name": "Jane", "family_name": "Doe"}
_GROUPS = {
    "groupsToOverride": ["members", "editors"],
    "iamRolesToOverride": ["arn:aws:iam::123456789012:role/editors"],
    "preferredRole": "arn:aws:iam::123456789012:role/editors",
}
_SESSION = [{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]


class FamilyRecord:
    """Everything about one trigger family. Read-only once made."""

    __slots__ = (
        "arn_key",
        "check",
        "config_key",
        "config_versions",
        "decorator",
        "explicit_sources",
        "family",
        "model",
        "needs_version",
        "sample_request",
        "sample_response",
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
        sample_request: Mapping[str, Any],
        sample_response: Mapping[str, Any],
        check: Callable[[Any, dict[str, Any]], None] | None = None,
        unhandled: Unhandled | Mapping[str, Any] = "pass",
        explicit_sources: frozenset[TriggerSource] = frozenset(),
        arn_key: bool = True,
        config_key: str | None = None,
        config_versions: tuple[str, ...] = (),
        needs_version: Mapping[TriggerSource, str] = MappingProxyType({}),
    ) -> None:
        self.family = family
        self.decorator = decorator
        """The :class:`~cognito_triggers.Router` attribute that registers this family's handlers."""
        self.model = model
        """``"module:Class"`` under ``cognito_triggers.events``, or ``"module:function"`` choosing
        among the family's models by source and version."""
        self.what = what
        self.sample_request = sample_request
        self.sample_response = sample_response
        """What Cognito pre-fills, per family; per-source details live in ``testing``."""
        self.check = check
        """Cognito's rules for what a handler changed in ``response``; ``None`` if it has none."""
        self.unhandled = unhandled
        self.explicit_sources = explicit_sources
        """Sources that a family or catch-all handler never receives: a different principal
        (client credentials are a machine, not a user), handled only where registered by name."""
        # How a user pool's LambdaConfig wires the family (AWS::Cognito::UserPool LambdaConfig):
        self.arn_key = arn_key
        """Whether ``LambdaConfig.<family>`` may be a plain function ARN."""
        self.config_key = config_key
        """The key whose value is an object ``{LambdaArn, LambdaVersion}``, if there is one."""
        self.config_versions = config_versions
        """The ``LambdaVersion`` values that object takes."""
        self.needs_version = needs_version
        """Sources Cognito sends only with a given ``LambdaVersion`` or later."""

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
                sample_request={"userAttributes": _NEW_USER_ATTRIBUTES, "validationData": None},
                sample_response={
                    "autoConfirmUser": False,
                    "autoVerifyEmail": False,
                    "autoVerifyPhone": False,
                },
                check=rules.check_pre_sign_up,
            ),
            _record(
                TriggerFamily.PostConfirmation,
                decorator="post_confirmation",
                model="sign_up:PostConfirmationEvent",
                what="after sign-up or reset confirms",
                sample_request={"userAttributes": _USER_ATTRIBUTES},
                sample_response={},
            ),
            _record(
                TriggerFamily.PreAuthentication,
                decorator="pre_authentication",
                model="authentication:PreAuthenticationEvent",
                what="before a sign-in is checked",
                sample_request={"userAttributes": _USER_ATTRIBUTES, "validationData": None},
                sample_response={},
            ),
            _record(
                TriggerFamily.PostAuthentication,
                decorator="post_authentication",
                model="authentication:PostAuthenticationEvent",
                what="after a successful sign-in",
                sample_request={"userAttributes": _USER_ATTRIBUTES, "newDeviceUsed": False},
                sample_response={},
            ),
            _record(
                TriggerFamily.DefineAuthChallenge,
                decorator="define_auth_challenge",
                model="custom_auth:DefineAuthChallengeEvent",
                what="the next custom-auth step",
                sample_request={
                    "userAttributes": _USER_ATTRIBUTES,
                    "session": _SESSION,
                    "userNotFound": False,
                },
                sample_response={
                    "challengeName": None,
                    "issueTokens": None,
                    "failAuthentication": None,
                },
                check=rules.check_define_auth_challenge,
                # Fails closed: no handler must never mean tokens.
                unhandled=MappingProxyType({"issue_tokens": False, "fail_authentication": True}),
            ),
            _record(
                TriggerFamily.CreateAuthChallenge,
                decorator="create_auth_challenge",
                model="custom_auth:CreateAuthChallengeEvent",
                what="create a custom challenge",
                sample_request={
                    "userAttributes": _USER_ATTRIBUTES,
                    "challengeName": "CUSTOM_CHALLENGE",
                    "session": _SESSION,
                    "userNotFound": False,
                },
                sample_response={
                    "publicChallengeParameters": None,
                    "privateChallengeParameters": None,
                    "challengeMetadata": None,
                },
                unhandled="error",  # there is no safe challenge to make up
            ),
            _record(
                TriggerFamily.VerifyAuthChallengeResponse,
                decorator="verify_auth_challenge_response",
                model="custom_auth:VerifyAuthChallengeResponseEvent",
                what="check a custom challenge's answer",
                sample_request={
                    "userAttributes": _USER_ATTRIBUTES,
                    "privateChallengeParameters": {"answer": "482913"},
                    "challengeAnswer": "482913",
                    "userNotFound": False,
                },
                sample_response={"answerCorrect": None},
                unhandled=MappingProxyType({"answer_correct": False}),  # fails closed
            ),
            _record(
                TriggerFamily.PreTokenGeneration,
                decorator="pre_token_generation",
                model="token_generation:event_model",
                what="claims, scopes and groups of a user's tokens, V1/V2/V3",
                sample_request={"userAttributes": _USER_ATTRIBUTES, "groupConfiguration": _GROUPS},
                sample_response={"claimsAndScopeOverrideDetails": None},
                check=rules.check_pre_token_generation,
                explicit_sources=frozenset({TriggerSource.TokenGeneration_ClientCredentials}),
                # The flat key is V1; PreTokenGenerationConfig picks the version.
                config_key="PreTokenGenerationConfig",
                config_versions=("V1_0", "V2_0", "V3_0"),
                needs_version=MappingProxyType(
                    {TriggerSource.TokenGeneration_ClientCredentials: "V3_0"}
                ),
            ),
            _record(
                TriggerFamily.CustomMessage,
                decorator="custom_message",
                model="messages:CustomMessageEvent",
                what="the text of Cognito's messages",
                sample_request={
                    "userAttributes": _USER_ATTRIBUTES,
                    "codeParameter": "{####}",
                    "linkParameter": "{##Click Here##}",
                    "usernameParameter": None,
                },
                sample_response={"smsMessage": None, "emailMessage": None, "emailSubject": None},
                check=rules.check_custom_message,
            ),
            _record(
                TriggerFamily.UserMigration,
                decorator="user_migration",
                model="migration:UserMigrationEvent",
                what="migrate a user from a legacy store",
                sample_request={
                    "password": "correct horse battery staple",
                    "validationData": None,
                },
                sample_response={
                    "userAttributes": None,
                    "finalUserStatus": None,
                    "messageAction": None,
                    "desiredDeliveryMediums": None,
                    "forceAliasCreation": None,
                    "enableSMSMFA": None,
                },
                check=rules.check_user_migration,
            ),
            _record(
                TriggerFamily.CustomEmailSender,
                decorator="custom_email_sender",
                arn_key=False,
                config_key="CustomEmailSender",
                config_versions=("V1_0",),
                model="senders:CustomEmailSenderEvent",
                what="deliver Cognito's emails",
                sample_request={
                    "type": "customEmailSenderRequestV1",
                    "code": (
                        "AYADeBgm8Bzk3k1lUd0XtQHtc1QAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREF5cHN0"
                    ),
                    "userAttributes": _USER_ATTRIBUTES,
                },
                sample_response={},
            ),
            _record(
                TriggerFamily.CustomSMSSender,
                decorator="custom_sms_sender",
                arn_key=False,
                config_key="CustomSMSSender",
                config_versions=("V1_0",),
                model="senders:CustomSMSSenderEvent",
                what="deliver Cognito's SMS messages",
                sample_request={
                    "type": "customSMSSenderRequestV1",
                    "code": (
                        "AYADeHVdM2ZQ1l4iW2cVb9bF0jEAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFnc2Vx"
                    ),
                    "userAttributes": {**_USER_ATTRIBUTES, "phone_number": "+14255550123"},
                },
                sample_response={},
            ),
            _record(
                TriggerFamily.InboundFederation,
                decorator="inbound_federation",
                arn_key=False,
                config_key="InboundFederation",
                config_versions=("V1_0",),
                model="federation:InboundFederationEvent",
                what="shape a federated user's attributes",
                check=rules.check_inbound_federation,
                sample_request={
                    "providerName": "CorporateIdP",
                    "providerType": "OIDC",
                    "attributes": {
                        "tokenResponse": {
                            "token_type": "Bearer",
                            "expires_in": "3600",
                            "scope": "openid",
                        },
                        "idToken": {
                            "sub": "00u1ab2cd3EF4gh5",
                            "email": EMAIL,
                            "email_verified": "true",
                        },
                        "userInfo": {"email": EMAIL, "given_name": "Jane", "family_name": "Doe"},
                    },
                },
                sample_response={"userAttributesToMap": {}},
            ),
        ]
    )
)
