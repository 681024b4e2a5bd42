"""Properties of parsing and of the round trip, over arbitrary and mutated events.

Lenient in, faithful out: whatever JSON arrives, ``parse_event`` either accepts it or raises
``InvalidEventError`` (never another exception); what it accepts comes back from ``to_dict`` and
from a router with nothing to do exactly as it came; unknown keys never change what parses.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from cognito_triggers import (
    AttributeMap,
    InvalidEventError,
    TriggerEvent,
    TriggerFamily,
    TriggerRouter,
    TriggerSource,
    parse_event,
)
from cognito_triggers.errors import InternalError
from cognito_triggers.events.model import CognitoField, CognitoModel
from cognito_triggers.testing import make_event

from .corpus import undecided

Path = tuple[str | int, ...]

SETTINGS = settings(max_examples=200, deadline=None)

SOURCES = list(TriggerSource)
M2M = TriggerSource.TokenGeneration_ClientCredentials
CUSTOM_AUTH = frozenset(
    {
        TriggerFamily.DefineAuthChallenge,
        TriggerFamily.CreateAuthChallenge,
        TriggerFamily.VerifyAuthChallengeResponse,
    }
)
# The JSON keys of Cognito's string-to-string maps, and of the claim maps: data, not structure.
ATTRIBUTE_MAP_KEYS = frozenset(
    {
        "userAttributes",
        "validationData",
        "clientMetadata",
        "privateChallengeParameters",
        "publicChallengeParameters",
        "tokenResponse",
        "idToken",
        "userInfo",
        "samlResponse",
        "userAttributesToMap",
    }
)
MAP_KEYS = ATTRIBUTE_MAP_KEYS | {"claimsToAddOrOverride"}
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# No field of any model is called this, by name or by alias.
unknown_keys = st.text(max_size=6).map(lambda text: f"x-unknown-{text}")
attribute_scalars = st.booleans() | st.integers() | st.floats(allow_nan=False)


# -- paths into JSON values ---------------------------------------------------------------------


def walk(value: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) in a JSON value, the root included."""
    yield prefix, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, (*prefix, index))


def node_at(root: Any, path: Path) -> Any:
    node = root
    for step in path:
        node = node[step]
    return node


def parent_of(root: Any, path: Path) -> Any:
    return node_at(root, path[:-1])


def attribute_value_paths(event: Any) -> list[Path]:
    """The paths of the string values of every attribute map in ``event``."""
    return [
        path
        for path, value in walk(event)
        if len(path) >= 2 and path[-2] in ATTRIBUTE_MAP_KEYS and isinstance(value, str)
    ]


@st.composite
def mutated_events(draw: st.DrawFn, max_mutations: int = 4) -> dict[str, Any]:
    """A sample event of any source, after a few random mutations."""
    event = make_event(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(0, max_mutations))):
        kind = draw(st.sampled_from(["delete", "replace", "add", "retype", "retype"]))
        inner = [path for path, _ in walk(event) if path]
        if kind == "delete" and inner:
            path = draw(st.sampled_from(inner))
            del parent_of(event, path)[path[-1]]
        elif kind == "replace" and inner:
            path = draw(st.sampled_from(inner))
            parent_of(event, path)[path[-1]] = draw(json_values)
        elif kind == "add":
            dicts = [path for path, value in walk(event) if isinstance(value, dict)]
            path = draw(st.sampled_from(dicts))
            node_at(event, path).setdefault(draw(unknown_keys), draw(json_values))
        elif kind == "retype":
            attributes = attribute_value_paths(event)
            if attributes:
                path = draw(st.sampled_from(attributes))
                parent_of(event, path)[path[-1]] = draw(attribute_scalars)
    return event


@st.composite
def retyped_events(draw: st.DrawFn) -> dict[str, Any]:
    """A sample event whose attribute-map values are turned into JSON booleans and numbers."""
    event = make_event(draw(st.sampled_from(SOURCES)))
    for path in attribute_value_paths(event):
        if draw(st.booleans()):
            parent_of(event, path)[path[-1]] = draw(attribute_scalars)
    return event


# -- the typed view -----------------------------------------------------------------------------


def is_attribute_map(field: CognitoField) -> bool:
    return field.annotation == AttributeMap or AttributeMap in get_args(field.annotation)


def attribute_maps(model: CognitoModel, raw: Any) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(field, typed map, received value) for every attribute map in a parsed model."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        received = raw.get(field.alias or name) if isinstance(raw, dict) else None
        if is_attribute_map(field) and isinstance(value, dict):
            yield name, value, received
        elif isinstance(value, CognitoModel):
            yield from attribute_maps(value, received)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, CognitoModel):
                    raw_item = received[index] if isinstance(received, list) else None
                    yield from attribute_maps(item, raw_item)


def as_cognito_writes_it(value: Any) -> Any:
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int or type(value) is float:
        return repr(value)
    return value


def declared(value: Any) -> Any:
    """A parsed value with every unknown (extra) key left out: what the models understood."""
    if isinstance(value, CognitoModel):
        return {name: declared(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list):
        return [declared(item) for item in value]
    if isinstance(value, dict):
        return {key: declared(item) for key, item in value.items()}
    return value


def parse_or_none(event: Any) -> TriggerEvent | None:
    """The parsed event, or ``None`` when refused: the only two outcomes allowed."""
    try:
        return parse_event(event)
    except InvalidEventError:
        return None


def check_attribute_maps_are_strings(event: TriggerEvent, received: dict[str, Any]) -> int:
    seen = 0
    for name, typed, raw in attribute_maps(event, received):
        seen += 1
        assert all(type(value) is str for value in typed.values()), name
        if isinstance(raw, dict):
            assert typed == {key: as_cognito_writes_it(value) for key, value in raw.items()}
    return seen


# -- (a) any JSON value -------------------------------------------------------------------------


@SETTINGS
@given(json_values)
def test_any_json_value_parses_or_is_refused_as_invalid(value: Any) -> None:
    snapshot = copy.deepcopy(value)
    parsed = parse_or_none(value)
    assert parsed is None or isinstance(parsed, TriggerEvent)
    assert value == snapshot


event_shaped = st.fixed_dictionaries(
    {
        "triggerSource": st.sampled_from(SOURCES).map(str)
        | st.sampled_from([f"{f.source_prefix}_{op}" for f in TriggerFamily for op in ("X", "")])
        | st.text(max_size=30),
    },
    optional={
        key: json_values
        for key in (
            "version",
            "region",
            "userPoolId",
            "userName",
            "callerContext",
            "request",
            "response",
        )
    },
)


@SETTINGS
@given(event_shaped)
def test_any_event_shaped_value_parses_or_is_refused_as_invalid(value: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(value)
    parsed = parse_or_none(value)
    if parsed is not None:
        assert isinstance(parsed, TriggerEvent)
        assert parsed.to_dict() == snapshot
    assert value == snapshot


@pytest.mark.parametrize(
    "value", [None, [], "PreSignUp_SignUp", 7, {}, {"triggerSource": None}, {"triggerSource": ""}]
)
def test_non_events_are_invalid(value: Any) -> None:
    with pytest.raises(InvalidEventError):
        parse_event(value)


# -- (b) mutated sample events: parse or refuse, and round trip exactly -------------------------


@SETTINGS
@given(mutated_events())
def test_mutated_event_parses_and_round_trips_or_is_refused(event: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(event)
    parsed = parse_or_none(event)
    assert event == snapshot  # parsing never edits what it was given
    label("refused" if parsed is None else "parsed")
    if parsed is None:
        return
    assert parsed.to_dict() == snapshot
    check_attribute_maps_are_strings(parsed, snapshot)


@SETTINGS
@given(retyped_events())
def test_attribute_values_as_json_booleans_and_numbers_read_as_strings(
    event: dict[str, Any],
) -> None:
    snapshot = copy.deepcopy(event)
    parsed = parse_event(event)  # nothing else changed: it must parse
    assert parsed.to_dict() == snapshot
    check_attribute_maps_are_strings(parsed, snapshot)


@pytest.mark.parametrize("source", SOURCES)
def test_every_sample_event_has_attribute_maps_the_property_sees(source: TriggerSource) -> None:
    # Guards the property above against vacuity: every sample shows at least one map, but the
    # migration request (none until the response sets them) and client credentials (no user).
    event = make_event(source)
    seen = check_attribute_maps_are_strings(parse_event(event), event)
    without_maps = source.family is TriggerFamily.UserMigration or source == M2M
    assert seen >= (0 if without_maps else 1)


def test_json_boolean_attribute_reads_as_cognitos_string() -> None:
    event = make_event(
        TriggerSource.PreSignUp_SignUp,
        request={"userAttributes": {"email_verified": True, "custom:age": 42, "x": 1.5}},
    )
    parsed = parse_event(copy.deepcopy(event))
    assert parsed.to_dict() == event
    attributes = parsed.request.user_attributes  # type: ignore[attr-defined]
    assert attributes["email_verified"] == "true"
    assert attributes["custom:age"] == "42"
    assert attributes["x"] == "1.5"


# -- (c) a router with nothing to do gives the event back ----------------------------------------


@SETTINGS
@given(mutated_events())
def test_router_without_handlers_returns_the_event_unchanged(event: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(event)
    parsed = parse_or_none(copy.deepcopy(event))
    app = TriggerRouter(strict=False)
    if parsed is None:
        with pytest.raises(InternalError):
            app.lambda_handler(event)
        return
    family = TriggerFamily.of(parsed.trigger_source)
    assert family is not None
    if family is TriggerFamily.CreateAuthChallenge:
        with pytest.raises(InternalError):  # no safe default: fails closed
            app.lambda_handler(event)
        return
    result = app.lambda_handler(event)
    assert event == snapshot
    if family not in CUSTOM_AUTH:
        assert result == snapshot
        return
    # Define and Verify fail closed: only the response differs.
    assert {k: v for k, v in result.items() if k != "response"} == {
        k: v for k, v in snapshot.items() if k != "response"
    }
    if family is TriggerFamily.DefineAuthChallenge:
        assert result["response"]["failAuthentication"] is True
        assert result["response"]["issueTokens"] is False
    else:
        assert result["response"]["answerCorrect"] is False


# -- (d) unknown keys change nothing ------------------------------------------------------------


def with_unknown_key_everywhere(value: Any, key: str, extra: Any) -> Any:
    """``value`` with ``key: extra`` added to every object but the maps (which hold data)."""
    if isinstance(value, dict):
        copied = {
            k: v if k in MAP_KEYS else with_unknown_key_everywhere(v, key, extra)
            for k, v in value.items()
        }
        copied.setdefault(key, copy.deepcopy(extra))
        return copied
    if isinstance(value, list):
        return [with_unknown_key_everywhere(item, key, extra) for item in value]
    return value


@SETTINGS
@given(mutated_events(max_mutations=2), unknown_keys, json_values)
def test_unknown_keys_at_every_level_never_change_what_parses(
    event: dict[str, Any], key: str, extra: Any
) -> None:
    widened = with_unknown_key_everywhere(event, f"z{key}", extra)
    snapshot = copy.deepcopy(widened)
    before = parse_or_none(event)
    after = parse_or_none(widened)
    assert (before is None) == (after is None)
    label("refused" if before is None else "parsed")
    if before is None or after is None:
        return
    assert type(after) is type(before)
    assert declared(after) == declared(before)
    assert after.to_dict() == snapshot


# -- (e) pre-filled responses of every family: untouched, they come back as they came ------------

# Every form pydantic reads as a boolean: Cognito, its emulators and other tools pre-fill some.
BOOLEAN_FORMS = [True, False, 0, 1, "true", "false", "True", "FALSE", "0", "1", "yes", "no", "on", "off"]  # fmt: skip
attribute_maps_values = st.dictionaries(
    st.text(max_size=8), st.text(max_size=8) | attribute_scalars, max_size=3
)


def values_for(annotation: Any) -> st.SearchStrategy[Any]:
    """JSON values that a response field of this type accepts, in every form it accepts."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is type(None):
        return st.none()
    if annotation is bool:
        return st.sampled_from(BOOLEAN_FORMS)
    if annotation is str:
        return st.text(max_size=12)
    if annotation is Any:
        return json_values
    if origin is Annotated:  # AttributeMap: strings, and JSON scalars read as strings
        return attribute_maps_values
    if origin is Union or origin is UnionType:
        return st.one_of([values_for(arg) for arg in args])
    if origin is list:
        return st.lists(values_for(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=8), values_for(args[1]), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, CognitoModel):
        return responses_of(annotation)
    raise TypeError(f"no strategy for {annotation!r}")


def responses_of(model: type[CognitoModel]) -> st.SearchStrategy[dict[str, Any]]:
    optional = {info.alias: values_for(info.annotation) for info in model.model_fields.values()}
    return st.fixed_dictionaries({}, optional=optional).flatmap(
        lambda known: st.dictionaries(unknown_keys, json_values, max_size=1).map(
            lambda extra: {**extra, **known}
        )
    )


def response_model(source: TriggerSource) -> type[CognitoModel]:
    model: type[CognitoModel] = (
        type(parse_event(make_event(source))).model_fields["response"].annotation
    )
    return model


@st.composite
def prefilled_events(draw: st.DrawFn) -> dict[str, Any]:
    """A sample event of any source whose response is pre-filled with any value its fields
    accept, in any form (``"false"`` for false), and maybe a key no model knows."""
    family = draw(st.sampled_from(list(TriggerFamily)))  # families alike, however many sources
    source = draw(st.sampled_from(sorted(family.sources)))
    event = make_event(source)
    event["response"] = draw(responses_of(response_model(TriggerSource(source))))
    return event


@SETTINGS
@given(prefilled_events())
def test_an_untouched_prefilled_response_comes_back_as_it_came(event: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(event)
    parsed = parse_event(copy.deepcopy(event))  # every value drawn is one the model accepts
    label(parsed.trigger_source.split("_")[0])
    assert parsed.response_changes() == {}
    assert parsed.to_dict() == snapshot
    app = TriggerRouter()
    app.catch_all(lambda event: None)  # handled, and nothing touched
    if undecided(parsed):  # custom auth must decide, even untouched: refused
        with pytest.raises(InternalError):
            app.lambda_handler(event)
    else:
        assert app.lambda_handler(event) == snapshot
    assert event == snapshot


def models_in(model: CognitoModel) -> Iterator[CognitoModel]:
    yield model
    for value in model.__dict__.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, CognitoModel):
                yield from models_in(item)


@SETTINGS
@given(prefilled_events())
def test_the_dump_of_response_changes_is_the_serializers(event: dict[str, Any]) -> None:
    # Responses are dumped without pydantic-core's serializer (its first use imports modules no
    # response needs, a cold-start cost): the two must agree on every model a response can hold.
    parsed = parse_event(event)
    for model in models_in(parsed.response):  # type: ignore[attr-defined]
        assert model._dump_set() == model.model_dump(exclude_unset=True)
