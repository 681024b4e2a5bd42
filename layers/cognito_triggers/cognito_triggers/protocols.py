"""The protocols a user's type checker holds their code to: what the router's decorators take and
return, and what ``TriggerRouter`` takes as its logger and its metrics.

``logging.Logger`` and Powertools' ``Logger`` are both a :class:`TriggerLogger`; this package's
``Metrics`` and Powertools' ``Metrics`` are both :class:`TriggerMetrics`. Nothing here imports
either library, and the runtime imports this module only for the type checker (off the cold
start): import it, or the names from ``cognito_triggers``, to annotate your own code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent
    from .metrics import Unit

__all__ = ["Decorator", "KeyedLogger", "P", "R", "Registrar", "TriggerLogger", "TriggerMetrics"]

F = TypeVar("F", bound=Callable[..., "TriggerEvent | None"])
E = TypeVar("E", bound="TriggerEvent")
P = ParamSpec("P")
# What a handler returns: None, or the event it was given (checked at run time); a handler typed
# to return anything else (``-> bool``, a dict) is a type error at its decorator.
R = TypeVar("R", bound="TriggerEvent | None")


class Decorator(Protocol):
    """Registers a handler and returns it unchanged."""

    def __call__(self, handler: F, /) -> F: ...


class Registrar(Protocol[E]):
    """Registers a handler of events of type ``E`` (a function taking ``(event)`` or ``(event,
    context)``) and returns it unchanged. The type checker refuses a handler whose first
    parameter cannot take ``E``."""

    def __call__(
        self, handler: Callable[Concatenate[E, P], R], /
    ) -> Callable[Concatenate[E, P], R]: ...


class TriggerLogger(Protocol):
    """The logging calls the router makes (``logging.Logger`` and Powertools' ``Logger`` have
    them)."""

    def error(
        self,
        msg: object,
        *args: object,
        exc_info: BaseException | None = ...,
        extra: Mapping[str, object] | None = ...,
    ) -> None: ...

    def warning(
        self,
        msg: object,
        *args: object,
        exc_info: BaseException | None = ...,
        extra: Mapping[str, object] | None = ...,
    ) -> None: ...


class KeyedLogger(TriggerLogger, Protocol):
    """A logger that adds keys to every record until they are removed (Powertools' ``Logger``):
    the router adds the trigger context for the length of each invocation."""

    def append_keys(self, **additional_keys: object) -> None: ...

    def remove_keys(self, keys: Iterable[str]) -> None: ...


class TriggerMetrics(Protocol):
    """The metrics calls the router makes (this package's ``Metrics`` and Powertools' have
    them)."""

    def add_dimension(self, name: str, value: str) -> None: ...

    def add_metric(self, name: str, unit: Unit, value: float) -> None: ...
