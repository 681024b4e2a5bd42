"""One record per trigger family, and what is generated from the records (the router's typed
decorators, make_event's overloads) agrees with what the parser does."""

from __future__ import annotations

import types
import typing
from typing import Any, get_args, get_origin

import pytest

import cognito_triggers
from cognito_triggers import TriggerFamily, TriggerSource, parse_event, source_types, testing
from cognito_triggers.events import event_model
from cognito_triggers.families import FAMILIES
from cognito_triggers.protocols import P, R, Registrar
from cognito_triggers.router import Router

NAMESPACE = {
    **{name: getattr(cognito_triggers, name) for name in cognito_triggers.__all__},
    **{name: getattr(source_types, name) for name in source_types.__all__},
    **{"Registrar": Registrar, "P": P, "R": R, "typed": source_types},
}


def _types(annotation: Any) -> set[Any]:
    """The classes a type stands for: a union's members, or the type itself."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return set(get_args(annotation))
    return {annotation}


def _decorator_types(name: str) -> tuple[set[Any], tuple[Any, ...] | None]:
    """The event classes a decorator's handlers are typed to take, and the sources its
    ``sources=`` is typed to take (``None`` where it takes none)."""
    bare, filtered = (
        typing.get_type_hints(overload, localns=NAMESPACE)
        for overload in typing.get_overloads(getattr(Router, name))
    )
    (event,) = get_args(filtered["return"])  # Registrar[Event]
    assert get_args(bare["handler"])[0].__args__[0] == event  # Callable[Concatenate[Event, P], R]
    sources = filtered["sources"]
    if sources is type(None):  # a decorator of one source: ``sources: None``
        return _types(event), None
    (iterable, _) = get_args(sources)  # Iterable[Literal[...]] | None
    (literal,) = get_args(iterable)
    return _types(event), get_args(literal)


def test_every_family_has_one_record() -> None:
    assert set(FAMILIES) == set(TriggerFamily)
    for family, record in FAMILIES.items():
        assert record.family is family
        assert set(record.explicit_sources) <= set(family.sources)


@pytest.mark.parametrize("family", list(TriggerFamily))
def test_the_family_decorator_is_typed_for_what_its_handlers_receive(family: TriggerFamily) -> None:
    record = FAMILIES[family]
    allowed, sources = _decorator_types(record.decorator)
    # sources= takes the family's own sources (those with a decorator of their own aside), as
    # text and as TriggerSource members.
    users = [s for s in family.sources if s not in record.explicit_sources]
    assert sources == (*(s.value for s in users), *users)
    assert all(type(s) is str for s in sources[: len(users)])
    for source in users:
        for version in ("1", "2", "3"):
            model = event_model(family, source.value, version)
            assert model in allowed, (source, version, model, allowed)
    doc = getattr(cognito_triggers.TriggerRouter(), record.decorator).__doc__ or ""
    assert f"@app.{record.decorator}" in doc and family.value in doc


def test_a_source_kept_apart_has_its_own_typed_decorator() -> None:
    for record in FAMILIES.values():
        for source, apart in record.explicit_sources.items():
            allowed, sources = _decorator_types(apart.decorator)
            assert event_model(record.family, source.value, "3") in allowed
            assert sources is None  # it serves its one source: no sources=


@pytest.mark.parametrize("source", list(TriggerSource))
def test_make_event_overloads_name_the_event_each_source_parses_into(source: TriggerSource) -> None:
    namespace = {**NAMESPACE, "SampleEvent": testing.SampleEvent}
    returned = [
        typing.get_type_hints(overload, localns=namespace)
        for overload in typing.get_overloads(testing.make_event)
    ]
    (hints,) = [h for h in returned if source.value in get_args(h["source"])]
    assert source in get_args(hints["source"])  # the enum member is typed as precisely
    (declared,) = get_args(hints["return"])
    assert type(parse_event(testing.make_event(source.value))) in _types(declared)
