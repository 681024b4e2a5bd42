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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .sources import TriggerFamily, TriggerSource, unknown_name

if TYPE_CHECKING:
    from .events.authentication import PostAuthenticationEvent, PreAuthenticationEvent
    from .events.custom_auth import (
        CreateAuthChallengeEvent,
        DefineAuthChallengeEvent,
        VerifyAuthChallengeResponseEvent,
    )
    from .events.envelope import TriggerEvent
    from .events.federation import InboundFederationEvent
    from .events.messages import CustomMessageEvent
    from .events.migration import UserMigrationEvent
    from .events.model import KeyTree
    from .events.senders import CustomEmailSenderEvent, CustomSMSSenderEvent
    from .events.sign_up import PostConfirmationEvent, PreSignUpEvent
    from .events.token_generation import ClientCredentialsEvent, PreTokenGenerationEvent
    from .router import TriggerRouter
    from .source_types import (
        ClientCredentialsSource,
        CreateAuthChallengeSource,
        CustomEmailSenderSource,
        CustomMessageSource,
        CustomSMSSenderSource,
        DefineAuthChallengeSource,
        InboundFederationSource,
        PostAuthenticationSource,
        PostConfirmationSource,
        PreAuthenticationSource,
        PreSignUpSource,
        PreTokenGenerationSource,
        UserMigrationSource,
        VerifyAuthChallengeResponseSource,
    )

__all__ = [
    "AGENT_CLIENT_ID",
    "DEFAULT_PRE_TOKEN_VERSION",
    "EMAIL",
    "SUB",
    "USER_POOL_ID",
    "WEB_CLIENT_ID",
    "SampleEvent",
    "invoke",
    "lambda_context",
    "make_event",
    "sample_event_json",
    "write_sample_events",
]

DEFAULT_PRE_TOKEN_VERSION = "3"
"""The ``version`` of every pre token generation sample unless overridden: what a pool with
``PreTokenGenerationConfig`` ``LambdaVersion: V3_0`` sends (this project's template), and the only
version with client credentials. Pass ``version="1"`` or ``"2"`` for the others."""

E = TypeVar("E", bound="TriggerEvent")

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


# What Cognito sends in ``request`` and pre-fills in ``response``, per family; per-source details
# are in _tweak.
_SAMPLES: dict[TriggerFamily, tuple[dict[str, Any], dict[str, Any]]] = {
    TriggerFamily.PreSignUp: (
        {"userAttributes": _NEW_USER_ATTRIBUTES, "validationData": None},
        {
            "autoConfirmUser": False,
            "autoVerifyEmail": False,
            "autoVerifyPhone": False,
        },
    ),
    TriggerFamily.PostConfirmation: (
        {"userAttributes": _USER_ATTRIBUTES},
        {},
    ),
    TriggerFamily.PreAuthentication: (
        {"userAttributes": _USER_ATTRIBUTES, "validationData": None},
        {},
    ),
    TriggerFamily.PostAuthentication: (
        {"userAttributes": _USER_ATTRIBUTES, "newDeviceUsed": False},
        {},
    ),
    TriggerFamily.DefineAuthChallenge: (
        {
            "userAttributes": _USER_ATTRIBUTES,
            "session": _SESSION,
            "userNotFound": False,
        },
        {
            "challengeName": None,
            "issueTokens": None,
            "failAuthentication": None,
        },
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
        {"claimsAndScopeOverrideDetails": None},
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
        {
            "password": "correct horse battery staple",
            "validationData": None,
        },
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
            "code": ("AYADeBgm8Bzk3k1lUd0XtQHtc1QAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREF5cHN0"),
            "userAttributes": _USER_ATTRIBUTES,
        },
        {},
    ),
    TriggerFamily.CustomSMSSender: (
        {
            "type": "customSMSSenderRequestV1",
            "code": ("AYADeHVdM2ZQ1l4iW2cVb9bF0jEAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFnc2Vx"),
            "userAttributes": {**_USER_ATTRIBUTES, "phone_number": "+14255550123"},
        },
        {},
    ),
    TriggerFamily.InboundFederation: (
        {
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
        {"userAttributesToMap": {}},
    ),
}


class SampleEvent(dict[str, Any], Generic[E]):
    """A Cognito event (a plain ``dict`` at run time) that tells the type checker which typed
    event it parses into, so that :func:`invoke` returns that type."""


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
        else:
            event["response"] = {"claimsOverrideDetails": None}


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    # Nested dicts merge key by key; any other value (None, lists) replaces.
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


# The typed event each source parses into, for the type checker (a test holds these overloads
# equal to what parse_event returns); source_types names each family's sources.
@overload
def make_event(source: PreSignUpSource, /, **overrides: Any) -> SampleEvent[PreSignUpEvent]: ...
@overload
def make_event(
    source: PostConfirmationSource, /, **overrides: Any
) -> SampleEvent[PostConfirmationEvent]: ...
@overload
def make_event(
    source: PreAuthenticationSource, /, **overrides: Any
) -> SampleEvent[PreAuthenticationEvent]: ...
@overload
def make_event(
    source: PostAuthenticationSource, /, **overrides: Any
) -> SampleEvent[PostAuthenticationEvent]: ...
@overload
def make_event(
    source: DefineAuthChallengeSource, /, **overrides: Any
) -> SampleEvent[DefineAuthChallengeEvent]: ...
@overload
def make_event(
    source: CreateAuthChallengeSource, /, **overrides: Any
) -> SampleEvent[CreateAuthChallengeEvent]: ...
@overload
def make_event(
    source: VerifyAuthChallengeResponseSource, /, **overrides: Any
) -> SampleEvent[VerifyAuthChallengeResponseEvent]: ...
@overload
def make_event(
    source: PreTokenGenerationSource, /, **overrides: Any
) -> SampleEvent[PreTokenGenerationEvent]: ...
@overload
def make_event(
    source: CustomMessageSource, /, **overrides: Any
) -> SampleEvent[CustomMessageEvent]: ...
@overload
def make_event(
    source: UserMigrationSource, /, **overrides: Any
) -> SampleEvent[UserMigrationEvent]: ...
@overload
def make_event(
    source: CustomEmailSenderSource, /, **overrides: Any
) -> SampleEvent[CustomEmailSenderEvent]: ...
@overload
def make_event(
    source: CustomSMSSenderSource, /, **overrides: Any
) -> SampleEvent[CustomSMSSenderEvent]: ...
@overload
def make_event(
    source: InboundFederationSource, /, **overrides: Any
) -> SampleEvent[InboundFederationEvent]: ...
@overload
def make_event(
    source: ClientCredentialsSource, /, **overrides: Any
) -> SampleEvent[ClientCredentialsEvent]: ...
@overload
def make_event(source: str, /, **overrides: Any) -> SampleEvent[TriggerEvent]: ...
def make_event(
    source: str, /, *, allow_unknown: bool = False, **overrides: Any
) -> SampleEvent[Any]:
    """A realistic event for ``source``, as Cognito would send it, with ``overrides`` merged in.

    Overrides use Cognito's JSON names and merge into nested objects: ``version="2"``,
    ``request={"userAttributes": {"email": "x@example.org"}}``. Pre token generation events are
    ``version`` :data:`DEFAULT_PRE_TOKEN_VERSION` ("3") unless overridden.

    A test against a misspelt name would pass against the wrong event, so ``ValueError``, naming
    the closest names, refuses a source not in the table and an override key that neither the
    sample nor the event's model has, at the top and in ``request`` / ``response``.
    ``allow_unknown=True`` makes them, as a newer Cognito would send a new source or key (a known
    trigger's source routes by its family).
    """
    family = TriggerFamily.of(str(source))
    if family is None or not (allow_unknown or source in TriggerSource.__members__):
        raise _unknown(str(source), TriggerSource.__members__, "a known triggerSource")
    request, response = _SAMPLES[family]
    pre_token = family is TriggerFamily.PreTokenGeneration
    event = SampleEvent[Any](
        version=str(overrides.get("version", DEFAULT_PRE_TOKEN_VERSION if pre_token else "1")),
        triggerSource=str(source),
        region="us-east-1",
        userPoolId=USER_POOL_ID,
        userName=SUB,
        callerContext={"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": WEB_CLIENT_ID},
        request=copy.deepcopy(request),
        response=copy.deepcopy(response),
    )
    _tweak(str(source), event)
    if not allow_unknown:
        _check_overrides(family, event, overrides)
    _merge(event, overrides)
    return event


def _unknown(name: str, known: Iterable[str], what: str) -> ValueError:
    error = unknown_name(name, known, what)
    return ValueError(f"{error} (allow_unknown=True makes one on purpose)")


def _check_overrides(
    family: TriggerFamily, event: dict[str, Any], overrides: Mapping[str, Any]
) -> None:
    from .events import event_model

    model = event_model(family, event["triggerSource"], event["version"])
    _known_keys(overrides, event, model._core().known, model.__name__)


def _known_keys(
    given: Mapping[str, Any], sample: Any, tree: KeyTree, model: str, path: str = ""
) -> None:
    """Refuse a key of ``given`` that neither the sample nor the model has, at every depth the
    model describes (``callerContext``, ``request``, ``response`` and what they hold, list items
    included); maps whose keys are data (``userAttributes``, ``clientMetadata``) take any key."""
    sample = sample if isinstance(sample, Mapping) else {}
    known = {*tree, *sample}
    for key, value in given.items():
        if key not in known:
            where = f"{model} {path}" if path else f"the {model}"
            raise _unknown(key, known, f"a key of {where} (Cognito's JSON names)")
        inner = tree.get(key)
        if inner is None:
            continue
        inner_path = f"{path}.{key}" if path else key
        if isinstance(value, Mapping):
            _known_keys(value, sample.get(key), inner, model, inner_path)
        elif isinstance(value, list):
            examples = sample.get(key)
            example = examples[0] if isinstance(examples, list) and examples else None
            for item in value:
                if isinstance(item, Mapping):
                    _known_keys(item, example, inner, model, f"{inner_path}[]")


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


@overload
def invoke(
    router: TriggerRouter,
    event: SampleEvent[E],
    context: Any = None,
    *,
    expect_unhandled: bool = False,
) -> E: ...
@overload
def invoke(
    router: TriggerRouter,
    event: Mapping[str, Any],
    context: Any = None,
    *,
    expect_unhandled: bool = False,
) -> TriggerEvent: ...
def invoke(
    router: TriggerRouter,
    event: Mapping[str, Any],
    context: Any = None,
    *,
    expect_unhandled: bool = False,
) -> TriggerEvent:
    """Run ``router`` on ``event`` the way Lambda would and return the typed result: for an event
    from :func:`make_event`, typed as the event its source parses into (``PreSignUpEvent``...).

    Response-rule violations raise :class:`~cognito_triggers.ResponseError` and a handler's
    :class:`~cognito_triggers.Deny` propagates, so ``pytest.raises(Deny)`` tests a denial.

    An event no handler takes raises :class:`~cognito_triggers.UnhandledSourceError`: a test that
    sent the wrong trigger's event would otherwise pass on the untouched event. To test what
    Cognito gets from an unhandled source on purpose (its default, or custom authentication's
    fail-closed answer), pass ``expect_unhandled=True``; then a handler taking it is the error.
    """
    from .errors import UnhandledSourceError

    typed, _, outcome = router._run(event, context)
    if expect_unhandled and outcome != "unhandled":
        raise AssertionError(
            f"invoke(expect_unhandled=True): a handler took {typed.trigger_source}; "
            "drop expect_unhandled to test that handler"
        )
    if not expect_unhandled and outcome == "unhandled":
        routes = ", ".join(route.describe() for route in router.routes) or "none"
        raise UnhandledSourceError(
            f"no handler took {typed.trigger_source} (user pool {typed.user_pool_id!r}, client "
            f"{typed.caller_context.client_id!r}); registered: {routes}. Pass "
            "expect_unhandled=True to test Cognito's default on purpose"
        )
    return typed


class _LambdaContext:
    """The fields of Lambda's context object that handlers and Powertools read."""

    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return 5000  # Cognito waits 5 seconds at most

    def __repr__(self) -> str:
        return f"lambda_context({self.function_name!r})"


def lambda_context(function_name: str = "test") -> Any:
    """A stand-in for the context Lambda passes a handler, for calling ``lambda_handler(event,
    lambda_context())`` in tests: the function's name and ARN, a request id, 256 MB and
    ``get_remaining_time_in_millis()``. Typed ``Any`` so it passes for Powertools'
    ``LambdaContext`` too."""
    return _LambdaContext(function_name)
