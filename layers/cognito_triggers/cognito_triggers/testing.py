"""Helpers for testing trigger handlers: realistic sample events for every source, and a one-line
way to run a router on one.

``make_event`` builds the sample events in the repository's ``events/`` folder and is there for
users' own tests::

    from cognito_triggers.testing import make_event, invoke

    def test_auto_confirms_staff():
        event = make_event("PreSignUp_SignUp", request={"userAttributes": {"email": "a@corp.com"}})
        result = invoke(app, event)
        assert result.response.auto_confirm_user
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .sources import TriggerFamily, TriggerSource

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent
    from .router import TriggerRouter

__all__ = ["DEFAULT_VERSIONS", "invoke", "make_event", "sample_event_json", "write_sample_events"]

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
_CUSTOM_CHALLENGE = {
    "challengeName": "CUSTOM_CHALLENGE",
    "challengeResult": False,
    "challengeMetadata": "EMAIL_OTP",
}
_SESSION = [{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]

# Per family: (request, response) as Cognito pre-fills them. Per-source tweaks follow below.
_SHAPES: dict[TriggerFamily, tuple[dict[str, Any], dict[str, Any]]] = {
    TriggerFamily.PreSignUp: (
        {"userAttributes": _NEW_USER_ATTRIBUTES, "validationData": None},
        {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    ),
    TriggerFamily.PostConfirmation: ({"userAttributes": _USER_ATTRIBUTES}, {}),
    TriggerFamily.PreAuthentication: (
        {"userAttributes": _USER_ATTRIBUTES, "validationData": None},
        {},
    ),
    TriggerFamily.PostAuthentication: (
        {"userAttributes": _USER_ATTRIBUTES, "newDeviceUsed": False},
        {},
    ),
    TriggerFamily.DefineAuthChallenge: (
        {"userAttributes": _USER_ATTRIBUTES, "session": _SESSION, "userNotFound": False},
        {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    ),
    TriggerFamily.CreateAuthChallenge: (
        {
            "userAttributes": _USER_ATTRIBUTES,
            "challengeName": "CUSTOM_CHALLENGE",
            "session": _SESSION,
            "userNotFound": False,
        },
        {
            "publicChallengeParameters": None,
            "privateChallengeParameters": None,
            "challengeMetadata": None,
        },
    ),
    TriggerFamily.VerifyAuthChallengeResponse: (
        {
            "userAttributes": _USER_ATTRIBUTES,
            "privateChallengeParameters": {"answer": "482913"},
            "challengeAnswer": "482913",
            "userNotFound": False,
        },
        {"answerCorrect": None},
    ),
    TriggerFamily.PreTokenGeneration: (
        {"userAttributes": _USER_ATTRIBUTES, "groupConfiguration": _GROUPS},
        {"claimsOverrideDetails": None},
    ),
    TriggerFamily.CustomMessage: (
        {
            "userAttributes": _USER_ATTRIBUTES,
            "codeParameter": "{####}",
            "linkParameter": "{##Click Here##}",
            "usernameParameter": None,
        },
        {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    ),
    TriggerFamily.UserMigration: (
        {"password": "correct horse battery staple", "validationData": None},
        {
            "userAttributes": None,
            "finalUserStatus": None,
            "messageAction": None,
            "desiredDeliveryMediums": None,
            "forceAliasCreation": None,
            "enableSMSMFA": None,
        },
    ),
    TriggerFamily.CustomEmailSender: (
        {
            "type": "customEmailSenderRequestV1",
            "code": "AYADeBgm8Bzk3k1lUd0XtQHtc1QAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREF5cHN0",
            "userAttributes": _USER_ATTRIBUTES,
        },
        {},
    ),
    TriggerFamily.CustomSMSSender: (
        {
            "type": "customSMSSenderRequestV1",
            "code": "AYADeHVdM2ZQ1l4iW2cVb9bF0jEAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFnc2Vx",
            "userAttributes": {**_USER_ATTRIBUTES, "phone_number": "+14255550123"},
        },
        {},
    ),
    TriggerFamily.InboundFederation: (
        {
            "providerName": "CorporateIdP",
            "providerType": "OIDC",
            "attributes": {
                "tokenResponse": {"token_type": "Bearer", "expires_in": "3600", "scope": "openid"},
                "idToken": {"sub": "00u1ab2cd3EF4gh5", "email": EMAIL, "email_verified": "true"},
                "userInfo": {"email": EMAIL, "given_name": "Jane", "family_name": "Doe"},
            },
        },
        {"userAttributesToMap": {}},
    ),
}

DEFAULT_VERSIONS: dict[TriggerSource, str] = {
    # A V3_0 pool (this project's template) sends "3"; the samples show every version once.
    TriggerSource.TokenGeneration_HostedAuth: "1",
    TriggerSource.TokenGeneration_Authentication: "2",
    TriggerSource.TokenGeneration_NewPasswordChallenge: "3",
    TriggerSource.TokenGeneration_AuthenticateDevice: "3",
    TriggerSource.TokenGeneration_RefreshTokens: "3",
    TriggerSource.TokenGeneration_ClientCredentials: "3",
}


def _tweak(source: str, event: dict[str, Any]) -> None:
    """What differs between sources of one family, in Cognito's real events."""
    request = event["request"]
    if source == "PreSignUp_AdminCreateUser":
        event["callerContext"]["clientId"] = "CLIENT_ID_NOT_APPLICABLE"
    elif source in ("PreSignUp_ExternalProvider", "InboundFederation_ExternalProvider"):
        event["userName"] = "CorporateIdP_00u1ab2cd3EF4gh5"
    elif source == "UserMigration_ForgotPassword":
        del request["password"]
    elif source == "CustomMessage_AdminCreateUser":
        request["usernameParameter"] = "{username}"
    elif source == "CustomEmailSender_AccountTakeOverNotification":
        request["code"] = None
        request["userAttributes"] = {
            "EVENT_ID": "8c5fa0a4-2e8e-4e57-a4b2-17a0c1d3e2f4",
            "USER_NAME": SUB,
            "IP_ADDRESS": "192.0.2.44",
            "ACCOUNT_TAKE_OVER_ACTION": "BLOCK",
            "ONE_CLICK_LINK_VALID": "https://auth.example.com/valid",
            "ONE_CLICK_LINK_INVALID": "https://auth.example.com/invalid",
            "LOGIN_TIME": "2026-11-21T09:14:03Z",
            "FEEDBACK_TOKEN": "ZmVlZGJhY2stdG9rZW4",
        }
    if source.startswith("TokenGeneration_"):
        version = event["version"]
        if source == "TokenGeneration_ClientCredentials":
            # A machine has no user: no userName, attributes or groups (reference §4.6).
            del event["userName"]
            event["callerContext"]["clientId"] = AGENT_CLIENT_ID
            event["request"] = {"scopes": ["agents/invoke", "agents/read"]}
            event["response"] = {"claimsAndScopeOverrideDetails": None}
        elif version in ("2", "3"):
            request["scopes"] = ["aws.cognito.signin.user.admin", "openid", "email", "profile"]
            event["response"] = {"claimsAndScopeOverrideDetails": None}


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    # Nested dicts merge key by key; any other value (None, lists) replaces.
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def make_event(source: str | TriggerSource, /, **overrides: Any) -> dict[str, Any]:
    """A realistic event for ``source``, as Cognito would send it, with ``overrides`` merged in.

    Overrides use Cognito's JSON names and merge into nested objects: ``version="2"``,
    ``request={"userAttributes": {"email": "x@example.org"}}``. A source new to this package works
    if its family is known. Raises ``ValueError`` for a source of no known trigger.
    """
    family = TriggerFamily.of(str(source))
    if family is None:
        raise ValueError(f"no Cognito trigger has the source {str(source)!r}")
    request, response = _SHAPES[family]
    known = source in TriggerSource.__members__
    version = DEFAULT_VERSIONS.get(TriggerSource(source), "1") if known else "1"
    event: dict[str, Any] = {
        "version": str(overrides.get("version", version)),
        "triggerSource": str(source),
        "region": "us-east-1",
        "userPoolId": USER_POOL_ID,
        "userName": SUB,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": WEB_CLIENT_ID},
        "request": copy.deepcopy(request),
        "response": copy.deepcopy(response),
    }
    _tweak(str(source), event)
    return _merge(event, overrides)


def sample_event_json(source: str | TriggerSource) -> str:
    """``make_event(source)`` as the text of a sample event file."""
    return json.dumps(make_event(source), indent=2) + "\n"


def write_sample_events(folder: str | Path) -> list[Path]:
    """Write ``<triggerSource>.json`` for every known source into ``folder`` (the repo's
    ``events/``, used by ``sam local invoke -e`` and ``cognito-triggers invoke``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source in TriggerSource:
        path = folder / f"{source.value}.json"
        path.write_text(sample_event_json(source), encoding="utf-8")
        written.append(path)
    return written


def invoke(router: TriggerRouter, event: Mapping[str, Any], context: Any = None) -> TriggerEvent:
    """Run ``router`` on ``event`` the way Lambda would and return the typed result.

    Response-rule violations raise :class:`~cognito_triggers.ResponseError` and a handler's
    :class:`~cognito_triggers.Deny` propagates, so ``pytest.raises(Deny)`` tests a denial.
    """
    return router.resolve_typed(event, context)
