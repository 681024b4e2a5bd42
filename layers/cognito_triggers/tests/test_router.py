"""The dispatcher: registration, precedence, defaults, errors, logging, metrics, serialisation."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers import (
    ClientCredentialsEvent,
    CreateAuthChallengeEvent,
    CustomEmailSenderEvent,
    CustomMessageEvent,
    CustomSMSSenderEvent,
    DefineAuthChallengeEvent,
    Deny,
    InboundFederationEvent,
    InternalError,
    InvalidEventError,
    PostAuthenticationEvent,
    PostConfirmationEvent,
    PreAuthenticationEvent,
    PreSignUpEvent,
    PreTokenGenerationEvent,
    PreTokenGenerationV1Event,
    ResponseError,
    Router,
    TriggerEvent,
    TriggerFamily,
    TriggerRouter,
    TriggerSource,
    UnhandledSourceError,
    UserMigrationEvent,
    VerifyAuthChallengeResponseEvent,
    parse_event,
)
from cognito_triggers.testing import invoke, make_event

from .corpus import DECORATOR, conformance_files, decide, load, sample_events, undecided

SECRET_VALUES = ("correct horse battery staple", "482913", "jane.doe@example.com", "Jane")


class Context:
    aws_request_id = "5d2f2d6c-8f1b-4a0e-9c1e-0d0c7f1a2b3c"
    function_name = "PreSignUpFunction"


# -- every family through the router --------------------------------------------------------


def test_every_family_reaches_its_typed_handler() -> None:
    app = TriggerRouter(strict=True)
    seen: dict[str, type] = {}

    def record(event: TriggerEvent) -> None:
        seen[event.trigger_source] = type(event)
        decide(event)  # custom auth must

    for family in TriggerFamily:
        decorator = getattr(app, _decorator_name(family))
        assert decorator(record) is record  # returned unchanged
        assert family in app.families
    assert app.client_credentials(record) is record  # a machine's tokens: registered by name

    for source in TriggerSource:
        app.lambda_handler(make_event(source))
    expected = {
        TriggerFamily.PreSignUp: PreSignUpEvent,
        TriggerFamily.PostConfirmation: PostConfirmationEvent,
        TriggerFamily.PreAuthentication: PreAuthenticationEvent,
        TriggerFamily.PostAuthentication: PostAuthenticationEvent,
        TriggerFamily.DefineAuthChallenge: DefineAuthChallengeEvent,
        TriggerFamily.CreateAuthChallenge: CreateAuthChallengeEvent,
        TriggerFamily.VerifyAuthChallengeResponse: VerifyAuthChallengeResponseEvent,
        TriggerFamily.CustomMessage: CustomMessageEvent,
        TriggerFamily.UserMigration: UserMigrationEvent,
        TriggerFamily.CustomEmailSender: CustomEmailSenderEvent,
        TriggerFamily.CustomSMSSender: CustomSMSSenderEvent,
        TriggerFamily.InboundFederation: InboundFederationEvent,
    }
    assert len(seen) == 41
    for name, model in seen.items():
        family = TriggerSource(name).family
        if family is TriggerFamily.PreTokenGeneration:
            assert model.__name__.startswith(("PreTokenGeneration", "ClientCredentials"))
        else:
            assert model is expected[family]


def _decorator_name(family: TriggerFamily) -> str:
    return DECORATOR[family]


def test_one_decorator_per_family_with_an_example_in_its_docstring() -> None:
    assert set(DECORATOR) == set(TriggerFamily)
    for family, name in DECORATOR.items():
        doc = getattr(TriggerRouter(), name).__doc__
        assert f"@app.{name}" in doc and family.value in doc


def test_a_handler_may_return_the_event_or_take_the_context() -> None:
    app = TriggerRouter()
    contexts: list[Any] = []

    @app.pre_sign_up
    def confirm(event: PreSignUpEvent, context: Any) -> PreSignUpEvent:
        contexts.append(context)
        event.response.auto_confirm_user = True
        return event

    result = app.lambda_handler(make_event("PreSignUp_SignUp"), Context())
    assert result["response"]["autoConfirmUser"] is True
    assert isinstance(contexts[0], Context)


def _positional_context(event: Any, lambda_context: Any) -> None:
    _seen.append(lambda_context)


def _context_with_default(event: Any, context: Any = None) -> None:
    _seen.append(context)


def _passes_on_args(event: Any, *args: Any) -> None:
    _seen.extend(args)  # a wrapper's pass-through


_seen: list[Any] = []


@pytest.mark.parametrize("handler", [_positional_context, _context_with_default, _passes_on_args])
def test_the_context_goes_to_a_second_parameter_meant_for_it(handler: Any) -> None:
    app = TriggerRouter()
    app.pre_sign_up(handler)
    context = Context()
    _seen.clear()
    app.lambda_handler(make_event("PreSignUp_SignUp"), context)
    assert _seen == [context]


def test_returning_something_else_is_a_response_error() -> None:
    app = TriggerRouter()

    @app.pre_sign_up
    def wrong(event: PreSignUpEvent) -> Any:
        return {"response": {"autoConfirmUser": True}}

    with pytest.raises(ResponseError, match="returns None or the event"):
        invoke(app, make_event("PreSignUp_SignUp"))


def test_lambda_handler_is_the_entry_point_and_the_older_names_warn() -> None:
    app = TriggerRouter()
    event = make_event("PostConfirmation_ConfirmSignUp")
    assert app.lambda_handler(event, None) == app.lambda_handler(event) == event
    with pytest.deprecated_call(match=r"resolve\(\) is TriggerRouter.lambda_handler\(\)"):
        assert app.resolve(event, None) == event  # type: ignore[deprecated]
    with pytest.deprecated_call(match="calling the TriggerRouter"):
        assert app(event, None) == event  # type: ignore[deprecated]
    with pytest.deprecated_call(match=r"testing.invoke\(\)"):
        assert app.resolve_typed(event).trigger_source == event["triggerSource"]  # type: ignore[deprecated]


# -- precedence, filters, routers ----------------------------------------------------------


def _tagging_app() -> TriggerRouter:
    app = TriggerRouter()

    def tag(label: str) -> Any:
        def handler(event: CustomMessageEvent) -> None:
            event.response.email_subject = label

        return handler

    app.on("CustomMessage_AdminCreateUser")(tag("exact"))
    app.custom_message(tag("family"))
    app.custom_message(client_id="special-client")(tag("family for one client"))
    app.catch_all(tag("catch-all"))
    app.on("CustomMessage_ForgotPassword", user_pool_id="us-east-1_Other")(tag("other pool"))
    return app


@pytest.mark.parametrize(
    ("overrides", "label"),
    [
        ({"triggerSource": "CustomMessage_AdminCreateUser"}, "exact"),
        ({"triggerSource": "CustomMessage_SignUp"}, "family"),
        ({"callerContext": {"clientId": "special-client"}}, "family for one client"),
        ({"triggerSource": "CustomMessage_ForgotPassword"}, "family"),
        (
            {"triggerSource": "CustomMessage_ForgotPassword", "userPoolId": "us-east-1_Other"},
            "other pool",
        ),
    ],
)
def test_exact_source_then_family_then_catch_all(overrides: dict[str, Any], label: str) -> None:
    event = make_event("CustomMessage_SignUp", **overrides)
    assert _tagging_app().lambda_handler(event)["response"]["emailSubject"] == label


def test_catch_all_takes_what_no_one_else_does() -> None:
    app = TriggerRouter()
    seen: list[str] = []
    app.catch_all(lambda event: seen.append(event.trigger_source))
    app.lambda_handler(make_event("InboundFederation_ExternalProvider"))
    assert seen == ["InboundFederation_ExternalProvider"]


def test_sources_filter_and_generic_on() -> None:
    app = TriggerRouter(strict=True)
    seen: list[str] = []

    @app.pre_sign_up(sources=["PreSignUp_ExternalProvider"])
    def federated(event: PreSignUpEvent) -> None:
        seen.append("federated")

    @app.on("TokenGeneration_ClientCredentials")
    def machines(event: ClientCredentialsEvent) -> None:
        seen.append("machines")

    @app.on("TokenGeneration")  # the source prefix names the family too
    def users(event: PreTokenGenerationEvent) -> None:
        seen.append("users")

    @app.on("PostConfirmation")
    def confirmed(event: PostConfirmationEvent) -> None:
        seen.append("confirmed")

    app.lambda_handler(make_event("PreSignUp_ExternalProvider"))
    app.lambda_handler(make_event("TokenGeneration_ClientCredentials"))
    app.lambda_handler(make_event("TokenGeneration_RefreshTokens"))
    app.lambda_handler(make_event("PostConfirmation_ConfirmForgotPassword"))
    assert seen == ["federated", "machines", "users", "confirmed"]
    with pytest.raises(UnhandledSourceError):
        invoke(app, make_event("PreSignUp_SignUp"))
    assert {(r.family, r.source) for r in app.routes} >= {
        (TriggerFamily.PreSignUp, "PreSignUp_ExternalProvider"),
        (TriggerFamily.PreTokenGeneration, None),
    }


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (lambda app: app.on("PreTokenGen"), "not a trigger family .* did you mean 'PreTokenGeneration'"),
        (lambda app: app.pre_sign_up(sources=["PostConfirmation_ConfirmSignUp"]), "not a PreSignUp"),
        (lambda app: app.pre_sign_up(sources=["PreSignUp"]), "not a PreSignUp triggerSource"),
        # Typos of real sources would register a handler that never runs: refused, with the fix.
        (lambda app: app.on("TokenGeneration_ClientCredential"), "did you mean 'TokenGeneration_ClientCredentials'"),
        (lambda app: app.pre_sign_up(sources=["PreSignUp_Signup"]), "did you mean 'PreSignUp_SignUp'"),
        (lambda app: app.on("PreSignUp_Future"), "not a known Cognito triggerSource"),
        (lambda app: app.pre_sign_up(sources=[]), "sources= is empty"),
        # A machine's tokens are another principal: never through the user decorator.
        (lambda app: app.pre_token_generation(sources=["TokenGeneration_ClientCredentials"]), "client_credentials"),
    ],
)  # fmt: skip
def test_bad_registrations_fail_with_a_clear_message(register: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        register(TriggerRouter())(lambda event: None)


async def _async_handler(event: PreSignUpEvent) -> None:
    return None


def _three_positional(event: Any, context: Any, extra: Any) -> None:
    return None


def _keyword_only(event: Any, *, flag: bool) -> None:
    return None


def _defaulted_second(event: Any, retries: int = 3) -> None:
    return None  # Lambda would pass the context as `retries`


def _defaulted_third(event: Any, context: Any, retries: int = 3) -> None:
    return None


@pytest.mark.parametrize(
    ("register", "message"),
    [
        (lambda app: app.pre_sign_up(sources="PreSignUp_SignUp"), r"a list of triggerSources.*sources=\['PreSignUp_SignUp'\]"),
        (lambda app: app.client_credentials(sources=["TokenGeneration_ClientCredentials"]), "takes no sources="),
        (lambda app: app.pre_sign_up(client_id=["a", "b"]), "client_id takes one id"),
        (lambda app: app.pre_sign_up(_async_handler), "async function"),
        (lambda app: app.on("PreSignUp")(_async_handler), "async function"),
        (lambda app: app.catch_all(_async_handler), "async function"),
        (lambda app: app.pre_sign_up(_three_positional), r"handler\(event\) or handler\(event, context\); Cognito never sets 'extra'"),
        (lambda app: app.pre_sign_up(_keyword_only), r"Cognito never sets 'flag'"),
        (lambda app: app.pre_sign_up(lambda: None), r"handler\(event\) or handler\(event, context\); this one takes no event"),
        (lambda app: app.pre_sign_up(_defaulted_second), r"second parameter 'retries' has a default.*name it `context`"),
        (lambda app: app.on("PreSignUp")(_defaulted_second), r"second parameter 'retries'"),
        (lambda app: app.catch_all(_defaulted_second), r"second parameter 'retries'"),
        (lambda app: app.pre_sign_up(_defaulted_third), r"Cognito never sets 'retries'"),
        (lambda app: app.pre_sign_up("PreSignUp_SignUp"), "takes a handler function"),
        (lambda app: app.on(TriggerFamily), "named by a string"),
    ],
)  # fmt: skip
def test_wrong_registrations_are_type_errors_at_import(register: Any, message: str) -> None:
    app = TriggerRouter()
    with pytest.raises(TypeError, match=message):
        register(app)
    assert app.routes == []  # nothing half-registered


def test_a_future_source_still_routes_by_family_at_run_time() -> None:
    # Lenient in: only registration is strict about names.
    app = TriggerRouter(strict=True)
    seen: list[str] = []

    @app.pre_sign_up
    def any_sign_up(event: PreSignUpEvent) -> None:
        seen.append(event.trigger_source)

    app.lambda_handler(make_event("PreSignUp_SomethingNew", allow_unknown=True))
    assert seen == ["PreSignUp_SomethingNew"]


def test_machine_tokens_reach_only_handlers_registered_for_them() -> None:
    app = TriggerRouter()
    users: list[str] = []

    @app.pre_token_generation
    def user_claims(event: PreTokenGenerationEvent) -> None:
        users.append(event.trigger_source)
        event.add_claim("tenant", "acme")

    @app.catch_all
    def everything_else(event: TriggerEvent) -> None:
        users.append(event.trigger_source)

    machine_event = make_event("TokenGeneration_ClientCredentials")
    # No machine handler: the event goes back unchanged, and no user handler saw it.
    assert app.lambda_handler(copy.deepcopy(machine_event)) == machine_event
    assert users == []
    app.lambda_handler(make_event("TokenGeneration_Authentication"))
    assert users == ["TokenGeneration_Authentication"]

    @app.client_credentials
    def machine_claims(event: ClientCredentialsEvent) -> None:
        event.add_scope("reports/read")

    result = app.lambda_handler(copy.deepcopy(machine_event))["response"]
    details = result["claimsAndScopeOverrideDetails"]
    assert details == {"accessTokenGeneration": {"scopesToAdd": ["reports/read"]}}
    assert users == ["TokenGeneration_Authentication"]


def test_two_handlers_for_one_route_fail_at_registration() -> None:
    app = TriggerRouter()
    app.pre_sign_up(lambda event: None)
    with pytest.raises(ValueError, match=r"two handlers for the same route: PreSignUp"):
        app.on("PreSignUp")(lambda event: None)
    app.pre_sign_up(client_id="web")(lambda event: None)  # a narrower route is another route


def test_include_router_merges_and_checks_duplicates() -> None:
    sign_up = Router()

    @sign_up.pre_sign_up
    def confirm(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    app = TriggerRouter()
    app.include_router(sign_up)
    assert app.lambda_handler(make_event("PreSignUp_SignUp"))["response"]["autoConfirmUser"] is True
    with pytest.raises(ValueError, match="two handlers"):
        app.include_router(sign_up)


# -- the result: only what the handler changed ---------------------------------------------


def test_a_handler_that_does_nothing_returns_the_event_unchanged() -> None:
    app = TriggerRouter()
    app.catch_all(lambda event: None)
    for source in TriggerSource:
        event = make_event(source)
        if undecided(parse_event(make_event(source))):  # custom auth's samples: must decide
            with pytest.raises(InternalError) as failed:
                app.lambda_handler(event)
            assert isinstance(failed.value.__cause__, ResponseError)
            continue
        assert app.lambda_handler(event) == event
    decided = make_event("DefineAuthChallenge_Authentication", response={"issueTokens": True})
    assert app.lambda_handler(decided) == decided


@pytest.mark.parametrize("path", [*conformance_files("accept"), *sample_events()])
def test_no_op_round_trip_through_the_router(path: Path | dict[str, Any]) -> None:
    received = load(path)
    app = TriggerRouter()
    app.catch_all(lambda event: None)
    if undecided(parse_event(load(path))):
        with pytest.raises(InternalError):
            app.lambda_handler(received)
        return
    result = app.lambda_handler(received)
    assert json.dumps(result) == json.dumps(received)


def test_only_what_the_handler_set_changes() -> None:
    app = TriggerRouter()

    @app.user_migration
    def migrate(event: UserMigrationEvent) -> None:
        event.response.user_attributes = {"email": "jane.doe@example.com", "email_verified": "true"}
        event.response.final_user_status = "CONFIRMED"

    received = make_event("UserMigration_Authentication")
    result = app.lambda_handler(received)
    assert result["response"] == {
        **received["response"],
        "userAttributes": {"email": "jane.doe@example.com", "email_verified": "true"},
        "finalUserStatus": "CONFIRMED",
    }
    assert {k: v for k, v in result.items() if k != "response"} == {
        k: v for k, v in received.items() if k != "response"
    }
    assert received["response"]["userAttributes"] is None  # the input is not mutated


# -- pre token generation, V1 / V2 / V3 ------------------------------------------------------


def _customise(event: PreTokenGenerationEvent) -> None:
    event.add_claim("tenant", "acme")
    event.suppress_claim("family_name")
    if event.version in ("2", "3"):
        event.add_claim("roles", ["reader", "writer"], token="access")
        event.add_scope("reports/read")
        event.suppress_scope("aws.cognito.signin.user.admin")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (
            "1",
            {
                "claimsOverrideDetails": {
                    "claimsToAddOrOverride": {"tenant": "acme"},
                    "claimsToSuppress": ["family_name"],
                }
            },
        ),
        *[
            (
                version,
                {
                    "claimsAndScopeOverrideDetails": {
                        "idTokenGeneration": {
                            "claimsToAddOrOverride": {"tenant": "acme"},
                            "claimsToSuppress": ["family_name"],
                        },
                        "accessTokenGeneration": {
                            "claimsToAddOrOverride": {"roles": ["reader", "writer"]},
                            "scopesToAdd": ["reports/read"],
                            "scopesToSuppress": ["aws.cognito.signin.user.admin"],
                        },
                    }
                },
            )
            for version in ("2", "3")
        ],
    ],
)
def test_pre_token_helpers_serialise_by_version(version: str, expected: dict[str, Any]) -> None:
    app = TriggerRouter()
    app.pre_token_generation(_customise)
    result = app.lambda_handler(make_event("TokenGeneration_Authentication", version=version))
    assert result["response"] == expected
    # No groupOverrideDetails unless asked for: an empty one would strip every group.
    assert "groupOverrideDetails" not in json.dumps(result["response"])


def test_group_override_in_each_version() -> None:
    app = TriggerRouter()

    @app.pre_token_generation
    def groups(event: PreTokenGenerationEvent) -> None:
        event.override_groups(["admins"], iam_roles=["arn:aws:iam::1:role/a"], preferred_role="r")

    v1 = app.lambda_handler(make_event("TokenGeneration_HostedAuth", version="1"))["response"]
    v3 = app.lambda_handler(make_event("TokenGeneration_RefreshTokens"))["response"]
    details = {
        "groupsToOverride": ["admins"],
        "iamRolesToOverride": ["arn:aws:iam::1:role/a"],
        "preferredRole": "r",
    }
    assert v1 == {"claimsOverrideDetails": {"groupOverrideDetails": details}}
    assert v3 == {"claimsAndScopeOverrideDetails": {"groupOverrideDetails": details}}


def test_client_credentials_customise_the_access_token() -> None:
    app = TriggerRouter()

    @app.client_credentials
    def machine(event: ClientCredentialsEvent) -> None:
        event.add_claim("department", "support", token="access")
        event.add_claim("groups", ["agents"], token="access")

    result = app.lambda_handler(make_event("TokenGeneration_ClientCredentials"))
    assert result["response"] == {
        "claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"department": "support", "groups": ["agents"]}
            }
        }
    }


@pytest.mark.parametrize(
    ("source", "ask", "message"),
    [
        ("TokenGeneration_HostedAuth", lambda e: e.add_claim("x", "y", token="access"), "V1 can only"),
        ("TokenGeneration_HostedAuth", lambda e: e.add_claim("n", 1), "string claim values"),
        ("TokenGeneration_HostedAuth", lambda e: e.add_scope("a"), "cannot change scopes"),
        ("TokenGeneration_HostedAuth", lambda e: e.suppress_claim("x", token="both"), "V1 can only"),
        ("TokenGeneration_ClientCredentials", lambda e: e.add_claim("x", "y", token="id"), "no ID token"),
        ("TokenGeneration_ClientCredentials", lambda e: e.override_groups(["a"]), "no groups"),
        ("TokenGeneration_Authentication", lambda e: e.add_claim("sub", "x"), "'sub'"),
        ("TokenGeneration_Authentication", lambda e: e.add_scope("a b"), "white space"),
    ],
)  # fmt: skip
def test_what_a_version_cannot_do_is_a_response_error(source: str, ask: Any, message: str) -> None:
    app = TriggerRouter()
    if source == "TokenGeneration_ClientCredentials":
        app.client_credentials(ask)
    else:
        app.pre_token_generation(ask)
    version = "1" if source == "TokenGeneration_HostedAuth" else "3"
    with pytest.raises(ResponseError, match=message):
        invoke(app, make_event(source, version=version))


# -- unhandled sources ---------------------------------------------------------------------


def test_unhandled_defaults(caplog: pytest.LogCaptureFixture) -> None:
    app = TriggerRouter()
    caplog.set_level(logging.WARNING, "cognito_triggers")
    sign_up = make_event("PreSignUp_SignUp")
    assert app.lambda_handler(sign_up) == sign_up  # Cognito's default: pass through
    define = app.lambda_handler(make_event("DefineAuthChallenge_Authentication"))["response"]
    assert (define["issueTokens"], define["failAuthentication"]) == (False, True)
    verify = app.lambda_handler(make_event("VerifyAuthChallengeResponse_Authentication"))[
        "response"
    ]
    assert verify["answerCorrect"] is False
    with pytest.raises(InternalError):
        app.lambda_handler(make_event("CreateAuthChallenge_Authentication"))
    with pytest.raises(UnhandledSourceError, match="no handler for CreateAuthChallenge"):
        invoke(app, make_event("CreateAuthChallenge_Authentication"))
    unhandled = [r for r in caplog.records if "no handler" in r.getMessage()]
    assert len(unhandled) == 3  # one record each, the error counted among failures
    pools = {r.__dict__["cognito_trigger"]["user_pool_id"] for r in unhandled}
    assert pools == {"us-east-1_Ex4mPl3Xy"}


def test_strict_router_refuses_any_unhandled_source() -> None:
    app = TriggerRouter(strict=True)
    with pytest.raises(UnhandledSourceError):
        invoke(app, make_event("PostAuthentication_Authentication"))
    with pytest.raises(InternalError):
        app.lambda_handler(make_event("PostAuthentication_Authentication"))


# -- errors: Deny for the user, nothing else reaches Cognito -------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Sign-up is open to example.com addresses only.", "Sign-up is open to example.com addresses only"),
        ("No trailing period", "No trailing period"),
        ("Ends with dots...", "Ends with dots"),
    ],
)  # fmt: skip
def test_deny_reaches_the_user_without_a_trailing_period(text: str, shown: str) -> None:
    app = TriggerRouter()

    @app.pre_sign_up
    def deny(event: PreSignUpEvent) -> None:
        raise Deny(text)

    with pytest.raises(Deny) as denied:
        app.lambda_handler(make_event("PreSignUp_SignUp"))
    assert str(denied.value) == shown
    with pytest.raises(Deny):
        invoke(app, make_event("PreSignUp_SignUp"))


def test_deny_in_a_custom_sender_is_a_logged_failure(caplog: pytest.LogCaptureFixture) -> None:
    """Cognito invokes senders asynchronously: a Deny reaches no user, so it is an error."""
    app = TriggerRouter()

    @app.custom_email_sender
    def refuse(event: CustomEmailSenderEvent) -> None:
        raise Deny("No e-mail for you")

    caplog.set_level(logging.ERROR, "cognito_triggers")
    with pytest.raises(InternalError) as failed:
        app.lambda_handler(make_event("CustomEmailSender_SignUp"), Context())
    assert isinstance(failed.value.__cause__, ResponseError)
    assert isinstance(failed.value.__cause__.__cause__, Deny)
    [record] = caplog.records
    assert "Deny has no user to reach in a custom sender" in caplog.text
    assert record.__dict__["cognito_trigger"]["trigger_source"] == "CustomEmailSender_SignUp"


def test_the_log_context_copies_only_text_from_the_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The context is read before validation: a malformed event's values stay out of the log."""
    app = TriggerRouter()
    event = make_event("PreSignUp_SignUp", allow_unknown=True)
    event["userPoolId"] = {"leaked": "jane@example.com"}
    event["callerContext"]["clientId"] = ["jane@example.com"]
    caplog.set_level(logging.ERROR, "cognito_triggers")
    with pytest.raises(InternalError):
        app.lambda_handler(event, Context())
    [record] = caplog.records
    assert record.__dict__["cognito_trigger"] == {
        "trigger_source": "PreSignUp_SignUp",
        "user_pool_id": "(not text: dict)",
        "client_id": "(not text: list)",
        "aws_request_id": Context.aws_request_id,
    }
    assert "jane@example.com" not in caplog.text


def test_a_failing_handler_is_logged_in_full_and_sanitised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = TriggerRouter()

    @app.user_migration
    def broken(event: UserMigrationEvent) -> None:
        raise KeyError("legacy_users table is missing")

    caplog.set_level(logging.ERROR, "cognito_triggers")
    with pytest.raises(InternalError) as failed:
        app.lambda_handler(make_event("UserMigration_Authentication"), Context())
    assert str(failed.value) == "Something went wrong, please try again later"
    # The cause stays on the exception, for tests; Lambda reports only its type and message.
    assert isinstance(failed.value.__cause__, KeyError) and failed.value.__suppress_context__
    assert failed.value.args == ("Something went wrong, please try again later",)
    assert "legacy_users" not in str(failed.value) and "KeyError" not in str(failed.value)
    [record] = caplog.records
    assert record.exc_info is not None and "legacy_users" in str(record.exc_info[1])
    assert record.__dict__["cognito_trigger"] == {  # set through `extra`
        "trigger_source": "UserMigration_Authentication",
        "user_pool_id": "us-east-1_Ex4mPl3Xy",
        "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
        "aws_request_id": Context.aws_request_id,
    }
    assert not any(secret in caplog.text for secret in SECRET_VALUES)


def test_invalid_events_and_rule_violations_are_sanitised_too() -> None:
    app = TriggerRouter(error_message="Sign-in is unavailable.")
    with pytest.raises(InternalError, match=r"^Sign-in is unavailable$"):
        app.lambda_handler({"triggerSource": "PreSignUp_SignUp"})
    with pytest.raises(InvalidEventError):
        invoke(app, {"triggerSource": "PreSignUp_SignUp"})

    @app.define_auth_challenge
    def both(event: DefineAuthChallengeEvent) -> None:
        event.response.issue_tokens = True
        event.response.fail_authentication = True

    with pytest.raises(InternalError, match=r"^Sign-in is unavailable$"):
        app.lambda_handler(make_event("DefineAuthChallenge_Authentication"))


# -- observability with Powertools ---------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Dimension .TriggerSource. has already been added")
def test_powertools_logger_and_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    from aws_lambda_powertools import Logger, Metrics

    logger = Logger(service="sign-up", stream=None)
    metrics = Metrics(namespace="CognitoTriggers", service="sign-up")
    app = TriggerRouter(logger=logger, metrics=metrics)

    @app.pre_sign_up
    def confirm(event: PreSignUpEvent) -> None:
        logger.info("checking sign-up")
        event.response.auto_confirm_user = True

    @app.user_migration
    def broken(event: UserMigrationEvent) -> None:
        raise RuntimeError("table gone")

    app.lambda_handler(make_event("PreSignUp_SignUp"), Context())
    with pytest.raises(InternalError):
        app.lambda_handler(make_event("UserMigration_Authentication"), Context())
    app.lambda_handler(make_event("PostAuthentication_Authentication"), Context())
    metrics.flush_metrics()

    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    logs = [r for r in records if "level" in r]
    info = next(r for r in logs if r["message"] == "checking sign-up")
    assert info["trigger_source"] == "PreSignUp_SignUp"
    assert info["user_pool_id"] == "us-east-1_Ex4mPl3Xy"
    failure = next(r for r in logs if r["level"] == "ERROR")
    assert failure["trigger_source"] == "UserMigration_Authentication"
    assert "table gone" in failure["exception"]
    unhandled = next(r for r in logs if r["level"] == "WARNING")
    assert "PostAuthentication_Authentication" in unhandled["message"]
    emitted = next(r for r in records if "_aws" in r)
    names = {m["Name"] for m in emitted["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"Handled", "Failed", "Unhandled"}
    text = json.dumps(records)
    assert not any(secret in text for secret in SECRET_VALUES)


def test_the_default_path_imports_nothing_from_powertools() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom cognito_triggers import TriggerRouter\n"
        "from cognito_triggers.testing import make_event\n"
        "app = TriggerRouter()\napp.pre_sign_up(lambda e: None)\n"
        "app.lambda_handler(make_event('PreSignUp_SignUp'))\n"
        "app.lambda_handler(make_event('PostAuthentication_Authentication'))\n"
        "print([m for m in sys.modules if m.startswith('aws_lambda_powertools')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_dumping_a_response_loads_nothing_more() -> None:
    # pydantic-core's first dump imports uuid, ipaddress, pathlib and urllib (a few ms of a cold
    # start): a response holding models (claims, challenge results) is dumped without it.
    import subprocess
    import sys

    events = [
        make_event("TokenGeneration_Authentication", version="3"),
        make_event("DefineAuthChallenge_Authentication"),
    ]
    code = (
        "import json, sys\nfrom cognito_triggers import TriggerRouter\n"
        "app = TriggerRouter()\n"
        "app.pre_token_generation(lambda e: e.add_claim('tenant', {'id': 7}, token='access'))\n"
        "app.define_auth_challenge(lambda e: setattr(e.response, 'fail_authentication', True))\n"
        "events = json.loads(sys.stdin.read())\n"
        "print(json.dumps([app.lambda_handler(event)['response'] for event in events]))\n"
        "print(sorted({'uuid', 'ipaddress', 'pathlib', 'urllib.parse'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(events), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    responses, loaded = done.stdout.splitlines()
    claims = json.loads(responses)[0]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert claims["claimsToAddOrOverride"] == {"tenant": {"id": 7}}
    assert json.loads(responses)[1]["failAuthentication"] is True
    assert loaded == "[]"


def test_the_handler_taking_an_event_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    # What `cognito-triggers run` / `invoke` read to say which handler ran.
    app = TriggerRouter()

    @app.pre_sign_up
    def confirm(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    app.lambda_handler(make_event("PreSignUp_SignUp"))
    assert "handled by" not in caplog.text  # INFO and above: nothing per event
    caplog.set_level(logging.DEBUG, "cognito_triggers")
    app.lambda_handler(make_event("PreSignUp_SignUp"))
    name = f"{__name__}.test_the_handler_taking_an_event_is_logged_at_debug.<locals>.confirm"
    assert f"cognito-triggers: PreSignUp_SignUp handled by {name}" in caplog.text


def test_the_trigger_context_leaves_the_logger_when_the_event_is_done() -> None:
    # A warm function reuses its Logger: the next request's records must not carry this one's.
    import io

    from aws_lambda_powertools import Logger

    stream = io.StringIO()
    logger = Logger(service="warm-function", stream=stream)
    app = TriggerRouter(logger=logger)
    app.pre_sign_up(lambda event: None)
    app.lambda_handler(make_event("PreSignUp_SignUp"), Context())
    logger.info("between invocations")
    records = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    between = next(r for r in records if r["message"] == "between invocations")
    assert "trigger_source" not in between and "aws_request_id" not in between


class _AsyncCallable:
    async def __call__(self, event: PreSignUpEvent) -> None:
        return None


def test_an_object_with_an_async_call_is_refused_at_registration() -> None:
    with pytest.raises(TypeError, match="async function"):
        TriggerRouter().pre_sign_up(_AsyncCallable())  # type: ignore[type-var]  # mypy sees it too


def _post_confirmation_handler(event: PostConfirmationEvent) -> None:
    return None


def _user_token_handler(event: PreTokenGenerationEvent) -> None:
    return None


@pytest.mark.parametrize(
    ("register", "message"),
    [
        # What mypy flags under the family decorators also fails at import without it...
        (lambda app: app.pre_sign_up(_post_confirmation_handler), "receive PreSignUpEvent"),
        # ... and through on(), which the type checker cannot follow by name.
        (lambda app: app.on("PreSignUp_SignUp")(_post_confirmation_handler), "receive PreSignUpEvent"),
        (lambda app: app.on("TokenGeneration_ClientCredentials")(_user_token_handler), "receive ClientCredentialsEvent"),
    ],
)  # fmt: skip
def test_a_handler_annotated_for_other_events_is_refused_at_registration(
    register: Any, message: str
) -> None:
    app = TriggerRouter()
    with pytest.raises(TypeError, match=message):
        register(app)
    assert app.routes == []


def test_handlers_annotated_loosely_or_for_one_version_register() -> None:
    def v1_pool(event: PreTokenGenerationV1Event) -> None:  # a V1 pool sends V1 only
        return None

    def anything(event: Any) -> None:
        return None

    app = TriggerRouter()
    app.on("PreTokenGeneration")(v1_pool)
    app.on("PreSignUp")(anything)
    app.post_confirmation(lambda event: None)
    assert len(app.routes) == 3


@pytest.mark.parametrize("postponed", [True, False])
def test_an_event_annotation_is_read_with_or_without_postponed_evaluation(postponed: bool) -> None:
    """``from __future__ import annotations`` or not, the event's annotation is checked; one that
    cannot be resolved (a type imported only for the checker) fails at registration, never a
    check skipped in silence. Other parameters' annotations are not the router's business."""
    module = "from __future__ import annotations\n" if postponed else ""
    module += (
        "from typing import TYPE_CHECKING, Any\n"
        "from cognito_triggers import PostConfirmationEvent, PreSignUpEvent\n"
        "if TYPE_CHECKING:\n"
        "    from cognito_triggers import PreAuthenticationEvent\n"
        "def right(event: PreSignUpEvent, context: 'LambdaContext') -> None: ...\n"
        "def wrong(event: PostConfirmationEvent) -> None: ...\n"
        "def unresolved(event: 'PreAuthenticationEvent') -> None: ...\n"
        "def factory(app, wrong=False):\n"  # imports the type where it registers the handler
        "    from cognito_triggers import PostConfirmationEvent, PreAuthenticationEvent\n"
        "    def local(event: PostConfirmationEvent if wrong else PreAuthenticationEvent): ...\n"
        "    app.pre_authentication(local)\n"
    )
    handlers: dict[str, Any] = {"__name__": "user_module"}
    # Not inheriting this test module's own `from __future__ import annotations`.
    code = compile(module, "user_module.py", "exec", dont_inherit=True)
    exec(code, handlers)  # noqa: S102 - our own text
    app = TriggerRouter()
    app.pre_sign_up(handlers["right"])
    with pytest.raises(TypeError, match="takes PostConfirmationEvent, but PreSignUp handlers"):
        app.pre_sign_up(handlers["wrong"])
    with pytest.raises(
        TypeError,
        match=r"user_module.unresolved: cannot resolve the annotation 'PreAuthenticationEvent' of "
        r"its event parameter 'event' \(NameError: .*\): import the event type",
    ):
        app.pre_authentication(handlers["unresolved"])
    handlers["factory"](app)
    with pytest.raises(TypeError, match="takes PostConfirmationEvent, but PreAuthentication"):
        handlers["factory"](TriggerRouter(), wrong=True)
    assert [route.handler.__name__ for route in app.routes] == ["right", "local"]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: Deny(""), ValueError),
        (lambda: Deny(" . "), ValueError),
        (lambda: Deny(123), TypeError),  # type: ignore[arg-type]
        (lambda: TriggerRouter(error_message=""), ValueError),
        (lambda: TriggerRouter(error_message=5), TypeError),  # type: ignore[arg-type]
    ],
)
def test_text_for_the_end_user_must_be_a_non_empty_str(make: Any, error: type) -> None:
    with pytest.raises(error, match="text"):
        make()


def test_the_debug_record_carries_the_trigger_context(caplog: pytest.LogCaptureFixture) -> None:
    app = TriggerRouter()
    app.pre_sign_up(lambda event: None)
    caplog.set_level(logging.DEBUG, "cognito_triggers")
    app.lambda_handler(make_event("PreSignUp_SignUp"))
    (record,) = [r for r in caplog.records if "handled by" in r.getMessage()]
    assert getattr(record, "cognito_trigger")["trigger_source"] == "PreSignUp_SignUp"  # noqa: B009


def test_invoke_fails_when_no_handler_took_the_event() -> None:
    # A test that sends the wrong trigger's event must not pass on the untouched event.
    app = TriggerRouter()

    @app.pre_sign_up(client_id="web")
    def web_sign_ups(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    with pytest.raises(UnhandledSourceError, match=r"no handler took PostConfirmation_Confirm"):
        invoke(app, make_event("PostConfirmation_ConfirmSignUp"))
    with pytest.raises(UnhandledSourceError, match=r"registered: PreSignUp, client_id='web'"):
        invoke(app, make_event("PreSignUp_SignUp"))  # the filter does not match the sample client
    assert invoke(app, make_event("PreSignUp_SignUp", callerContext={"clientId": "web"}))


def test_invoke_tests_the_pass_through_when_told_to() -> None:
    app = TriggerRouter()

    @app.pre_sign_up
    def confirm(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    passed = invoke(app, make_event("PostConfirmation_ConfirmSignUp"), expect_unhandled=True)
    assert passed.to_dict() == make_event("PostConfirmation_ConfirmSignUp")
    # Custom authentication fails closed without a handler, as Cognito needs.
    verified = invoke(
        app, make_event("VerifyAuthChallengeResponse_Authentication"), expect_unhandled=True
    )
    assert verified.response.answer_correct is False
    with pytest.raises(AssertionError, match="a handler took PreSignUp_SignUp"):
        invoke(app, make_event("PreSignUp_SignUp"), expect_unhandled=True)


def test_the_errors_a_user_catches_are_exported() -> None:
    import cognito_triggers
    from cognito_triggers import errors

    for name in errors.__all__:
        assert getattr(cognito_triggers, name) is getattr(errors, name)
        assert name in cognito_triggers.__all__
