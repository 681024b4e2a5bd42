"""Registration: what a handler answers to (a :class:`Route`), and the checks that refuse, at
import, a handler or a trigger name that would never work.

Strict here, lenient at run time: a name not in the table, a handler that cannot take the event it
would receive, a string where a list belongs, fail where the handler is registered, with a message
that names the fix. The typed family decorators (``app.pre_sign_up``...) are generated from the
family records into ``_family_decorators``; they all end in :meth:`Registry._register_family`.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable
from types import UnionType
from typing import TYPE_CHECKING, Any, Concatenate, TypeVar, Union, get_args, get_origin

from .events import event_model
from .families import FAMILIES
from .sources import TriggerFamily, TriggerSource, unknown_name

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent
    from .protocols import Decorator, P, R

__all__ = ["CATCH_ALL", "Registry", "Route", "check_handler", "name_of", "resolve_target"]

G = TypeVar("G", bound=Callable[..., Any])  # what register() takes at run time: anything callable

CATCH_ALL = "*"


class Route:
    """One registered handler and what it answers to. The router picks the routes of an event's
    source, then its family, then the catch-all; a route says whether it takes the event."""

    # A plain class: a NamedTuple costs a cold start a tenth of a millisecond to define.
    __slots__ = ("client_id", "family", "handler", "source", "takes_context", "user_pool_id")

    def __init__(
        self,
        family: TriggerFamily | None,
        source: str | None,
        handler: Callable[..., Any],
        user_pool_id: str | None = None,
        client_id: str | None = None,
        takes_context: bool = False,
    ) -> None:
        self.family = family
        """``None`` for the catch-all."""
        self.source = source
        """The exact ``triggerSource``, or ``None`` for every source of the family."""
        self.handler = handler
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self.takes_context = takes_context

    @property
    def key(self) -> str:
        return self.source or (self.family.value if self.family else CATCH_ALL)

    def matches(self, event: TriggerEvent) -> bool:
        """Whether the event comes from this route's user pool and app client (when it names
        them)."""
        return (self.user_pool_id is None or self.user_pool_id == event.user_pool_id) and (
            self.client_id is None or self.client_id == event.caller_context.client_id
        )

    def handle(self, event: TriggerEvent, context: Any) -> Any:
        """Call the handler, with the Lambda context if it takes one."""
        return self.handler(event, context) if self.takes_context else self.handler(event)

    def describe(self) -> str:
        return f"{self.key}{_filters(self.user_pool_id, self.client_id)} -> {name_of(self.handler)}"

    def __repr__(self) -> str:
        return f"Route({self.describe()})"


class Registry:
    """The routes of a router, and the ways to add them."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}

    @property
    def routes(self) -> list[Route]:
        """Every registered route, in registration order within each key."""
        return [route for routes in self._routes.values() for route in routes]

    @property
    def families(self) -> frozenset[TriggerFamily]:
        """The trigger families this router has a handler for (the catch-all aside)."""
        return frozenset(r.family for r in self.routes if r.family is not None)

    def on(
        self,
        target: str | TriggerSource | TriggerFamily,
        *,
        user_pool_id: str | None = None,
        client_id: str | None = None,
    ) -> Decorator:
        """Register a handler for a full source (``"TokenGeneration_ClientCredentials"``) or a
        family (``"PreTokenGeneration"``, or its source prefix ``"TokenGeneration"``). A name
        not in the table fails here, naming the closest known ones.

        Example::

            @app.on("TokenGeneration_ClientCredentials")
            def machine_claims(event: ClientCredentialsEvent) -> None:
                event.add_claim("department", "support", token="access")
        """
        family, source = resolve_target(target)

        def register(handler: G) -> G:
            takes_context = check_handler(handler, family, source)
            self._add(Route(family, source, handler, user_pool_id, client_id, takes_context))
            return handler

        return register

    def catch_all(
        self, handler: Callable[Concatenate[TriggerEvent, P], R]
    ) -> Callable[Concatenate[TriggerEvent, P], R]:
        """Register the handler for any event no other handler takes (machine tokens aside: they
        reach only a handler registered for them by name).

        Example::

            @app.catch_all
            def log_everything_else(event: TriggerEvent) -> None:
                print("unrouted", event.trigger_source)
        """
        self._add(Route(None, None, handler, takes_context=check_handler(handler)))
        return handler

    def include_router(self, router: Registry) -> None:
        """Add every handler of ``router`` to this one (duplicates fail as they would here)."""
        for route in router.routes:
            self._add(route)

    def _add(self, route: Route) -> None:
        routes = self._routes.setdefault(route.key, [])
        for existing in routes:
            if (existing.user_pool_id, existing.client_id) == (route.user_pool_id, route.client_id):
                raise ValueError(
                    f"two handlers for the same route: {existing.describe()} and "
                    f"{route.describe()}; narrow one with sources=, user_pool_id= or client_id="
                )
        routes.append(route)
        # The most specific filter is tried first: pool and client, then one of them, then none.
        routes.sort(key=lambda r: (r.user_pool_id is None) + (r.client_id is None))

    def _register_family(
        self,
        decorator: str,
        family: TriggerFamily,
        source: TriggerSource | None,
        handler: Callable[..., Any] | None,
        sources: Iterable[str] | None,
        user_pool_id: str | None,
        client_id: str | None,
    ) -> Any:
        """What every family decorator does: ``handler`` registered for ``family`` (or its one
        ``source``), or, without a handler, the decorator that registers one with these filters."""
        targets = _targets(family, source, sources)
        for label, value in (("user_pool_id", user_pool_id), ("client_id", client_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{label} takes one id (a string), not {type(value).__name__}")

        def register(func: G) -> G:
            for target in targets:
                self.on(target, user_pool_id=user_pool_id, client_id=client_id)(func)
            return func

        if handler is not None and not callable(handler):
            raise TypeError(
                f"{decorator} takes a handler function, or keywords (sources=, user_pool_id=, "
                f"client_id=), not {type(handler).__name__}"
            )
        return register if handler is None else register(handler)


def _targets(
    family: TriggerFamily, only: TriggerSource | None, sources: Iterable[str] | None
) -> list[str | TriggerFamily | TriggerSource]:
    """What a family decorator registers: the family, its one source, or the ``sources=``."""
    if only is not None:
        if sources is not None:
            raise TypeError(f"this decorator serves {only.value} alone: it takes no sources=")
        return [only]
    if sources is None:
        return [family]
    if isinstance(sources, str) or not isinstance(sources, Iterable):
        raise TypeError(
            f"sources= takes a list of triggerSources, not {type(sources).__name__}: "
            f"write sources=[{sources!r}]"
        )
    targets: list[str | TriggerFamily | TriggerSource] = []
    for name in sources:
        source_family, exact = resolve_target(name)
        if source_family is not family or exact is None:
            raise ValueError(
                f"{name!r} is not a {family.value} triggerSource "
                f"(expected one of {', '.join(family.sources)})"
            )
        if exact in FAMILIES[family].explicit_sources:
            raise ValueError(
                f"{exact.value} is a machine's token, not a user's: register its handler "
                "with @app.client_credentials (it receives a ClientCredentialsEvent)"
            )
        targets.append(exact)
    if not targets:
        raise ValueError("sources= is empty: omit it to handle every source of the family")
    return targets


def resolve_target(
    target: str | TriggerSource | TriggerFamily,
) -> tuple[TriggerFamily, TriggerSource | None]:
    """``"PreSignUp"`` / ``"TokenGeneration"`` / a family -> (family, None); a source -> (family,
    source). Only names in the table register: lenient in at run time (a future source routes by
    its family), strict here, where a typo would leave a handler that never runs."""
    if not isinstance(target, str):
        raise TypeError(
            f"a trigger is named by a string (a triggerSource or a family), not "
            f"{type(target).__name__}"
        )
    name = str(target)
    if "_" in name:
        if name not in TriggerSource.__members__:
            raise unknown_name(name, TriggerSource.__members__, "a known Cognito triggerSource")
        source = TriggerSource(name)
        return source.family, source
    family = TriggerFamily.named(name)
    if family is None:
        raise unknown_name(
            name,
            [
                *(n for f in TriggerFamily for n in (f.value, f.source_prefix)),
                *TriggerSource.__members__,
            ],
            "a trigger family (a LambdaConfig key such as 'PreSignUp' or 'PreTokenGeneration', "
            "or a source prefix such as 'TokenGeneration') nor a triggerSource",
        )
    return family, None


# -- the handler --------------------------------------------------------------------------------


def check_handler(
    handler: Callable[..., Any],
    family: TriggerFamily | None = None,
    source: TriggerSource | None = None,
) -> bool:
    """Whether the handler is called ``(event, context)`` rather than ``(event)``, read once at
    registration, where it also refuses a handler that cannot be called either way, a coroutine
    function (Cognito's Lambda handler is synchronous: an ``async def`` would return an unawaited
    coroutine and the response would silently be the untouched event), and one annotated for
    events the route never receives (``family``/``source``; see :func:`_check_event_type`)."""
    if not callable(handler):
        raise TypeError(f"a handler must be a function, not {type(handler).__name__}")
    call = getattr(handler, "__call__", None)  # noqa: B004 - an object's own async __call__
    if any(
        inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in (handler, call)
    ):
        raise TypeError(
            f"{name_of(handler)} is an async function: Cognito triggers are synchronous, so "
            "define the handler with plain `def` (call asyncio.run() inside it if you must)"
        )
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):  # builtins and some callables have no signature
        return False
    takes_context = _context_parameter(handler, signature)
    first = next(iter(signature.parameters.values()), None)
    if family is not None and first is not None:
        _check_event_type(handler, first.name, family, source)
    return takes_context


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _context_parameter(handler: Callable[..., Any], signature: inspect.Signature) -> bool:
    """Whether the Lambda context goes to the handler: only to a second positional parameter
    without a default or named ``context`` (or ``*args``, as a wrapper passes it on). Any other
    parameter would never be what its author meant (``def h(event, retries=3)`` would get the
    context in ``retries``), so it is refused here, at registration."""
    usage = f"{name_of(handler)}{signature}: a handler is handler(event) or handler(event, context)"
    parameters = list(signature.parameters.values())
    positional = [p for p in parameters if p.kind in _POSITIONAL]
    var_positional = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    if not positional and not var_positional:
        raise TypeError(f"{usage}; this one takes no event")
    keyword_only = [p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    if extras := [*positional[2:], *keyword_only]:
        extra = extras[0]
        raise TypeError(
            f"{usage}; Cognito never sets {extra.name!r}: make it a module constant"
            + (" or drop it" if extra.default is inspect.Parameter.empty else "")
        )
    if len(positional) < 2:
        return var_positional
    second = positional[1]
    if second.default is not inspect.Parameter.empty and second.name != "context":
        raise TypeError(
            f"{usage}; its second parameter {second.name!r} has a default, so the Lambda "
            "context would land in it: name it `context`, or make it a module constant"
        )
    return True


def _check_event_type(
    handler: Callable[..., Any], parameter: str, family: TriggerFamily, source: TriggerSource | None
) -> None:
    """Refuse a handler whose annotated event type (of ``parameter``) cannot take what the route
    receives (a ``PostConfirmationEvent`` handler for PreSignUp): the type checker says so for
    the family decorators, this says so for everyone, ``on()`` included. Annotations that are not
    plain classes (``Any``, protocols, type variables) are trusted."""
    function = inspect.unwrap(handler)
    if not inspect.isfunction(function):
        return
    annotation = _event_annotation(function, parameter)
    accepted = get_args(annotation) if get_origin(annotation) in _UNIONS else (annotation,)
    if annotation in (None, Any, object) or not all(isinstance(a, type) for a in accepted):
        return
    explicit = FAMILIES[family].explicit_sources
    sources = [source] if source else [s for s in family.sources if s not in explicit]
    for name in sources:
        # A pool's LambdaVersion picks the version, so a V1-only handler of a V1 pool is fine:
        # refused only when no version of the source's event fits.
        models = {event_model(family, name, version) for version in ("1", "3")}
        if not any(issubclass(model, accepted) for model in models):
            shown = " | ".join(a.__name__ for a in accepted)
            wanted = " | ".join(sorted(m.__name__ for m in models))
            raise TypeError(
                f"{name_of(handler)} takes {shown}, but {source or family.value} handlers "
                f"receive {wanted}: annotate the event as {wanted}"
                + (" (or register it for the right trigger)" if source is None else "")
            )


_UNIONS = (Union, UnionType)


def _event_annotation(function: Callable[..., Any], parameter: str) -> Any:
    """The annotation of the event parameter alone (``None`` without one), as a value. Under
    ``from __future__ import annotations`` (or quoted) it is text, evaluated where the handler is
    written: its module's names, and the local names of the function that registers it (a
    factory importing the event type beside the handler), as pydantic resolves a model's. One
    that cannot be resolved is an error here, where it is seen, rather than a check skipped."""
    try:
        annotation = inspect.get_annotations(function).get(parameter)
    except Exception as error:  # evaluated lazily on newer Pythons: a name that is not defined
        raise _unresolved(function, parameter, error) from None
    names = _registering_locals() if isinstance(annotation, str) else {}
    for _ in range(2):  # a quoted annotation under postponed evaluation is text in text
        if not isinstance(annotation, str):
            break
        try:
            # The handler's own annotation, in its own scope: what a type checker reads.
            annotation = eval(annotation, function.__globals__, names)  # noqa: S307
        except Exception as error:
            raise _unresolved(function, parameter, error, annotation) from None
    return annotation


def _registering_locals() -> dict[str, Any]:
    """The local names of the first frame outside this package: where the handler is being
    registered, which is where it is written for a decorator."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] == (
        _PACKAGE
    ):
        frame = frame.f_back
    return dict(frame.f_locals)


_PACKAGE = __name__.partition(".")[0]


def _unresolved(
    function: Callable[..., Any], parameter: str, error: Exception, text: str | None = None
) -> TypeError:
    what = f"the annotation {text!r}" if text else "the annotations"
    return TypeError(
        f"{name_of(function)}: cannot resolve {what} of its event parameter {parameter!r} "
        f"({type(error).__name__}: {error}): import the event type where the handler's module "
        "runs, not only under TYPE_CHECKING"
    )


def name_of(handler: Callable[..., Any]) -> str:
    """``module.qualname`` of a handler, as logs and errors name it."""
    where = getattr(handler, "__module__", "?")
    return f"{where}.{getattr(handler, '__qualname__', repr(handler))}"


def _filters(user_pool_id: str | None, client_id: str | None) -> str:
    return "".join(
        f", {label}={value!r}"
        for label, value in (("user_pool_id", user_pool_id), ("client_id", client_id))
        if value is not None
    )
