"""Typed Cognito trigger events, one module per trigger family, and :func:`parse_event`.

A family's models are imported, and built, the first time an event of that family is parsed: a
cold start pays only for the trigger its function serves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from pydantic_core import ValidationError

from ..errors import InvalidEventError
from ..families import FAMILIES
from ..sources import TriggerFamily, TriggerSource

if TYPE_CHECKING:
    from .envelope import TriggerEvent
    from .model import KeyTree

__all__ = ["event_model", "parse_event", "parse_with_family"]


@cache
def _family_target(family: TriggerFamily) -> Any:
    module, _, name = FAMILIES[family].model.partition(":")
    return getattr(import_module(f"{__name__}.{module}"), name)


def event_model(family: TriggerFamily, source: str, version: object) -> type[TriggerEvent]:
    """The model class for an event of ``family`` with this ``triggerSource`` and ``version``."""
    return _pick(_family_target(family), source, version)


def _pick(target: Any, source: str, version: object) -> type[TriggerEvent]:
    # A family's target is its model, or a function choosing by source and version.
    model: type[TriggerEvent] = target if isinstance(target, type) else target(source, version)
    return model


def _describe(error: ValidationError, event: dict[str, Any], known: KeyTree, limit: int = 3) -> str:
    # Paths and reasons only: an input value may be a password or an e-mail address.
    parts = []
    for detail in error.errors(include_input=False, include_url=False)[:limit]:
        path = ".".join(_path(detail["loc"], event, known)) or "(event)"
        parts.append(f"{path}: {detail['msg']}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _path(loc: tuple[str | int, ...], event: dict[str, Any], known: KeyTree) -> Iterator[str]:
    """``loc`` with every key of a map (attribute names, client metadata keys: data) as
    ``<key>``: walked beside the event, a key is a model's when its tree declares it."""
    node: Any = event
    tree: KeyTree | None = known
    for item in loc:
        if type(node) is dict and item in node:
            yield str(item) if tree is not None and item in tree else "<key>"
            tree = tree.get(item) if tree is not None else None  # type: ignore[arg-type]
            node = node[item]
        elif type(node) is list and type(item) is int and 0 <= item < len(node):
            yield str(item)
            node = node[item]
        else:  # not in the event: a field it lacks, or a label of the schema (a union's member)
            yield str(item)
            node = None


def parse_event(event: Mapping[str, Any]) -> TriggerEvent:
    """Parse a Cognito trigger event into its typed model.

    The model is chosen by the exact ``triggerSource``, else by its family prefix, so a source
    newer than this package still parses as its trigger. Pre token generation events take the V1
    or V2/V3 model by ``version``.

    Raises :class:`~cognito_triggers.InvalidEventError` (a ``ValueError``), naming the source and
    the field paths, for anything that is not an event this package can accept, and nothing else.

    Example::

        event = parse_event(lambda_event)
        if isinstance(event, PreSignUpEvent):
            event.response.auto_confirm_user = True
        return event.to_dict()
    """
    return parse_with_family(event)[1]


# Known sources already resolved to (family, model or chooser): most events skip the name parsing.
_RESOLVED: dict[str, tuple[TriggerFamily, Any]] = {}


def _resolve(source: object) -> tuple[TriggerFamily, Any]:
    if not isinstance(source, str) or not source:
        raise InvalidEventError("not a Cognito trigger event: triggerSource is missing or empty")
    family = TriggerFamily.of(source)
    if family is None:
        shown = source if len(source) <= 80 else source[:77] + "..."
        raise InvalidEventError(f"unknown triggerSource {shown!r}")
    resolved = (family, _family_target(family))
    if source in TriggerSource.__members__:  # never grow without bound on made-up sources
        _RESOLVED[source] = resolved
    return resolved


def parse_with_family(event: Mapping[str, Any]) -> tuple[TriggerFamily, TriggerEvent]:
    """:func:`parse_event`, also returning the family it resolved (the router needs both)."""
    if type(event) is not dict:
        if not isinstance(event, Mapping):
            raise InvalidEventError(
                f"a Cognito trigger event is a JSON object, not {type(event).__name__}"
            )
        event = dict(event)
    source: Any = event.get("triggerSource")  # a str once resolved below
    resolved = _RESOLVED.get(source) if type(source) is str else None  # unhashables too
    family, target = resolved or _resolve(source)
    model = _pick(target, source, event.get("version"))
    model._core()  # built outside the try: a broken model is our bug, not a bad event
    try:
        return family, model.from_event(event)
    except ValidationError as error:
        raise InvalidEventError(
            f"invalid {source} event: {_describe(error, event, model._core().known)}"
        ) from None
    except (RecursionError, MemoryError, TypeError, ValueError) as error:
        # Pathological input (cycles, absurd nesting) must still get the documented error.
        raise InvalidEventError(
            f"invalid {source} event: cannot be read ({type(error).__name__})"
        ) from None
