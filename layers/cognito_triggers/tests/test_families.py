"""One record per trigger family: every family has one, and what the type checker needs written
out (the router's typed decorators, make_event's overloads) agrees with it."""

from __future__ import annotations

import types
import typing
from typing import Any, get_args, get_origin

import pytest

import cognito_triggers
from cognito_triggers import (
    TriggerFamily,
    TriggerRouter,
    TriggerSource,
    parse_event,
    source_types,
    testing,
)
from cognito_triggers.events import event_model
from cognito_triggers.families import FAMILIES
from cognito_triggers.router import FamilyDecorator, Router

NAMESPACE = {
    **{name: getattr(cognito_triggers, name) for name in cognito_triggers.__all__},
    **{name: getattr(source_types, name) for name in source_types.__all__},
    "Never": typing.Never,
}


def _types(annotation: Any) -> set[Any]:
    """The classes a type stands for: a union's members, or the type itself."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return set(get_args(annotation))
    return {annotation}


def test_every_family_has_one_record() -> None:
    assert set(FAMILIES) == set(TriggerFamily)
    for family, record in FAMILIES.items():
        assert record.family is family
        assert set(record.explicit_sources) <= set(family.sources)


@pytest.mark.parametrize("family", list(TriggerFamily))
def test_the_router_decorator_serves_the_records_models(family: TriggerFamily) -> None:
    record = FAMILIES[family]
    decorator = Router.__dict__[record.decorator]
    assert isinstance(decorator, FamilyDecorator)
    assert decorator.record is record and decorator.source is None
    hints = typing.get_type_hints(Router, localns=NAMESPACE)
    declared, sources = get_args(hints[record.decorator])
    allowed = _types(declared)
    # sources= takes the family's own sources (those with a decorator of their own aside), as
    # text and as TriggerSource members.
    users = [s for s in family.sources if s not in record.explicit_sources]
    assert get_args(sources) == (*(s.value for s in users), *users)
    assert all(type(s) is str for s in get_args(sources)[: len(users)])
    for source in family.sources:
        if source in record.explicit_sources:
            continue
        for version in ("1", "2", "3"):
            model = event_model(family, source.value, version)
            assert model in allowed, (source, version, model, allowed)
    assert f"@app.{record.decorator}" in (getattr(TriggerRouter(), record.decorator).__doc__ or "")


def test_explicit_sources_have_their_own_typed_decorator() -> None:
    hints = typing.get_type_hints(Router, localns=NAMESPACE)
    for record in FAMILIES.values():
        for source in record.explicit_sources:
            (name,) = [
                n
                for n, d in vars(Router).items()
                if isinstance(d, FamilyDecorator) and d.source is source
            ]
            declared, sources = get_args(hints[name])
            assert event_model(record.family, source.value, "3") in _types(declared)
            assert sources is typing.Never  # it serves its one source: no sources=


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
