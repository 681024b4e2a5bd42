"""Typed models: the conformance corpus, the project's sample events, and the typed view."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers import (
    ClientCredentialsEvent,
    CreateAuthChallengeEvent,
    CustomEmailSenderEvent,
    InvalidEventError,
    PreSignUpEvent,
    PreTokenGenerationV1Event,
    PreTokenGenerationV2Event,
    TriggerFamily,
    TriggerSource,
    UserMigrationEvent,
    VerifyAuthChallengeResponseEvent,
    parse_event,
)
from cognito_triggers.events import event_model
from cognito_triggers.testing import DEFAULT_PRE_TOKEN_VERSION, make_event

from .corpus import conformance_files, load, sample_events


@pytest.mark.parametrize("path", conformance_files("accept"))
def test_conformance_accept_parses_and_round_trips(path: Path) -> None:
    received = load(path)
    event = parse_event(received)
    family = TriggerFamily.of(received["triggerSource"])
    assert family is not None
    assert isinstance(event, event_model(family, received["triggerSource"], received["version"]))
    assert event.to_dict() == received
    # Serialised, the round trip is byte for byte.
    assert json.dumps(event.to_dict()) == json.dumps(received)


@pytest.mark.parametrize("path", conformance_files("reject"))
def test_conformance_reject_is_refused_with_a_clear_error(path: Path) -> None:
    received = load(path)
    with pytest.raises(InvalidEventError) as refused:
        parse_event(received)
    message = str(refused.value)
    assert "triggerSource" in message or repr(received.get("triggerSource")) in message


@pytest.mark.parametrize("path", conformance_files("quirks"))
def test_conformance_quirks_accepted_or_refused_naming_the_field(path: Path) -> None:
    received = load(path)
    outcome: object
    try:
        outcome = parse_event(received).to_dict()
    except InvalidEventError as refused:
        outcome = str(refused)
    if isinstance(outcome, str):
        assert "preferredRole" in outcome
        assert received["triggerSource"] in outcome
    else:
        assert outcome == received


@pytest.mark.parametrize("received", sample_events())
def test_sample_events_parse_and_round_trip(received: dict[str, Any]) -> None:
    assert parse_event(received).to_dict() == received


def test_every_pre_token_generation_sample_is_what_a_v3_pool_sends() -> None:
    pre_token = TriggerFamily.PreTokenGeneration.sources
    versions = {make_event(s.value)["version"] for s in pre_token}
    assert versions == {DEFAULT_PRE_TOKEN_VERSION} == {"3"}


@pytest.mark.parametrize(
    ("version", "model"),
    [
        ("1", PreTokenGenerationV1Event),
        ("2", PreTokenGenerationV2Event),
        ("3", PreTokenGenerationV2Event),
        ("0", PreTokenGenerationV1Event),  # cognito-local
        ("string", PreTokenGenerationV1Event),  # AWS doc placeholders
        ("$LATEST", PreTokenGenerationV1Event),  # LocalStack
    ],
)
def test_pre_token_model_follows_the_event_version(version: str, model: type) -> None:
    event = parse_event(make_event("TokenGeneration_Authentication", version=version))
    assert type(event) is model


def test_client_credentials_parse_with_no_user_fields() -> None:
    received = make_event("TokenGeneration_ClientCredentials")
    assert "userName" not in received
    event = parse_event(received)
    assert isinstance(event, ClientCredentialsEvent)
    assert event.user_name is None
    assert event.request.user_attributes is None
    assert event.request.scopes == ["agents/invoke", "agents/read"]
    assert event.to_dict() == received


def test_a_future_source_parses_as_its_family() -> None:
    received = make_event("PreSignUp_SomethingNew", allow_unknown=True)
    event = parse_event(received)
    assert isinstance(event, PreSignUpEvent)
    assert event.source == "PreSignUp_SomethingNew"
    assert parse_event(make_event("PreSignUp_SignUp")).source is TriggerSource.PreSignUp_SignUp


def test_typed_view_is_snake_case_and_nulls_stay_null() -> None:
    event = parse_event(make_event("PreSignUp_SignUp"))
    assert isinstance(event, PreSignUpEvent)
    assert event.request.user_attributes["email"] == "jane.doe@example.com"
    assert event.request.validation_data is None
    assert event.request.client_metadata is None
    assert event.caller_context.client_id == "3n4b5urk1ft4fl3mg5e62d9ado"
    assert event.response.auto_confirm_user is False


def test_json_booleans_and_numbers_in_attribute_maps_read_as_strings_and_go_back_unchanged() -> (
    None
):
    received = make_event(
        "PreSignUp_SignUp",
        request={"userAttributes": {"email_verified": True, "custom:age": 42, "custom:x": 1.5}},
    )
    event = parse_event(received)
    assert isinstance(event, PreSignUpEvent)
    attributes = event.request.user_attributes
    assert (attributes["email_verified"], attributes["custom:age"], attributes["custom:x"]) == (
        "true",
        "42",
        "1.5",
    )
    back = event.to_dict()
    assert back == received
    assert back["request"]["userAttributes"]["email_verified"] is True


def test_unknown_keys_are_kept_at_every_level() -> None:
    received = make_event(
        "DefineAuthChallenge_Authentication",
        allow_unknown=True,
        future={"x": 1},
        callerContext={"newField": "y"},
        request={"session": [{"challengeName": "SRP_A", "challengeResult": True, "extra": [1]}]},
        response={"somethingNew": None},
    )
    assert parse_event(received).to_dict() == received


@pytest.mark.parametrize(
    ("source", "secret", "reader"),
    [
        ("UserMigration_Authentication", "correct horse battery staple", "password"),
        ("VerifyAuthChallengeResponse_Authentication", "482913", "challenge_answer"),
        (
            "CustomEmailSender_SignUp",
            make_event("CustomEmailSender_SignUp")["request"]["code"],
            "code",
        ),
    ],
)
def test_secrets_are_masked_in_repr_and_str(source: str, secret: str, reader: str) -> None:
    event = parse_event(make_event(source))
    assert isinstance(
        event, UserMigrationEvent | VerifyAuthChallengeResponseEvent | CustomEmailSenderEvent
    )
    value = getattr(event.request, reader)
    assert value.get_secret_value() == secret
    for text in (repr(event), str(event), repr(event.request), f"{event.request}"):
        assert secret not in text
    assert secret in json.dumps(event.to_dict())  # what goes back to Cognito is untouched


@pytest.mark.parametrize(
    ("source", "overrides", "secret"),
    [
        pytest.param(
            "DefineAuthChallenge_Authentication",
            {"request": {"session": [{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "CODE-482913"}]}},
            "482913",
            id="session-metadata",
        ),
        pytest.param(
            "CreateAuthChallenge_Authentication",
            {"response": {"challengeMetadata": "CODE-482913"}},
            "482913",
            id="response-metadata",
        ),
        pytest.param(
            "UserMigration_Authentication",
            {"userName": "jane.doe@example.com"},
            "jane.doe@example.com",
            id="user-name",
        ),
        pytest.param(
            "CustomMessage_SignUp",
            {"response": {"smsMessage": "Hi Jane, {####}", "emailMessage": "Hi Jane", "emailSubject": "Jane"}},
            "Jane",
            id="messages",
        ),
    ],
)  # fmt: skip
def test_fields_that_may_hold_secrets_or_personal_data_are_masked_in_repr(
    source: str, overrides: dict[str, Any], secret: str
) -> None:
    event = parse_event(make_event(source, **overrides))
    for text in (repr(event), str(event), repr(event.request), repr(event.response)):  # type: ignore[attr-defined]
        assert secret not in text
    assert "<hidden>" in repr(event)
    assert secret in json.dumps(event.to_dict())


def test_challenge_metadata_a_handler_sets_is_masked_too() -> None:
    event = parse_event(make_event("CreateAuthChallenge_Authentication"))
    assert isinstance(event, CreateAuthChallengeEvent)
    event.response.challenge_metadata = "CODE-482913"
    event.response.private_challenge_parameters = {"answer": "482913"}
    assert "482913" not in repr(event)
    assert "challenge_name='CUSTOM_CHALLENGE'" in repr(event)  # structure stays readable


def test_forgot_password_migration_has_no_password() -> None:
    event = parse_event(make_event("UserMigration_ForgotPassword"))
    assert isinstance(event, UserMigrationEvent)
    assert event.request.password is None


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ([], "JSON object, not list"),
        ("PreSignUp_SignUp", "JSON object, not str"),
        (None, "JSON object, not NoneType"),
        ({}, "triggerSource is missing"),
        ({"triggerSource": 7}, "triggerSource is missing"),
        ({"triggerSource": "Nope_Nope"}, "unknown triggerSource 'Nope_Nope'"),
        (make_event("PreSignUp_SignUp", version=1), "invalid PreSignUp_SignUp event: version"),
        (
            make_event("PreSignUp_SignUp", request={"userAttributes": None}),
            "request.userAttributes",
        ),
        (
            # An attribute's name is the event's data: the path shows where, not which.
            make_event("PreSignUp_SignUp", request={"userAttributes": {"email": ["a"]}}),
            "request.userAttributes.<key>: Input should be a valid string",
        ),
    ],
)
def test_invalid_events_name_the_source_and_the_field(received: Any, expected: str) -> None:
    with pytest.raises(InvalidEventError, match=None) as refused:
        parse_event(received)
    assert expected in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_missing_user_name_is_named() -> None:
    received = make_event("PreSignUp_SignUp")
    del received["userName"]
    with pytest.raises(InvalidEventError, match=r"PreSignUp_SignUp.*userName: Field required"):
        parse_event(received)


def test_error_messages_never_carry_values() -> None:
    received = make_event("UserMigration_Authentication", request={"password": ["hunter2-secret"]})
    with pytest.raises(InvalidEventError) as refused:
        parse_event(received)
    assert "hunter2" not in str(refused.value)
    assert "request.password" in str(refused.value)


def test_cyclic_input_gives_the_documented_error() -> None:
    received = make_event("PreSignUp_SignUp")
    attributes: dict[str, Any] = {}
    attributes["self"] = attributes
    received["request"]["userAttributes"] = attributes
    with pytest.raises(InvalidEventError):
        parse_event(received)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_importing_the_package_builds_no_model_and_loads_no_family() -> None:
    loaded = _run(
        "import sys, cognito_triggers; "
        "print(sorted(m for m in sys.modules if m.startswith(('cognito_triggers', 'pydantic', "
        "'aws_lambda_powertools'))))"
    )
    assert loaded == "['cognito_triggers']"


def test_parsing_uses_pydantic_core_without_importing_pydantic() -> None:
    # pydantic's model machinery costs more at a cold start than importing pydantic itself.
    loaded = _run(
        "import sys, cognito_triggers\n"
        "from cognito_triggers.testing import make_event\n"
        "cognito_triggers.parse_event(make_event('TokenGeneration_Authentication'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    assert (
        loaded == "['pydantic_core', 'pydantic_core._pydantic_core', 'pydantic_core.core_schema']"
    )


def test_parsing_pre_sign_up_builds_only_what_pre_sign_up_needs() -> None:
    loaded = _run(
        "import sys, json, cognito_triggers\n"
        f"event = json.loads({json.dumps(json.dumps(make_event('PreSignUp_SignUp')))})\n"
        "before = set(sys.modules)\n"
        "cognito_triggers.parse_event(event)\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('cognito_triggers')"
        " or m.startswith('aws_lambda_powertools')))"
    )
    assert loaded == (
        "['cognito_triggers.errors', 'cognito_triggers.events', "
        "'cognito_triggers.events._core_contract', "
        "'cognito_triggers.events.envelope', 'cognito_triggers.events.model', "
        "'cognito_triggers.events.sign_up', 'cognito_triggers.families', 'cognito_triggers.rules', "
        "'cognito_triggers.sources']"
    )


@pytest.mark.parametrize(
    ("source", "overrides", "message"),
    [
        ("PreSignUp_SignUpp", {}, "did you mean 'PreSignUp_SignUp'"),
        ("PreSignUp_SomethingNew", {}, "allow_unknown=True"),
        ("PreSignUp_SignUp", {"request": {"userAtributes": {}}}, "did you mean 'userAttributes'"),
        ("PreSignUp_SignUp", {"respons": {}}, "did you mean 'response'"),
        ("CustomMessage_SignUp", {"response": {"smsMesage": "x"}}, "did you mean 'smsMessage'"),
        # At every depth the model describes: a test of "unknown client is denied" must not pass
        # on the default clientId with a clientID beside it.
        ("TokenGeneration_ClientCredentials", {"callerContext": {"clientID": "x"}}, "callerContext.*did you mean 'clientId'"),
        ("DefineAuthChallenge_Authentication", {"request": {"session": [{"challengeNme": "SRP_A"}]}}, r"request\.session\[\].*did you mean 'challengeName'"),
        ("TokenGeneration_Authentication", {"response": {"claimsAndScopeOverrideDetails": {"idTokenGeneration": {"claimsToAddOrOveride": {}}}}}, "idTokenGeneration.*did you mean 'claimsToAddOrOverride'"),
        ("TokenGeneration_Authentication", {"version": "1", "response": {"claimsOverrideDetails": {"groupOverrideDetails": {"groupToOverride": []}}}}, "did you mean 'groupsToOverride'"),
    ],
)  # fmt: skip
def test_make_event_refuses_names_a_test_would_silently_miss(
    source: str, overrides: dict[str, Any], message: str
) -> None:
    # A test against a misspelt name would pass against the wrong event.
    with pytest.raises(ValueError, match=message):
        make_event(source, **overrides)


def test_make_event_takes_any_key_where_keys_are_data_and_unknown_ones_on_purpose() -> None:
    event = make_event(
        "PreSignUp_SignUp",
        request={"userAttributes": {"custom:plan": "pro"}, "clientMetadata": {"any": "thing"}},
    )
    assert event["request"]["userAttributes"]["custom:plan"] == "pro"
    newer = make_event("PreSignUp_SignUp", callerContext={"newKey": 1}, allow_unknown=True)
    assert newer["callerContext"]["newKey"] == 1


def test_an_invalid_event_never_shows_a_key_of_a_map() -> None:
    # Attribute names and client metadata keys are the event's data, logged with this message.
    received = make_event(
        "PreSignUp_SignUp",
        request={
            "userAttributes": {"custom:jane.doe@example.com": ["a"]},
            "clientMetadata": {"jane.doe@example.com": ["a"]},
        },
    )
    with pytest.raises(InvalidEventError) as refused:
        parse_event(received)
    assert "jane" not in str(refused.value)
    assert "request.clientMetadata.<key>: Input should be a valid string" in str(refused.value)
