"""Cognito's response rules, as a user meets them: through a router and its handlers.

Every rule of ``cognito_triggers.rules`` gets a response that breaks it and one that keeps it. The
breaking one must fail in the developer's tests (``testing.invoke`` raises ``ResponseError``) and
reach Cognito, in production (``app.lambda_handler``), as ``InternalError`` carrying only the router's
``error_message``: the rule's text is for the log, never for the end user.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import pytest

from cognito_triggers import (
    ClientCredentialsEvent,
    CustomMessageEvent,
    DefineAuthChallengeEvent,
    InboundFederationEvent,
    PreSignUpEvent,
    PreTokenGenerationV1Event,
    PreTokenGenerationV2Event,
    ResponseError,
    TriggerFamily,
    TriggerRouter,
    TriggerSource,
    UserMigrationEvent,
)
from cognito_triggers.errors import InternalError
from cognito_triggers.events.token_generation import (
    AccessTokenGeneration,
    ClaimsAndScopeOverrideDetails,
    ClaimsOverrideDetails,
    GroupOverrideDetails,
    IdTokenGeneration,
)
from cognito_triggers.router import DEFAULT_ERROR_MESSAGE
from cognito_triggers.rules import (
    ATTRIBUTE_VALUE_MAX,
    EMAIL_MESSAGE_MAX,
    EMAIL_SUBJECT_MAX,
    MESSAGE_MIN,
    PROTECTED_CLAIMS,
    SIMPLE_ID_CLAIMS,
    SMS_MESSAGE_MAX,
    cognito_length,
)
from cognito_triggers.testing import AGENT_CLIENT_ID, EMAIL, WEB_CLIENT_ID, invoke, make_event

from .corpus import DECORATOR

Handler = Callable[[Any], object]


V1 = TriggerSource.TokenGeneration_HostedAuth  # sent as version "1" here (VERSION below)
V2 = TriggerSource.TokenGeneration_Authentication  # version "2"
V3 = TriggerSource.TokenGeneration_RefreshTokens  # version "3", make_event's default
# The event version each of these sources is played with (any user source can come in any).
VERSION = {V1: "1", V2: "2"}
M2M = TriggerSource.TokenGeneration_ClientCredentials
ADMIN_MESSAGE = TriggerSource.CustomMessage_AdminCreateUser
MESSAGE_SOURCES = TriggerFamily.CustomMessage.sources
MIGRATION_SOURCES = TriggerFamily.UserMigration.sources
DEFINE = TriggerSource.DefineAuthChallenge_Authentication
# Which token a claim helper writes (named, so no linter mistakes "access" for a password).
ID: Literal["id"] = "id"
ACCESS: Literal["access"] = "access"
BOTH: Literal["both"] = "both"


def router_with(source: str, handler: Handler) -> TriggerRouter:
    """``app = TriggerRouter()`` and ``@app.<family>`` on ``handler``, as a user writes it."""
    app = TriggerRouter()
    name = "client_credentials" if source == M2M else DECORATOR[TriggerSource(source).family]
    assert getattr(app, name)(handler) is handler
    return app


def event_for(source: str, **overrides: Any) -> dict[str, Any]:
    """``make_event`` with the version this module plays ``source`` with."""
    if source in VERSION:
        overrides.setdefault("version", VERSION[TriggerSource(source)])
    return make_event(source, **overrides)


def refused(source: str, handler: Handler, **overrides: Any) -> ResponseError:
    """The handler's response breaks a rule: a ``ResponseError`` in tests, and a sanitised
    ``InternalError`` in production. Returns the ``ResponseError`` to look at its text."""
    app = router_with(source, handler)
    with pytest.raises(ResponseError) as in_tests:
        invoke(app, event_for(source, **overrides))
    with pytest.raises(InternalError) as in_production:
        app.lambda_handler(event_for(source, **overrides))
    failure = in_production.value
    assert str(failure) == app.error_message == DEFAULT_ERROR_MESSAGE
    assert failure.args == (DEFAULT_ERROR_MESSAGE,)
    assert str(in_tests.value) not in str(failure)
    assert failure.__cause__ is not None and str(failure.__cause__) == str(in_tests.value)
    assert failure.__suppress_context__
    return in_tests.value


def accepted(source: str, handler: Handler, **overrides: Any) -> dict[str, Any]:
    """The handler's response keeps every rule: both paths succeed, agree, and change nothing
    but ``response``. Returns what Cognito gets."""
    received = event_for(source, **overrides)
    app = router_with(source, handler)
    typed = invoke(app, copy.deepcopy(received))
    result = app.lambda_handler(copy.deepcopy(received))
    assert result == typed.to_dict()
    assert {k: v for k, v in result.items() if k != "response"} == {
        k: v for k, v in received.items() if k != "response"
    }
    return result


def v2_details(event: PreTokenGenerationV2Event | ClientCredentialsEvent) -> Any:
    if event.response.claims_and_scope_override_details is None:
        event.response.claims_and_scope_override_details = ClaimsAndScopeOverrideDetails()
    return event.response.claims_and_scope_override_details


def set_claims(
    event: PreTokenGenerationV2Event | ClientCredentialsEvent,
    token: str,
    *,
    add: dict[str, Any] | None = None,
    suppress: list[str] | None = None,
) -> None:
    """Write the V2/V3 response directly, bypassing the helpers' own checks: the router's
    check is what is under test."""
    details = v2_details(event)
    if token == "id":
        details.id_token_generation = IdTokenGeneration(
            claims_to_add_or_override=add, claims_to_suppress=suppress
        )
    else:
        details.access_token_generation = AccessTokenGeneration(
            claims_to_add_or_override=add, claims_to_suppress=suppress
        )


def claim_change(
    via: str, action: str, token: str, name: str, value: Any = "value"
) -> Callable[[PreTokenGenerationV2Event], None]:
    """A V2/V3 handler adding or suppressing one claim, through the helper or the response."""

    def handler(event: PreTokenGenerationV2Event) -> None:
        use: Any = token
        if via == "helper" and action == "add":
            event.add_claim(name, value, token=use)
        elif via == "helper":
            event.suppress_claim(name, token=use)
        elif action == "add":
            set_claims(event, token, add={name: value})
        else:
            set_claims(event, token, suppress=[name])

    return handler


def response_of(result: dict[str, Any]) -> Any:
    return result["response"]


# -- sanitised failures -------------------------------------------------------------------------


def test_production_failure_is_logged_in_full_and_shows_only_the_error_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = TriggerRouter(error_message="Sign-in is unavailable right now.")

    @app.define_auth_challenge
    def both(event: DefineAuthChallengeEvent) -> None:
        event.response.issue_tokens = True
        event.response.fail_authentication = True

    with (
        caplog.at_level(logging.ERROR, logger="cognito_triggers"),
        pytest.raises(InternalError) as failed,
    ):
        app.lambda_handler(make_event(DEFINE))
    assert str(failed.value) == "Sign-in is unavailable right now"
    assert "issue tokens" not in str(failed.value)
    logged = [r for r in caplog.records if r.exc_info]
    assert logged
    exc_info = logged[-1].exc_info
    assert exc_info is not None
    assert isinstance(exc_info[1], ResponseError)
    assert "issue tokens" in str(exc_info[1])


# -- pre token generation: protected claims (AWS docs: "Claims and scopes reference") ----------

PROTECTED = sorted(PROTECTED_CLAIMS)


@pytest.mark.parametrize("source", [V2, V3])
@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
@pytest.mark.parametrize("action", ["add", "suppress"])
@pytest.mark.parametrize("claim", PROTECTED)
def test_protected_claim_is_refused(
    claim: str, action: str, token: str, via: str, source: TriggerSource
) -> None:
    # For 'aud' in the access token, "value" is not the app client id, so it is refused too.
    error = refused(source, claim_change(via, action, token, claim))
    assert repr(claim) in str(error)


@pytest.mark.parametrize("source", [V2, V3])
@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
@pytest.mark.parametrize("action", ["add", "suppress"])
def test_unprotected_claim_is_accepted(action: str, token: str, via: str, source: str) -> None:
    result = accepted(source, claim_change(via, action, token, "custom:tenant", "acme"))
    generation = response_of(result)["claimsAndScopeOverrideDetails"][f"{token}TokenGeneration"]
    if action == "add":
        assert generation["claimsToAddOrOverride"] == {"custom:tenant": "acme"}
    else:
        assert generation["claimsToSuppress"] == ["custom:tenant"]


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("action", ["add", "suppress"])
@pytest.mark.parametrize("claim", PROTECTED)
def test_protected_claim_is_refused_in_v1(claim: str, action: str, via: str) -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        if via == "helper" and action == "add":
            event.add_claim(claim, "value")
        elif via == "helper":
            event.suppress_claim(claim)
        elif action == "add":
            event.response.claims_override_details = ClaimsOverrideDetails(
                claims_to_add_or_override={claim: "value"}
            )
        else:
            event.response.claims_override_details = ClaimsOverrideDetails(
                claims_to_suppress=[claim]
            )

    assert repr(claim) in str(refused(V1, handler))


@pytest.mark.parametrize("action", ["add", "suppress"])
def test_unprotected_claim_is_accepted_in_v1(action: str) -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        if action == "add":
            event.add_claim("custom:tenant", "acme")
        else:
            event.suppress_claim("custom:tenant")

    details = response_of(accepted(V1, handler))["claimsOverrideDetails"]
    if action == "add":
        assert details == {"claimsToAddOrOverride": {"custom:tenant": "acme"}}
    else:
        assert details == {"claimsToSuppress": ["custom:tenant"]}


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("action", ["add", "suppress"])
def test_username_is_protected_in_the_access_token(action: str, via: str) -> None:
    assert "'username'" in str(refused(V2, claim_change(via, action, "access", "username")))


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("action", ["add", "suppress"])
def test_username_is_allowed_in_the_id_token(action: str, via: str) -> None:
    accepted(V2, claim_change(via, action, "id", "username", "jane"))


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("source", [V2, V3])
def test_aud_in_the_access_token_equal_to_the_client_id_is_accepted(source: str, via: str) -> None:
    result = accepted(source, claim_change(via, "add", "access", "aud", WEB_CLIENT_ID))
    access = response_of(result)["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["claimsToAddOrOverride"] == {"aud": WEB_CLIENT_ID}


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("value", [AGENT_CLIENT_ID, "", None, [WEB_CLIENT_ID]])
def test_aud_in_the_access_token_other_than_the_client_id_is_refused(value: Any, via: str) -> None:
    assert "'aud'" in str(refused(V2, claim_change(via, "add", "access", "aud", value)))


@pytest.mark.parametrize("via", ["helper", "response"])
def test_aud_in_the_id_token_is_refused_even_with_the_client_id(via: str) -> None:
    refused(V2, claim_change(via, "add", "id", "aud", WEB_CLIENT_ID))


@pytest.mark.parametrize("via", ["helper", "response"])
def test_aud_for_client_credentials_must_be_that_client(via: str) -> None:
    def handler(value: str) -> Callable[[ClientCredentialsEvent], None]:
        def add_aud(event: ClientCredentialsEvent) -> None:
            if via == "helper":
                event.add_claim("aud", value, token=ACCESS)
            else:
                set_claims(event, "access", add={"aud": value})

        return add_aud

    accepted(M2M, handler(AGENT_CLIENT_ID))
    refused(M2M, handler(WEB_CLIENT_ID))


# -- cognito:* and dev: claims ------------------------------------------------------------------


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
def test_suppressing_cognito_groups_is_accepted(token: str, via: str) -> None:
    result = accepted(V2, claim_change(via, "suppress", token, "cognito:groups"))
    generation = response_of(result)["claimsAndScopeOverrideDetails"][f"{token}TokenGeneration"]
    assert generation["claimsToSuppress"] == ["cognito:groups"]


def test_suppressing_cognito_groups_is_accepted_in_v1() -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        event.suppress_claim("cognito:groups")

    accepted(V1, handler)


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
@pytest.mark.parametrize("claim", ["cognito:groups", "cognito:roles", "cognito:preferred_role"])
def test_adding_a_group_claim_is_refused_with_a_hint(claim: str, token: str, via: str) -> None:
    error = str(refused(V2, claim_change(via, "add", token, claim, ["admins"])))
    assert repr(claim) in error
    assert "override_groups" in error


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("claim", ["cognito:roles", "cognito:preferred_role"])
def test_suppressing_roles_directly_is_refused_with_a_hint(claim: str, via: str) -> None:
    error = str(refused(V2, claim_change(via, "suppress", "id", claim)))
    assert "suppress 'cognito:groups'" in error


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
@pytest.mark.parametrize("action", ["add", "suppress"])
@pytest.mark.parametrize("claim", ["cognito:username", "cognito:user_status", "cognito:mfa"])
def test_other_cognito_claims_are_refused(claim: str, action: str, token: str, via: str) -> None:
    error = str(refused(V2, claim_change(via, action, token, claim)))
    # Cognito's own name is shown; any other 'cognito:' name only by its prefix.
    assert (repr(claim) if claim == "cognito:username" else "a 'cognito:' claim") in error
    assert "override_groups" not in error


def test_overriding_groups_is_the_way_to_change_them() -> None:
    def handler(event: PreTokenGenerationV2Event) -> None:
        event.override_groups(["admins"], iam_roles=["arn:aws:iam::1:role/a"])

    details = response_of(accepted(V2, handler))["claimsAndScopeOverrideDetails"]
    assert details == {
        "groupOverrideDetails": {
            "groupsToOverride": ["admins"],
            "iamRolesToOverride": ["arn:aws:iam::1:role/a"],
        }
    }


def type_error(source: str, handler: Handler) -> str:
    """The TypeError's text ``invoke`` raises for this handler's event: a wrong type in a call,
    as a type checker would have said, rather than a response rule."""
    with pytest.raises(TypeError) as raised:
        invoke(router_with(source, handler), event_for(source))
    return str(raised.value)


# A str is a Sequence[str] of its letters: "admins" would replace the groups with six one-letter
# ones. Refused at the call (and by mypy, through SequenceNotStr; tests/user_app/bad.py).
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.override_groups("admins"), "override_groups takes a list of group names, not a str: write [...]"),
        (lambda e: e.override_groups(["a"], iam_roles="arn:r"), "iam_roles takes a list of role ARNs, not a str: write iam_roles=[...]"),
        (lambda e: e.override_groups(None), "list of group names ([] for none), not NoneType"),
        (lambda e: e.override_groups(["admins", 1]), "takes group names as str, not int"),
        (lambda e: e.override_groups([], preferred_role=["arn:r"]), "preferred_role takes one role ARN, a str, not list"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("source", [V1, V3])
def test_a_str_for_a_list_of_names_fails_at_the_call_naming_the_fix(
    source: str, call: Handler, message: str
) -> None:
    assert message in type_error(source, call)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.add_scope(["a", "b"]), "add_scope takes one scope, a str, not list: call it once for each scope"),
        (lambda e: e.suppress_scope(("a",)), "suppress_scope takes one scope, a str, not tuple"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("source", [V3, M2M])
def test_a_list_for_one_scope_fails_at_the_call(source: str, call: Handler, message: str) -> None:
    # Else the list went into scopesToAdd as one nested item, past the scope rule.
    assert message in type_error(source, call)


@pytest.mark.parametrize("groups", [("admins", "editors"), ["admins", "editors"]])
def test_groups_and_roles_take_any_sequence_of_names(groups: Any) -> None:
    roles: Sequence[str] = ("arn:aws:iam::1:role/a",)  # SequenceNotStr takes it (mypy, here)

    def handler(event: PreTokenGenerationV2Event) -> None:
        event.override_groups(groups, iam_roles=roles)

    details = response_of(accepted(V2, handler))["claimsAndScopeOverrideDetails"]
    assert details["groupOverrideDetails"] == {
        "groupsToOverride": ["admins", "editors"],
        "iamRolesToOverride": ["arn:aws:iam::1:role/a"],
    }


@pytest.mark.parametrize("source", [V1, V3, M2M])
@pytest.mark.parametrize("token", ["idaccess", "ID", ("id", "acess"), ()])
def test_token_as_a_str_is_a_name_never_letters(source: str, token: Any) -> None:
    # "idaccess" is an Iterable[str] of letters: read as one (wrong) name, it is refused.
    def handler(event: Any) -> None:
        event.add_claim("custom:tenant", "acme", token=token)

    assert "token" in str(refused(source, handler))


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
def test_dev_attribute_can_be_suppressed(token: str, via: str) -> None:
    accepted(V2, claim_change(via, "suppress", token, "dev:internal_flag"))


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("token", ["id", "access"])
def test_dev_attribute_cannot_be_added(token: str, via: str) -> None:
    assert "'dev:" in str(refused(V2, claim_change(via, "add", token, "dev:internal_flag")))


def test_dev_attribute_in_v1() -> None:
    def suppress(event: PreTokenGenerationV1Event) -> None:
        event.suppress_claim("dev:internal_flag")

    def add(event: PreTokenGenerationV1Event) -> None:
        event.add_claim("dev:internal_flag", "1")

    accepted(V1, suppress)
    refused(V1, add)


# -- claim value types (AWS docs: strings in V1; V2/V3 take JSON, but not for four ID claims) ----

COMPLEX_VALUES = [{"street_address": "1 Main St"}, ["a", "b"], []]


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("value", COMPLEX_VALUES)
@pytest.mark.parametrize("claim", sorted(SIMPLE_ID_CLAIMS))
def test_simple_id_claim_with_an_object_or_array_is_refused_in_the_id_token(
    claim: str, value: Any, via: str
) -> None:
    error = str(refused(V2, claim_change(via, "add", "id", claim, value)))
    assert repr(claim) in error


@pytest.mark.parametrize("via", ["helper", "response"])
@pytest.mark.parametrize("value", COMPLEX_VALUES)
@pytest.mark.parametrize("claim", sorted(SIMPLE_ID_CLAIMS))
def test_simple_id_claim_with_an_object_or_array_is_fine_in_the_access_token(
    claim: str, value: Any, via: str
) -> None:
    result = accepted(V2, claim_change(via, "add", "access", claim, value))
    access = response_of(result)["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["claimsToAddOrOverride"] == {claim: value}


@pytest.mark.parametrize("value", ["true", True, 1_700_000_000])
@pytest.mark.parametrize("claim", sorted(SIMPLE_ID_CLAIMS))
def test_simple_id_claim_with_a_plain_value_is_fine_in_the_id_token(claim: str, value: Any) -> None:
    accepted(V2, claim_change("helper", "add", "id", claim, value))


@pytest.mark.parametrize("value", [{"nested": {"a": [1, 2.5, None]}}, [1, "two", True], 3.5, False])
def test_v2_takes_claim_values_of_any_json_type(value: Any) -> None:
    result = accepted(V3, claim_change("helper", "add", "id", "custom:profile", value))
    ident = response_of(result)["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
    assert ident["claimsToAddOrOverride"] == {"custom:profile": value}


# -- scopes -------------------------------------------------------------------------------------

BAD_SCOPES = ["two words", "", " ", "tab\tinside", "trailing\n"]


@pytest.mark.parametrize("kind", ["add", "suppress"])
@pytest.mark.parametrize("scope", BAD_SCOPES)
def test_bad_scope_is_refused_through_the_helper(scope: str, kind: str) -> None:
    def handler(event: PreTokenGenerationV2Event) -> None:
        if kind == "add":
            event.add_scope(scope)
        else:
            event.suppress_scope(scope)

    assert "scope" in str(refused(V2, handler))


@pytest.mark.parametrize("source", [V2, M2M])
@pytest.mark.parametrize("kind", ["scopes_to_add", "scopes_to_suppress"])
@pytest.mark.parametrize("scope", BAD_SCOPES)
def test_bad_scope_is_refused_when_written_to_the_response(
    scope: str, kind: str, source: str
) -> None:
    def handler(event: PreTokenGenerationV2Event | ClientCredentialsEvent) -> None:
        access = AccessTokenGeneration()
        setattr(access, kind, ["tenant/read", scope])
        v2_details(event).access_token_generation = access

    refused(source, handler)


@pytest.mark.parametrize("source", [V2, V3, M2M])
def test_good_scopes_are_accepted(source: str) -> None:
    def handler(event: PreTokenGenerationV2Event | ClientCredentialsEvent) -> None:
        event.add_scope("tenant/read")
        event.suppress_scope("aws.cognito.signin.user.admin")

    access = response_of(accepted(source, handler))["claimsAndScopeOverrideDetails"][
        "accessTokenGeneration"
    ]
    assert access == {
        "scopesToAdd": ["tenant/read"],
        "scopesToSuppress": ["aws.cognito.signin.user.admin"],
    }


# -- version 1: strings only, ID token only -------------------------------------------------------


@pytest.mark.parametrize("value", [1, True, None, ["a"], {"a": "b"}])
def test_v1_non_string_claim_value_is_refused_by_the_helper(value: Any) -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        event.add_claim("custom:tenant", value)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydantic warns while dumping the refused value
        assert "string claim values only" in str(refused(V1, handler))


@pytest.mark.parametrize("value", [1, True, None, ["a"], {"a": "b"}])
def test_v1_non_string_claim_value_written_into_the_response_is_refused(value: Any) -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        event.add_claim("custom:tenant", "acme")
        details = event.response.claims_override_details
        assert details is not None
        assert details.claims_to_add_or_override is not None
        details.claims_to_add_or_override["custom:level"] = value

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "string claim values only" in str(refused(V1, handler))


def test_v1_non_string_claim_value_in_a_new_response_model_is_a_response_error() -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        claims: dict[str, Any] = {"custom:level": 1}
        event.response.claims_override_details = ClaimsOverrideDetails(
            claims_to_add_or_override=claims
        )

    refused(V1, handler)


def test_v1_string_claims_and_group_override_are_accepted() -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        event.add_claim("custom:tenant", "acme")
        event.override_groups(["readers"])

    details = response_of(accepted(V1, handler))["claimsOverrideDetails"]
    assert details == {
        "claimsToAddOrOverride": {"custom:tenant": "acme"},
        "groupOverrideDetails": {"groupsToOverride": ["readers"]},
    }


V1_ACCESS_TOKEN_CALLS: dict[str, Callable[[PreTokenGenerationV1Event], None]] = {
    "add_claim": lambda event: event.add_claim("custom:tenant", "acme", token=ACCESS),
    "suppress_claim": lambda event: event.suppress_claim("custom:tenant", token=ACCESS),
    "add_scope": lambda event: event.add_scope("tenant/read"),
    "suppress_scope": lambda event: event.suppress_scope("openid"),
}


@pytest.mark.parametrize("call", sorted(V1_ACCESS_TOKEN_CALLS))
def test_v1_access_token_change_fails_at_the_call(call: str) -> None:
    raised: list[ResponseError] = []

    def handler(event: PreTokenGenerationV1Event) -> None:
        with pytest.raises(ResponseError) as failure:
            V1_ACCESS_TOKEN_CALLS[call](event)
        raised.append(failure.value)

    # Refused at the call, before the response was touched: Cognito gets the event unchanged.
    received = event_for(V1)
    assert accepted(V1, handler) == received
    assert raised
    assert "V2_0 or V3_0" in str(raised[0])


@pytest.mark.parametrize("call", sorted(V1_ACCESS_TOKEN_CALLS))
def test_v1_access_token_change_left_uncaught_fails_the_invocation(call: str) -> None:
    def handler(event: PreTokenGenerationV1Event) -> None:
        V1_ACCESS_TOKEN_CALLS[call](event)

    refused(V1, handler)


# -- client credentials: access token only, no groups ---------------------------------------------


def test_client_credentials_id_token_claim_fails_at_the_call() -> None:
    def handler(event: ClientCredentialsEvent) -> None:
        unchecked: Any = event  # a type error; code no checker read still fails at the call
        unchecked.add_claim("custom:tenant", "acme", token=ID)

    assert "no ID token" in str(refused(M2M, handler))


def test_client_credentials_override_groups_fails_at_the_call() -> None:
    def handler(event: ClientCredentialsEvent) -> None:
        unchecked: Any = event  # no such helper for a checker; explained at run time
        unchecked.override_groups(["admins"])

    assert "groups" in str(refused(M2M, handler))


@pytest.mark.parametrize(
    "details",
    [
        ClaimsAndScopeOverrideDetails(
            id_token_generation=IdTokenGeneration(claims_to_add_or_override={"x": "y"})
        ),
        ClaimsAndScopeOverrideDetails(id_token_generation=IdTokenGeneration()),
        ClaimsAndScopeOverrideDetails(
            group_override_details=GroupOverrideDetails(groups_to_override=["admins"])
        ),
        ClaimsAndScopeOverrideDetails(group_override_details=GroupOverrideDetails()),
    ],
    ids=["id-claim", "empty-id-generation", "groups", "empty-groups"],
)
def test_client_credentials_id_token_or_groups_in_the_response_are_refused(
    details: ClaimsAndScopeOverrideDetails,
) -> None:
    def handler(event: ClientCredentialsEvent) -> None:
        event.response.claims_and_scope_override_details = copy.deepcopy(details)

    assert "TokenGeneration_ClientCredentials" in str(refused(M2M, handler))


def test_client_credentials_access_token_changes_are_accepted() -> None:
    def handler(event: ClientCredentialsEvent) -> None:
        event.add_claim("custom:tenant", "acme", token=ACCESS)
        event.suppress_claim("custom:legacy", token=ACCESS)
        event.add_scope("agents/write")

    details = response_of(accepted(M2M, handler))["claimsAndScopeOverrideDetails"]
    assert details == {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"custom:tenant": "acme"},
            "claimsToSuppress": ["custom:legacy"],
            "scopesToAdd": ["agents/write"],
        }
    }


def test_client_credentials_claims_go_to_the_access_token_by_default() -> None:
    # The machine's only token is the default: the user events' "id" always failed here.
    def handler(event: ClientCredentialsEvent) -> None:
        event.add_claim("custom:tenant", "acme")
        event.suppress_claim("custom:legacy")

    details = response_of(accepted(M2M, handler))["claimsAndScopeOverrideDetails"]
    assert details == {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"custom:tenant": "acme"},
            "claimsToSuppress": ["custom:legacy"],
        }
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.add_claim("custom:tenant", "acme", token=BOTH),
        lambda e: e.suppress_claim("custom:legacy", token=BOTH),
        lambda e: e.suppress_claim("custom:legacy", token=ID),
    ],
)
def test_client_credentials_refuse_the_id_token_at_the_call(call: Handler) -> None:
    # A type error too (token takes "access" alone); this is for code no checker read.
    def handler(event: ClientCredentialsEvent) -> None:
        call(event)

    assert "no ID token" in str(refused(M2M, handler))


def test_a_user_event_may_override_groups_and_change_the_id_token() -> None:
    def handler(event: PreTokenGenerationV2Event) -> None:
        event.add_claim("custom:tenant", "acme", token=BOTH)
        event.override_groups([])

    details = response_of(accepted(V3, handler))["claimsAndScopeOverrideDetails"]
    assert details["groupOverrideDetails"] == {"groupsToOverride": []}
    assert details["idTokenGeneration"] == {"claimsToAddOrOverride": {"custom:tenant": "acme"}}


# -- custom message: placeholders and lengths (AWS docs; API reference, MessageTemplateType) ------


def message_handler(**fields: str) -> Callable[[CustomMessageEvent], None]:
    def handler(event: CustomMessageEvent) -> None:
        for name, value in fields.items():
            setattr(event.response, name, value)

    return handler


def message_with(event: dict[str, Any], *, code: bool = True, username: bool = True) -> str:
    request = event["request"]
    parts = ["Hello and welcome"]
    if username and request["usernameParameter"]:
        parts.append(request["usernameParameter"])
    if code:
        parts.append(f"your code is {request['codeParameter']}")
    return ", ".join(parts)


@pytest.mark.parametrize("field", ["sms_message", "email_message"])
@pytest.mark.parametrize("source", MESSAGE_SOURCES)
def test_message_without_the_code_placeholder_is_refused(source: str, field: str) -> None:
    text = message_with(make_event(source), code=False)
    error = str(refused(source, message_handler(**{field: text})))
    assert "the placeholder in event.request.code_parameter" in error


@pytest.mark.parametrize("field", ["sms_message", "email_message"])
@pytest.mark.parametrize("source", MESSAGE_SOURCES)
def test_message_with_its_placeholders_is_accepted(source: str, field: str) -> None:
    text = message_with(make_event(source))
    result = accepted(source, message_handler(**{field: text}, email_subject="Your code"))
    assert result["response"]["smsMessage" if field == "sms_message" else "emailMessage"] == text
    assert result["response"]["emailSubject"] == "Your code"


@pytest.mark.parametrize("field", ["sms_message", "email_message"])
def test_admin_create_user_message_without_the_username_placeholder_is_refused(
    field: str,
) -> None:
    text = message_with(make_event(ADMIN_MESSAGE), username=False)
    assert "{####}" in text
    error = str(refused(ADMIN_MESSAGE, message_handler(**{field: text})))
    assert "the placeholder in event.request.username_parameter" in error


@pytest.mark.parametrize("field", ["sms_message", "email_message"])
def test_username_placeholder_is_needed_only_for_admin_create_user(field: str) -> None:
    source = TriggerSource.CustomMessage_SignUp
    overrides: dict[str, Any] = {"request": {"usernameParameter": "{username}"}}
    text = message_with(make_event(source), username=False)
    accepted(source, message_handler(**{field: text}), **overrides)


@pytest.mark.parametrize("field", ["sms_message", "email_message"])
def test_placeholder_is_the_one_the_event_names(field: str) -> None:
    overrides: dict[str, Any] = {"request": {"codeParameter": "####"}}
    source = TriggerSource.CustomMessage_ForgotPassword
    accepted(source, message_handler(**{field: "Your reset code: ####"}), **overrides)
    refused(source, message_handler(**{field: "Your reset code: {###}"}), **overrides)


# A two-character placeholder lets the length limits be probed on their own.
SHORT_CODE: dict[str, Any] = {"request": {"codeParameter": "##"}}


def text_of(length: int) -> str:
    return ("##" + "x" * length)[:length]


@pytest.mark.parametrize(
    ("field", "maximum"), [("sms_message", SMS_MESSAGE_MAX), ("email_message", EMAIL_MESSAGE_MAX)]
)
@pytest.mark.parametrize("source", MESSAGE_SOURCES)
def test_message_length_limits(source: str, field: str, maximum: int) -> None:
    overrides = copy.deepcopy(SHORT_CODE)
    if source == ADMIN_MESSAGE:
        overrides["request"]["usernameParameter"] = "@"

    def text(length: int) -> str:
        prefix = "##@" if source == ADMIN_MESSAGE else "##"
        return prefix + "x" * (length - len(prefix))

    for length in (MESSAGE_MIN, maximum):
        accepted(source, message_handler(**{field: text(length)}), **overrides)
    for length in (MESSAGE_MIN - 1, maximum + 1):
        error = refused(source, message_handler(**{field: text(length)}), **overrides)
        assert f"not {length}" in str(error)


def test_limits_are_cognitos() -> None:
    assert (MESSAGE_MIN, SMS_MESSAGE_MAX, EMAIL_MESSAGE_MAX, EMAIL_SUBJECT_MAX) == (
        6,
        140,
        20_000,
        140,
    )


@pytest.mark.parametrize("length", [1, EMAIL_SUBJECT_MAX])
def test_email_subject_within_limits_is_accepted(length: int) -> None:
    source = TriggerSource.CustomMessage_SignUp
    result = accepted(source, message_handler(email_subject="s" * length))
    assert result["response"]["emailSubject"] == "s" * length


@pytest.mark.parametrize("length", [0, EMAIL_SUBJECT_MAX + 1])
def test_email_subject_outside_limits_is_refused(length: int) -> None:
    source = TriggerSource.CustomMessage_SignUp
    assert "emailSubject" in str(refused(source, message_handler(email_subject="s" * length)))


# -- user migration (AWS docs, Migrate user Lambda trigger) ---------------------------------------

MIGRATED = {"email": "jane.doe@example.com", "email_verified": "true"}


def migration_handler(**fields: Any) -> Callable[[UserMigrationEvent], None]:
    def handler(event: UserMigrationEvent) -> None:
        for name, value in fields.items():
            setattr(event.response, name, value)

    return handler


@pytest.mark.parametrize(
    "fields",
    [
        {"final_user_status": "CONFIRMED"},
        {"message_action": "SUPPRESS"},
        {"desired_delivery_mediums": ["EMAIL"]},
        {"force_alias_creation": True},
        {"enable_sms_mfa": False},
        {"user_attributes": {}},
    ],
    ids=lambda fields: ",".join(fields),
)
@pytest.mark.parametrize("source", MIGRATION_SOURCES)
def test_migration_without_user_attributes_is_refused(source: str, fields: dict[str, Any]) -> None:
    assert "userAttributes" in str(refused(source, migration_handler(**fields)))


@pytest.mark.parametrize("source", MIGRATION_SOURCES)
def test_migration_with_user_attributes_alone_is_accepted(source: str) -> None:
    result = accepted(source, migration_handler(user_attributes=MIGRATED))
    assert result["response"]["userAttributes"] == MIGRATED


def test_migration_with_every_field_is_accepted() -> None:
    handler = migration_handler(
        user_attributes=MIGRATED,
        final_user_status="CONFIRMED",
        message_action="SUPPRESS",
        desired_delivery_mediums=["EMAIL", "SMS"],
        force_alias_creation=True,
        enable_sms_mfa=False,
    )
    response = accepted(TriggerSource.UserMigration_Authentication, handler)["response"]
    assert response == {
        "userAttributes": MIGRATED,
        "finalUserStatus": "CONFIRMED",
        "messageAction": "SUPPRESS",
        "desiredDeliveryMediums": ["EMAIL", "SMS"],
        "forceAliasCreation": True,
        "enableSMSMFA": False,
    }


@pytest.mark.parametrize("status", ["CONFIRMED", "RESET_REQUIRED"])
def test_migration_final_status_accepted(status: str) -> None:
    handler = migration_handler(user_attributes=MIGRATED, final_user_status=status)
    accepted(TriggerSource.UserMigration_Authentication, handler)


@pytest.mark.parametrize(
    "status", ["FORCE_CHANGE_PASSWORD", "UNCONFIRMED", "confirmed", "", "CONFIRMED "]
)
def test_migration_final_status_refused(status: str) -> None:
    handler = migration_handler(user_attributes=MIGRATED, final_user_status=status)
    error = refused(TriggerSource.UserMigration_Authentication, handler)
    assert "finalUserStatus" in str(error)


def test_migration_message_action_suppress_accepted() -> None:
    handler = migration_handler(user_attributes=MIGRATED, message_action="SUPPRESS")
    accepted(TriggerSource.UserMigration_ForgotPassword, handler)


@pytest.mark.parametrize("action", ["RESEND", "suppress", ""])
def test_migration_message_action_refused(action: str) -> None:
    handler = migration_handler(user_attributes=MIGRATED, message_action=action)
    error = refused(TriggerSource.UserMigration_ForgotPassword, handler)
    assert "messageAction" in str(error)


@pytest.mark.parametrize("mediums", [["EMAIL"], ["SMS"], ["EMAIL", "SMS"], ["SMS", "EMAIL"], []])
def test_migration_delivery_mediums_accepted(mediums: list[str]) -> None:
    handler = migration_handler(user_attributes=MIGRATED, desired_delivery_mediums=mediums)
    accepted(TriggerSource.UserMigration_Authentication, handler)


@pytest.mark.parametrize("mediums", [["VOICE"], ["email"], ["EMAIL", "PUSH"], [""]])
def test_migration_delivery_mediums_refused(mediums: list[str]) -> None:
    handler = migration_handler(user_attributes=MIGRATED, desired_delivery_mediums=mediums)
    error = refused(TriggerSource.UserMigration_Authentication, handler)
    assert "desiredDeliveryMediums" in str(error)


# -- define auth challenge ------------------------------------------------------------------------


def define_handler(**fields: Any) -> Callable[[DefineAuthChallengeEvent], None]:
    def handler(event: DefineAuthChallengeEvent) -> None:
        for name, value in fields.items():
            setattr(event.response, name, value)

    return handler


def test_define_auth_challenge_issuing_tokens_and_failing_is_refused() -> None:
    error = refused(DEFINE, define_handler(issue_tokens=True, fail_authentication=True))
    assert "issue tokens" in str(error)


@pytest.mark.parametrize(
    "fields",
    [
        {"issue_tokens": True, "fail_authentication": False},
        {"issue_tokens": False, "fail_authentication": True},
        {"issue_tokens": True},
        {"fail_authentication": True},
        {"challenge_name": "CUSTOM_CHALLENGE", "issue_tokens": False, "fail_authentication": False},
    ],
    ids=lambda fields: ",".join(f"{k}={v}" for k, v in fields.items()),
)
def test_define_auth_challenge_consistent_answers_are_accepted(fields: dict[str, Any]) -> None:
    accepted(DEFINE, define_handler(**fields))


# -- what the handler did not touch is never checked ----------------------------------------------

UNTOUCHED: list[Any] = [
    pytest.param(
        TriggerSource.CustomMessage_SignUp,
        {"response": {"smsMessage": "no code", "emailMessage": "x", "emailSubject": ""}},
        id="custom-message-without-placeholder",
    ),
    pytest.param(
        ADMIN_MESSAGE,
        {"response": {"smsMessage": "{####}" * 30, "emailMessage": "{####}"}},
        id="admin-message-too-long-and-without-username",
    ),
    pytest.param(
        TriggerSource.UserMigration_Authentication,
        {"response": {"finalUserStatus": "BOGUS", "messageAction": "RESEND"}},
        id="migration-without-attributes",
    ),
    pytest.param(
        DEFINE,
        {"response": {"issueTokens": True, "failAuthentication": True}},
        id="define-both",
    ),
    pytest.param(
        V1,
        {
            "response": {
                "claimsOverrideDetails": {
                    "claimsToAddOrOverride": {"sub": "other", "dev:x": "1"},
                    "claimsToSuppress": ["iss"],
                }
            }
        },
        id="v1-protected-claims",
    ),
    pytest.param(
        V2,
        {
            "response": {
                "claimsAndScopeOverrideDetails": {
                    "idTokenGeneration": {"claimsToAddOrOverride": {"address": {"a": 1}}},
                    "accessTokenGeneration": {
                        "claimsToAddOrOverride": {"aud": "someone-else"},
                        "scopesToAdd": ["two words"],
                    },
                }
            }
        },
        id="v2-bad-claims-and-scopes",
    ),
    pytest.param(
        M2M,
        {
            "response": {
                "claimsAndScopeOverrideDetails": {
                    "idTokenGeneration": {"claimsToAddOrOverride": {"x": "y"}},
                    "groupOverrideDetails": {},
                }
            }
        },
        id="client-credentials-id-token-and-groups",
    ),
]


@pytest.mark.parametrize(("source", "overrides"), UNTOUCHED)
def test_prefilled_response_the_handler_did_not_touch_is_not_checked(
    source: str, overrides: dict[str, Any]
) -> None:
    seen: list[object] = []

    def handler(event: Any) -> None:
        seen.append(event.response)  # reads the response, changes nothing

    received = event_for(source, **overrides)
    assert accepted(source, handler, **overrides) == received
    assert len(seen) == 2


def test_prefilled_message_is_not_checked_when_the_handler_changes_another_field() -> None:
    source = TriggerSource.CustomMessage_SignUp
    overrides: dict[str, Any] = {"response": {"smsMessage": "no code"}}
    result = accepted(source, message_handler(email_subject="Welcome"), **overrides)
    assert result["response"] == {
        "smsMessage": "no code",
        "emailMessage": None,
        "emailSubject": "Welcome",
    }


def test_returning_the_event_is_the_same_as_returning_none() -> None:
    def handler(event: CustomMessageEvent) -> CustomMessageEvent:
        event.response.sms_message = "no placeholder"
        return event

    refused(TriggerSource.CustomMessage_SignUp, handler)


# -- responses written outside the typed fields ----------------------------------------------

# Models keep unknown received keys, but a handler cannot invent an attribute: under Cognito's
# camelCase name it would bypass the typed field the rules read; misspelt, Cognito ignores it.


def refused_in_some_way(source: str, handler: Handler) -> None:
    """Refused at the assignment or by the router, whichever a fix chooses; never sent."""
    app = router_with(source, handler)
    with pytest.raises((ValueError, AttributeError)):
        invoke(app, make_event(source))
    with pytest.raises(InternalError):
        app.lambda_handler(make_event(source))


def test_protected_claim_under_the_json_name_of_the_v2_container_is_refused() -> None:
    def handler(event: Any) -> None:
        event.response.claimsAndScopeOverrideDetails = {
            "idTokenGeneration": {"claimsToAddOrOverride": {"sub": "someone-else"}}
        }

    # Today: accepted, and Cognito receives {"claimsToAddOrOverride": {"sub": "someone-else"}}.
    refused_in_some_way(V2, handler)


def test_non_string_claim_under_the_json_name_of_the_v1_container_is_refused() -> None:
    def handler(event: Any) -> None:
        event.response.claimsOverrideDetails = {"claimsToAddOrOverride": {"custom:level": 1}}

    refused_in_some_way(V1, handler)


def test_define_auth_challenge_both_flags_under_their_json_names_is_refused() -> None:
    def handler(event: Any) -> None:
        event.response.issueTokens = True
        event.response.failAuthentication = True

    # Today: accepted, and Cognito receives issueTokens and failAuthentication both true.
    refused_in_some_way(DEFINE, handler)


def test_migration_status_under_its_json_name_is_refused() -> None:
    def handler(event: Any) -> None:
        event.response.user_attributes = MIGRATED
        event.response.finalUserStatus = "FORCE_CHANGE_PASSWORD"

    refused_in_some_way(TriggerSource.UserMigration_Authentication, handler)


def test_the_other_versions_container_is_refused() -> None:
    # A V2 event answered in V1's shape: Cognito reads only claimsAndScopeOverrideDetails from a V2
    # event and ignores the rest, so this would silently do nothing: refused.
    def handler(event: Any) -> None:
        event.response.claims_override_details = {"claimsToAddOrOverride": {"sub": "x"}}

    refused_in_some_way(V2, handler)


def test_a_misspelt_response_field_is_refused() -> None:
    # Cognito silently ignores it; the typed view and the wire also disagree for camelCase names.
    def handler(event: Any) -> None:
        event.response.auto_confirm_usr = True

    refused_in_some_way(TriggerSource.PreSignUp_SignUp, handler)


def test_aud_without_a_client_id_is_refused() -> None:
    def handler(event: PreTokenGenerationV2Event) -> None:
        event.add_claim("aud", None, token=ACCESS)

    refused(V2, handler, callerContext={"clientId": None})


# -- claim values must be JSON ------------------------------------------------------------------

NOT_JSON = [
    pytest.param(float("nan"), id="nan"),
    pytest.param(float("inf"), id="inf"),
    pytest.param(-float("inf"), id="-inf"),
    pytest.param({"a", "b"}, id="set"),
    pytest.param(b"bytes", id="bytes"),
    pytest.param(datetime(2026, 1, 1, tzinfo=UTC), id="datetime"),
    pytest.param(object(), id="object"),
    pytest.param({"nested": [1, {"deep": float("nan")}]}, id="nested-nan"),
    pytest.param([1, {"x"}], id="set-in-list"),
    pytest.param({1: "int key"}, id="int-key"),
]


@pytest.mark.parametrize("token", [ID, ACCESS])
@pytest.mark.parametrize("value", NOT_JSON)
def test_a_claim_value_that_is_not_json_is_refused_at_the_call(value: Any, token: str) -> None:
    error = refused(V3, claim_change("helper", "add", token, "custom:profile", value))
    assert "A claim with a 14-character name must have a JSON value" in str(error)


@pytest.mark.parametrize("token", [ID, ACCESS])
@pytest.mark.parametrize("value", NOT_JSON)
def test_a_claim_value_that_is_not_json_is_refused_in_the_response(value: Any, token: str) -> None:
    refused(V2, claim_change("response", "add", token, "custom:profile", value))


def test_a_machine_claim_that_is_not_json_is_refused() -> None:
    def handler(event: ClientCredentialsEvent) -> None:
        event.add_claim("groups", {"agents"}, token=ACCESS)

    refused(M2M, handler)


@pytest.mark.parametrize(
    "value", [10**30, -0.0, "ünïcode", ("a", 1), {"k": [None, True, 1.5, {"x": []}]}]
)
def test_every_json_value_is_a_claim_value(value: Any) -> None:
    accepted(V3, claim_change("helper", "add", "access", "custom:profile", value))


# -- attribute values: 2,048 characters at most -------------------------------------------------


@pytest.mark.parametrize("source", MIGRATION_SOURCES)
def test_a_migrated_attribute_value_over_2048_characters_is_refused(source: str) -> None:
    long = {**MIGRATED, "custom:bio": "x" * (ATTRIBUTE_VALUE_MAX + 1)}
    error = str(refused(source, migration_handler(user_attributes=long)))
    assert "attribute 3 of 3 in userAttributes is 2049 characters long" in error
    fits = {**MIGRATED, "custom:bio": "é" * ATTRIBUTE_VALUE_MAX}
    accepted(source, migration_handler(user_attributes=fits))


EMOJI = "\U0001f600"  # outside the BMP: 2 UTF-16 code units, 1 code point


@pytest.mark.parametrize("source", MIGRATION_SOURCES)
def test_attribute_values_are_measured_in_utf16_code_units(source: str) -> None:
    # 1,100 emoji are 1,100 code points but 2,200 UTF-16 units, as Cognito (Java) counts.
    too_long = {**MIGRATED, "custom:bio": EMOJI * 1100}
    error = str(refused(source, migration_handler(user_attributes=too_long)))
    assert "is 2200 characters long, in UTF-16 code units" in error
    for fits in ("\u4e2d" * ATTRIBUTE_VALUE_MAX, EMOJI * (ATTRIBUTE_VALUE_MAX // 2)):
        accepted(source, migration_handler(user_attributes={**MIGRATED, "custom:bio": fits}))
    one_over = "x" + EMOJI * (ATTRIBUTE_VALUE_MAX // 2)
    refused(source, migration_handler(user_attributes={**MIGRATED, "custom:bio": one_over}))


def test_message_lengths_are_measured_in_utf16_code_units() -> None:
    source = TriggerSource.CustomMessage_SignUp
    # "##" and 69 emoji: 71 code points, 140 units, at the limit; one more emoji is 142.
    accepted(source, message_handler(sms_message="##" + EMOJI * 69), **SHORT_CODE)
    error = refused(source, message_handler(sms_message="##" + EMOJI * 70), **SHORT_CODE)
    assert "not 142 (UTF-16 code units" in str(error)
    subject = refused(source, message_handler(email_subject=EMOJI * 71))
    assert "emailSubject must be 1 to 140 characters long, not 142" in str(subject)
    accepted(source, message_handler(email_subject=EMOJI * 70))


def test_cognito_length_counts_utf16_code_units() -> None:
    assert cognito_length("") == 0
    assert cognito_length("abc") == 3
    assert cognito_length("é\u4e2d") == 2  # the BMP: one unit each
    assert cognito_length(EMOJI) == 2
    assert cognito_length("\ud83d") == 1  # a lone surrogate (JSON "\ud83d") is one unit too


def test_a_federated_attribute_value_over_2048_characters_is_refused() -> None:
    source = TriggerSource.InboundFederation_ExternalProvider

    def mapping(value: str) -> Handler:
        def handler(event: InboundFederationEvent) -> None:
            event.response.user_attributes_to_map = {"email": EMAIL, "custom:groups": value}

        return handler

    assert ATTRIBUTE_VALUE_MAX == 2048
    assert "attribute 2 of 2 in userAttributesToMap" in str(refused(source, mapping("g" * 2049)))
    accepted(source, mapping("g" * 2048))
    assert "2200 characters long" in str(refused(source, mapping(EMOJI * 1100)))


# -- keys Cognito does not know, inside the response ---------------------------------------------


def test_an_unknown_key_nested_in_the_response_is_refused() -> None:
    def misspelt(event: Any) -> None:
        # Cognito would ignore the claims: the key is ClaimsToAddOrOverride's camelCase twin.
        event.response.claims_and_scope_override_details = {
            "idTokenGeneration": {"ClaimsToAddOrOverride": {"tenant": "acme"}}
        }

    error = str(refused(V2, misspelt))
    where = "in claimsAndScopeOverrideDetails.idTokenGeneration"
    assert f"{where}, did you mean 'claimsToAddOrOverride'?" in error

    def built(event: Any) -> None:
        details = v2_details(event)
        details.access_token_generation = AccessTokenGeneration.model_validate(
            {"scopesToAddd": ["a/b"]}
        )

    error = str(refused(V3, built))
    assert "accessTokenGeneration, did you mean 'scopesToAdd'?" in error

    def listed(event: Any) -> None:
        event.response.claims_override_details = ClaimsOverrideDetails(
            group_override_details=GroupOverrideDetails.model_validate({"groups": ["admins"]})
        )

    refused(V1, listed)


def test_an_unknown_key_at_the_top_of_a_new_response_is_refused() -> None:
    def replaced(event: Any) -> None:
        event.response = type(event.response).model_validate(
            {"autoConfirmUser": True, "autoConfirmUsers": True}
        )

    error = str(refused(TriggerSource.PreSignUp_SignUp, replaced))
    assert "1 key(s) Cognito does not know (at the top, did you mean 'autoConfirmUser'?)" in error


def test_unknown_keys_cognito_sent_in_the_response_stay_and_pass() -> None:
    received = {
        "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {}, "futureField": 1},
            "futureToo": {"x": 1},
        },
        "futureTop": True,
    }

    def handler(event: PreTokenGenerationV2Event) -> None:
        event.add_claim("tenant", "acme")

    result = accepted(V3, handler, response=received, allow_unknown=True)
    details = response_of(result)["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"] == {
        "claimsToAddOrOverride": {"tenant": "acme"},
        "futureField": 1,
    }
    assert details["futureToo"] == {"x": 1}
    assert response_of(result)["futureTop"] is True


# -- pre-filled values pydantic coerces are not changes ------------------------------------------


@pytest.mark.parametrize(
    ("source", "response"),
    [
        (TriggerSource.UserMigration_Authentication, {"forceAliasCreation": "false"}),
        (TriggerSource.UserMigration_ForgotPassword, {"enableSMSMFA": 0, "forceAliasCreation": "true"}),
        (TriggerSource.PreSignUp_SignUp, {"autoVerifyEmail": "false", "autoConfirmUser": 0}),
        (DEFINE, {"issueTokens": "false", "failAuthentication": "0", "challengeName": "CUSTOM_CHALLENGE"}),
        (TriggerSource.VerifyAuthChallengeResponse_Authentication, {"answerCorrect": "false"}),
    ],
)  # fmt: skip
def test_a_coerced_prefilled_value_the_handler_did_not_touch_is_not_a_change(
    source: str, response: dict[str, Any]
) -> None:
    received = make_event(source, response=response)
    assert accepted(source, lambda event: None, response=response) == received


# -- responses Cognito would reject or silently ignore (a new user's review) ---------------------


def test_a_misspelt_challenge_name_is_refused_naming_the_right_one() -> None:
    def handler(event: DefineAuthChallengeEvent) -> None:
        event.response.challenge_name = "CUSTOM_CHALENGE"

    assert "did you mean 'CUSTOM_CHALLENGE'" in str(refused(DEFINE, handler))


@pytest.mark.parametrize(
    ("flag", "attribute"), [("auto_verify_email", "email"), ("auto_verify_phone", "phone_number")]
)
def test_verifying_an_attribute_the_user_lacks_is_refused(flag: str, attribute: str) -> None:
    def handler(event: PreSignUpEvent) -> None:
        setattr(event.response, flag, True)

    source = TriggerSource.PreSignUp_SignUp
    attributes = {"userAttributes": {"given_name": "Jane"}}
    event = make_event(source, request=attributes)
    del event["request"]["userAttributes"]["email"]
    app = router_with(source, handler)
    with pytest.raises(ResponseError, match=attribute):
        invoke(app, event)
    with_it = {"email": "a@example.com", "phone_number": "+14255550123"}
    accepted(source, handler, request={"userAttributes": with_it})


def test_a_claim_both_added_and_suppressed_is_refused() -> None:
    def handler(event: PreTokenGenerationV2Event) -> None:
        event.add_claim("tenant", "acme", token=BOTH)
        event.suppress_claim("tenant", token=ACCESS)

    assert "both added and suppressed" in str(refused(V3, handler))


PRE_SIGN_UP_FLAGS = ["auto_confirm_user", "auto_verify_email", "auto_verify_phone"]


@pytest.mark.parametrize("flag", PRE_SIGN_UP_FLAGS)
def test_a_pre_sign_up_flag_on_admin_create_user_is_refused(flag: str) -> None:
    # Cognito ignores all three for AdminCreateUser: the handler would believe it confirmed the user.
    def handler(event: PreSignUpEvent) -> None:
        setattr(event.response, flag, True)

    error = refused(TriggerSource.PreSignUp_AdminCreateUser, handler)
    assert "PreSignUp_AdminCreateUser" in str(error)
    assert "ignores" in str(error)


@pytest.mark.parametrize("flag", PRE_SIGN_UP_FLAGS)
def test_a_pre_sign_up_flag_left_false_on_admin_create_user_is_accepted(flag: str) -> None:
    def handler(event: PreSignUpEvent) -> None:
        setattr(event.response, flag, False)

    source = TriggerSource.PreSignUp_AdminCreateUser
    accepted(source, handler)
    accepted(source, lambda event: None)


@pytest.mark.parametrize(
    "source", [TriggerSource.PreSignUp_SignUp, TriggerSource.PreSignUp_ExternalProvider]
)
@pytest.mark.parametrize("flag", PRE_SIGN_UP_FLAGS)
def test_a_pre_sign_up_flag_on_other_sources_is_accepted(source: str, flag: str) -> None:
    def handler(event: PreSignUpEvent) -> None:
        setattr(event.response, flag, True)

    with_both = {"email": "a@example.com", "phone_number": "+14255550123"}
    accepted(source, handler, request={"userAttributes": with_both})


# -- custom authentication must decide (AWS docs: Define and Verify auth challenge triggers) ------

VERIFY = TriggerSource.VerifyAuthChallengeResponse_Authentication


@pytest.mark.parametrize(
    "fields",
    [{}, {"issue_tokens": False, "fail_authentication": False}, {"challenge_name": None}],
    ids=["nothing", "both-false", "no-challenge"],
)
def test_define_auth_challenge_that_decides_nothing_is_refused(fields: dict[str, Any]) -> None:
    # Cognito got {"challengeName": None, "issueTokens": None, "failAuthentication": None}.
    error = str(refused(DEFINE, define_handler(**fields)))
    for field in ("issue_tokens=True", "fail_authentication=True", "challenge_name"):
        assert field in error


def test_define_auth_challenge_issuing_tokens_with_a_next_challenge_is_refused() -> None:
    handler = define_handler(issue_tokens=True, challenge_name="CUSTOM_CHALLENGE")
    assert "next challenge" in str(refused(DEFINE, handler))


def test_define_auth_challenge_decided_before_the_handler_is_accepted() -> None:
    # Nothing touched, but the response Cognito gets decides: it goes back as it came.
    prefilled = {"response": {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False}}
    assert accepted(DEFINE, lambda event: None, **prefilled) == event_for(DEFINE, **prefilled)


def test_verify_auth_challenge_that_answers_nothing_is_refused() -> None:
    # Cognito got {"answerCorrect": None}.
    assert "answer_correct" in str(refused(VERIFY, lambda event: None))


@pytest.mark.parametrize("answer", [True, False])
def test_verify_auth_challenge_answers_are_accepted(answer: bool) -> None:
    def handler(event: Any) -> None:
        event.response.answer_correct = answer

    assert response_of(accepted(VERIFY, handler)) == {"answerCorrect": answer}


# -- a rule's message is logged: it never shows a value the handler may have taken from the event --

DATA = "jane.doe@example.com"  # an address, as a claim name, scope, attribute or key might be


def _set_v1_claims(event: Any) -> None:
    event.response.claims_override_details = ClaimsOverrideDetails(
        claims_to_add_or_override={DATA: 1}
    )


def _add_and_suppress(event: Any) -> None:
    event.add_claim(DATA, "x")
    event.suppress_claim(DATA)


def _set_scopes(event: Any) -> None:
    v2_details(event).access_token_generation = AccessTokenGeneration(
        scopes_to_add=[f"{DATA} read"]
    )


DATA_IN_A_MISTAKE: list[Any] = [
    pytest.param(V3, lambda e: e.add_scope(f"{DATA} read"), {}, id="scope-with-white-space"),
    pytest.param(V2, _set_scopes, {}, id="scope-in-the-response"),
    pytest.param(V3, lambda e: e.add_claim(DATA, {"a", "b"}), {}, id="claim-value-not-json"),
    pytest.param(V3, lambda e: e.add_claim(f"dev:{DATA}", "x"), {}, id="dev-claim-added"),
    pytest.param(V3, lambda e: e.add_claim(f"cognito:{DATA}", "x"), {}, id="cognito-claim"),
    pytest.param(V1, lambda e: e.add_claim(DATA, 1), {}, id="v1-non-string-helper"),
    pytest.param(V1, _set_v1_claims, {}, id="v1-non-string-response"),
    pytest.param(V3, _add_and_suppress, {}, id="claim-added-and-suppressed"),
    pytest.param(
        TriggerSource.UserMigration_Authentication,
        migration_handler(user_attributes={DATA: "x" * (ATTRIBUTE_VALUE_MAX + 1)}),
        {},
        id="attribute-too-long",
    ),
    pytest.param(
        TriggerSource.CustomMessage_SignUp,
        message_handler(sms_message="Your code is on its way"),
        {"request": {"codeParameter": "{" + DATA + "}"}},
        id="placeholder-of-the-event",
    ),
    pytest.param(DEFINE, define_handler(challenge_name=DATA), {}, id="challenge-name"),
    pytest.param(
        V2,
        lambda e: setattr(e.response, "claims_and_scope_override_details", {DATA: "x"}),
        {},
        id="unknown-key",
    ),
    pytest.param(V3, lambda e: e.add_claim("tenant", "x", token=DATA), {}, id="token-name"),
]


@pytest.mark.parametrize(("source", "handler", "overrides"), DATA_IN_A_MISTAKE)
def test_a_refused_response_never_shows_a_value_in_its_message(
    source: str, handler: Handler, overrides: dict[str, Any]
) -> None:
    error = str(refused(source, handler, **overrides))
    assert "returned" not in error  # the rule's own message, not a handler's wrong return
    assert DATA not in error and "jane" not in error


def test_a_wrong_type_at_the_call_never_shows_the_value() -> None:
    error = type_error(V3, lambda e: e.override_groups(DATA))
    assert "write [...]" in error and DATA not in error
