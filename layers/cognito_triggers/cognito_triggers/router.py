"""Registration and dispatch: typed handlers registered with decorators, one entry point.

::

    app = TriggerRouter()

    @app.pre_sign_up
    def auto_confirm(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    lambda_handler = app.lambda_handler

An event travels: ``triggerSource`` -> the handler (exact source, then family, then catch-all,
each filtered by user pool and app client) -> the family's model -> the handler -> Cognito's
response rules -> the received event with only what the handler changed in ``response``.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    NamedTuple,
    Never,
    ParamSpec,
    Protocol,
    TypeVar,
    Union,
    get_args,
    get_origin,
    overload,
)

from .errors import Deny, InternalError, ResponseError, UnhandledSourceError, user_text
from .events import event_model, parse_with_family
from .families import FAMILIES, FamilyRecord
from .rules import check_known_keys
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
    from .events.senders import CustomEmailSenderEvent, CustomSMSSenderEvent
    from .events.sign_up import PostConfirmationEvent, PreSignUpEvent
    from .events.token_generation import ClientCredentialsEvent, PreTokenGenerationEvent
    from .source_types import (
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

__all__ = ["FamilyDecorator", "Registrar", "Route", "Router", "TriggerRouter"]

F = TypeVar("F", bound=Callable[..., "TriggerEvent | None"])
E = TypeVar("E", bound="TriggerEvent")
S = TypeVar("S", bound=str)
P = ParamSpec("P")
# What a handler returns: None, or the event it was given (checked at run time); a handler typed
# to return anything else (``-> bool``, a dict) is a type error at its decorator.
R = TypeVar("R", bound="TriggerEvent | None")
Outcome = Literal["handled", "denied", "failed", "unhandled"]

CATCH_ALL = "*"
DEFAULT_ERROR_MESSAGE = "Something went wrong, please try again later"


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


class Route(NamedTuple):
    """One registered handler and what it answers to."""

    family: TriggerFamily | None
    """``None`` for the catch-all."""
    source: str | None
    """The exact ``triggerSource``, or ``None`` for every source of the family."""
    handler: Callable[..., Any]
    user_pool_id: str | None = None
    client_id: str | None = None
    takes_context: bool = False

    @property
    def key(self) -> str:
        return self.source or (self.family.value if self.family else CATCH_ALL)

    def matches(self, user_pool_id: Any, client_id: Any) -> bool:
        return (self.user_pool_id is None or self.user_pool_id == user_pool_id) and (
            self.client_id is None or self.client_id == client_id
        )

    def describe(self) -> str:
        return f"{self.key}{_filters(self.user_pool_id, self.client_id)} -> {_name(self.handler)}"


def _name(handler: Callable[..., Any]) -> str:
    where = getattr(handler, "__module__", "?")
    return f"{where}.{getattr(handler, '__qualname__', repr(handler))}"


def _filters(user_pool_id: str | None, client_id: str | None) -> str:
    return "".join(
        f", {label}={value!r}"
        for label, value in (("user_pool_id", user_pool_id), ("client_id", client_id))
        if value is not None
    )


def _takes_context(
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
            f"{_name(handler)} is an async function: Cognito triggers are synchronous, so "
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
    usage = f"{_name(handler)}{signature}: a handler is handler(event) or handler(event, context)"
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
    try:
        annotation = inspect.get_annotations(function, eval_str=True).get(parameter)
    except Exception:
        return
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
                f"{_name(handler)} takes {shown}, but {source or family.value} handlers "
                f"receive {wanted}: annotate the event as {wanted}"
                + (" (or register it for the right trigger)" if source is None else "")
            )


_UNIONS = (Union, UnionType)


def _resolve_target(
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


class FamilyDecorator(Generic[E, S]):
    """``router.<family>``: registers a handler for one trigger family, bare or with filters.

    One class serves every family (see ``Router``), reading the family's record, so they cannot
    drift apart. ``E`` is the event type handlers receive and ``S`` the sources ``sources=`` takes
    (``source_types``); the type checker holds a handler and its sources to them. With ``source``,
    it registers that one source (``client_credentials``, whose ``S`` is ``Never``).
    """

    def __init__(self, record: FamilyRecord, *, source: TriggerSource | None = None) -> None:
        self.record = record
        self.source = source
        self.__doc__ = None

    def __set_name__(self, owner: type, name: str) -> None:
        record = self.record
        if self.source is None and name != record.decorator:
            raise TypeError(f"{owner.__name__}.{name} serves {record.family.value}, whose "
                            f"record names its decorator {record.decorator!r}")  # fmt: skip
        annotation = str(inspect.get_annotations(owner).get(name, ""))
        event_type = annotation.partition("[")[2].partition(",")[0]
        what = f"``{self.source.value}`` only" if self.source else record.what
        prefix = record.family.source_prefix
        narrowing = (
            "``user_pool_id=`` or ``client_id=``"
            if self.source
            else f"``sources=[...]`` (full ``{prefix}_*`` sources), ``user_pool_id=`` or "
            "``client_id=``"
        )
        self.__doc__ = (
            f"Register a handler for {record.family.value} ({what}).\n\n"
            f"Use it bare, or with {narrowing} to narrow it. The handler takes the event, or "
            "the event and the Lambda context, edits ``event.response`` and returns ``None`` "
            "(or the event); it is returned unchanged.\n\n"
            f"Example::\n\n    @app.{name}\n    def handle(event: {event_type}) -> None:\n"
            "        ...\n"
        )

    @overload
    def __get__(self, router: None, owner: type) -> FamilyDecorator[E, S]: ...
    @overload
    def __get__(self, router: Router, owner: type) -> _BoundFamilyDecorator[E, S]: ...
    def __get__(
        self, router: Router | None, owner: type
    ) -> FamilyDecorator[E, S] | _BoundFamilyDecorator[E, S]:
        if router is None:
            return self
        return _BoundFamilyDecorator(router, self)


class _BoundFamilyDecorator(Generic[E, S]):
    def __init__(self, router: Router, decorator: FamilyDecorator[E, S]) -> None:
        self._router = router
        self._decorator = decorator
        self.__doc__ = decorator.__doc__

    @overload
    def __call__(
        self, handler: Callable[Concatenate[E, P], R], /
    ) -> Callable[Concatenate[E, P], R]: ...
    @overload
    def __call__(
        self,
        /,
        *,
        sources: Iterable[S] | None = None,
        user_pool_id: str | None = None,
        client_id: str | None = None,
    ) -> Registrar[E]: ...
    def __call__(
        self,
        handler: Callable[..., Any] | None = None,
        /,
        *,
        sources: Iterable[str] | None = None,
        user_pool_id: str | None = None,
        client_id: str | None = None,
    ) -> Any:
        targets = self._targets(sources)
        for label, value in (("user_pool_id", user_pool_id), ("client_id", client_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{label} takes one id (a string), not {type(value).__name__}")

        def register(func: G) -> G:
            for target in targets:
                self._router.on(target, user_pool_id=user_pool_id, client_id=client_id)(func)
            return func

        if handler is not None and not callable(handler):
            raise TypeError(
                f"{self._decorator.record.decorator} takes a handler function, or keywords "
                f"(sources=, user_pool_id=, client_id=), not {type(handler).__name__}"
            )
        return register if handler is None else register(handler)

    def _targets(self, sources: Iterable[str] | None) -> list[str | TriggerFamily | TriggerSource]:
        record, only = self._decorator.record, self._decorator.source
        family = record.family
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
            source_family, exact = _resolve_target(name)
            if source_family is not family or exact is None:
                raise ValueError(
                    f"{name!r} is not a {family.value} triggerSource "
                    f"(expected one of {', '.join(family.sources)})"
                )
            if exact in record.explicit_sources:
                raise ValueError(
                    f"{exact.value} is a machine's token, not a user's: register its handler "
                    "with @app.client_credentials (it receives a ClientCredentialsEvent)"
                )
            targets.append(exact)
        if not targets:
            raise ValueError("sources= is empty: omit it to handle every source of the family")
        return targets


G = TypeVar("G", bound=Callable[..., Any])  # what register() takes at run time: anything callable


class Router:
    """A set of handlers, to split an application across modules and join them with
    :meth:`TriggerRouter.include_router`."""

    # One line per trigger family (its record in ``families`` holds the rest); the annotation is
    # the event type a handler receives, for the type checker.
    pre_sign_up: FamilyDecorator[PreSignUpEvent, PreSignUpSource] = FamilyDecorator(
        FAMILIES[TriggerFamily.PreSignUp]
    )
    post_confirmation: FamilyDecorator[PostConfirmationEvent, PostConfirmationSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.PostConfirmation])
    )
    pre_authentication: FamilyDecorator[PreAuthenticationEvent, PreAuthenticationSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.PreAuthentication])
    )
    post_authentication: FamilyDecorator[PostAuthenticationEvent, PostAuthenticationSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.PostAuthentication])
    )
    define_auth_challenge: FamilyDecorator[DefineAuthChallengeEvent, DefineAuthChallengeSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.DefineAuthChallenge])
    )
    create_auth_challenge: FamilyDecorator[CreateAuthChallengeEvent, CreateAuthChallengeSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.CreateAuthChallenge])
    )
    verify_auth_challenge_response: FamilyDecorator[
        VerifyAuthChallengeResponseEvent, VerifyAuthChallengeResponseSource
    ] = FamilyDecorator(FAMILIES[TriggerFamily.VerifyAuthChallengeResponse])
    pre_token_generation: FamilyDecorator[PreTokenGenerationEvent, PreTokenGenerationSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.PreTokenGeneration])
    )
    client_credentials: FamilyDecorator[ClientCredentialsEvent, Never] = FamilyDecorator(
        FAMILIES[TriggerFamily.PreTokenGeneration],
        source=TriggerSource.TokenGeneration_ClientCredentials,
    )
    """Machine-to-machine access tokens (``TokenGeneration_ClientCredentials``, V3): a different
    principal from a user, so ``pre_token_generation`` handlers never receive these."""
    custom_message: FamilyDecorator[CustomMessageEvent, CustomMessageSource] = FamilyDecorator(
        FAMILIES[TriggerFamily.CustomMessage]
    )
    user_migration: FamilyDecorator[UserMigrationEvent, UserMigrationSource] = FamilyDecorator(
        FAMILIES[TriggerFamily.UserMigration]
    )
    custom_email_sender: FamilyDecorator[CustomEmailSenderEvent, CustomEmailSenderSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.CustomEmailSender])
    )
    custom_sms_sender: FamilyDecorator[CustomSMSSenderEvent, CustomSMSSenderSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.CustomSMSSender])
    )
    inbound_federation: FamilyDecorator[InboundFederationEvent, InboundFederationSource] = (
        FamilyDecorator(FAMILIES[TriggerFamily.InboundFederation])
    )

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}
        # triggerSource -> its candidate routes in precedence order, filled as sources arrive.
        self._candidates: dict[str, tuple[Route, ...]] = {}

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
        family, source = _resolve_target(target)

        def register(handler: G) -> G:
            takes_context = _takes_context(handler, family, source)
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
        self._add(Route(None, None, handler, takes_context=_takes_context(handler)))
        return handler

    def _add(self, route: Route) -> None:
        routes = self._routes.setdefault(route.key, [])
        for existing in routes:
            if (existing.user_pool_id, existing.client_id) == (route.user_pool_id, route.client_id):
                raise ValueError(
                    f"two handlers for the same route: {existing.describe()} and "
                    f"{route.describe()}; narrow one with sources=, user_pool_id= or client_id="
                )
        routes.append(route)
        self._candidates.clear()
        # The most specific filter is tried first: pool and client, then one of them, then none.
        routes.sort(key=lambda r: (r.user_pool_id is None) + (r.client_id is None))

    def include_router(self, router: Router) -> None:
        """Add every handler of ``router`` to this one (duplicates fail as they would here)."""
        for route in router.routes:
            self._add(route)

    def _match(self, event: TriggerEvent, record: FamilyRecord) -> Route | None:
        source = event.trigger_source
        candidates = self._candidates.get(source)
        if candidates is None:
            # A source of another principal (a machine's token) reaches only its own handlers.
            explicit = source in record.explicit_sources
            keys = (source,) if explicit else (source, record.family, CATCH_ALL)
            candidates = tuple(route for key in keys for route in self._routes.get(key, ()))
            if source in TriggerSource.__members__:  # bounded: made-up sources are not kept
                self._candidates[source] = candidates
        for route in candidates:
            unfiltered = route.user_pool_id is None and route.client_id is None
            if unfiltered or route.matches(event.user_pool_id, event.caller_context.client_id):
                return route
        return None


class TriggerRouter(Router):
    """The application: a :class:`Router` that also resolves events, usable as the Lambda handler.

    - ``strict``: raise on any source without a handler instead of Cognito's default behaviour.
    - ``logger``: a :class:`logging.Logger` or a Powertools ``Logger``; the router's own records
      carry the trigger context, and a Powertools ``Logger`` has it appended to every record of
      the invocation. Without one the router logs through ``logging.getLogger("cognito_triggers")``.
    - ``metrics``: a :class:`cognito_triggers.Metrics` or a Powertools ``Metrics``, which gets a
      ``Handled``/``Denied``/``Failed``/``Unhandled`` count per source. The router imports nothing
      from Powertools.
    - ``error_message``: what Cognito shows when a handler fails (never the exception's text).

    Unhandled sources pass through unchanged, except for custom authentication, which fails
    closed: DefineAuthChallenge fails the sign-in, VerifyAuthChallengeResponse answers "wrong",
    CreateAuthChallenge raises.
    """

    def __init__(
        self,
        *,
        strict: bool = False,
        logger: Any = None,
        metrics: Any = None,
        error_message: str = DEFAULT_ERROR_MESSAGE,
    ) -> None:
        super().__init__()
        self.strict = strict
        self.metrics = metrics
        self.error_message = user_text(error_message, "error_message")
        self._logger = logger
        self._route_logger: Any = None
        log_event = os.environ.get("POWERTOOLS_LOGGER_LOG_EVENT")  # raw events, secrets and all
        if log_event:  # only then is the warning's module imported
            from .redact import warn_raw_event_logging

            warn_raw_event_logging(log_event, logger)

    # -- the entry points ------------------------------------------------------------------

    def resolve(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """Handle one Cognito event and return what Cognito expects back.

        A :class:`Deny` reaches Cognito with its message; any other failure (a handler's
        exception, a response Cognito would reject, an event that is not valid) is logged in full
        and reaches Cognito as :class:`InternalError` with ``error_message`` alone.
        """
        observed = self._logger is not None or self.metrics is not None
        trigger = self._trigger_context(event, context) if observed else {}
        appended = self._logger is not None and hasattr(self._logger, "append_keys")
        if appended:
            self._logger.append_keys(**trigger)
        try:
            return self._resolve(event, context, trigger)
        finally:
            # A warm Lambda reuses the logger: this event's keys must not label the next one's.
            if appended and hasattr(self._logger, "remove_keys"):
                self._logger.remove_keys(list(trigger))

    def _resolve(
        self, event: Mapping[str, Any], context: Any, trigger: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            typed, result, outcome = self._run(event, context)
        except Deny:
            self._count("denied", trigger)
            raise
        except Exception as error:  # every other failure is a bug or an outage: log, sanitise
            trigger = trigger or self._trigger_context(event, context)
            self._log(
                "error",
                f"cognito-triggers: {trigger['trigger_source']} failed with {type(error).__name__}",
                trigger,
                exc=error,
            )
            self._count("failed", trigger)
            # The cause stays on the exception (for tests and debuggers); Lambda's runtime reports
            # only the raised exception's type and message, so Cognito never sees it.
            raise InternalError(self.error_message) from error
        if outcome == "unhandled":
            trigger = trigger or self._trigger_context(event, context)
            self._log("warning", self._unhandled_note(typed), trigger)
        self._count(outcome, trigger)
        return result

    __call__ = resolve

    @property
    def lambda_handler(self) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
        """The function to name as the Lambda handler: ``lambda_handler = app.lambda_handler``."""
        return self.resolve

    def resolve_typed(self, event: Mapping[str, Any], context: Any = None) -> TriggerEvent:
        """Like :meth:`resolve` but returns the typed event and lets every exception through
        (``Deny``, ``ResponseError``, ``InvalidEventError``, ``UnhandledSourceError``, the
        handler's own). :func:`cognito_triggers.testing.invoke` also checks that a handler took
        the event: what tests want."""
        typed, _, _ = self._run(event, context)
        return typed

    # -- the way an event travels -----------------------------------------------------------

    def _run(
        self, raw: Mapping[str, Any], context: Any
    ) -> tuple[TriggerEvent, dict[str, Any], Outcome]:
        family, event = parse_with_family(raw)
        record = FAMILIES[family]
        route = self._match(event, record)
        if route is None:
            self._unhandled(record, event)
            outcome: Outcome = "unhandled"
        else:
            self._debug_route(event, route)
            returned = (
                route.handler(event, context) if route.takes_context else route.handler(event)
            )
            if returned is not None and returned is not event:
                if type(returned) is not type(event):
                    raise ResponseError(
                        f"{route.describe()} returned {type(returned).__name__}; a handler "
                        "returns None or the event it was given"
                    )
                event = returned
            outcome = "handled"
        changed = event.response_changes()
        if changed:
            check_known_keys(event, changed)
            if record.check is not None:
                record.check(event, changed)
        return event, event.to_dict(changed), outcome

    def _unhandled(self, record: FamilyRecord, event: Any) -> None:
        # Cognito's default, except where the family's record says it fails closed or errs.
        unhandled = record.unhandled
        if self.strict or unhandled == "error":
            raise UnhandledSourceError(self._unhandled_note(event))
        if not isinstance(unhandled, str):
            for name, value in unhandled.items():
                setattr(event.response, name, value)

    def _debug_route(self, event: TriggerEvent, route: Route) -> None:
        """At DEBUG on the ``cognito_triggers`` logger: which handler takes the event (what
        ``cognito-triggers run`` and ``invoke`` show). Only where :mod:`logging` is already
        loaded, as Lambda's runtime loads it: never imported for this, off the cold start."""
        logger = self._route_logger
        if logger is None:
            logging = sys.modules.get("logging")
            if logging is None:
                return
            logger = self._route_logger = logging.getLogger("cognito_triggers")
        if logger.isEnabledFor(10):  # logging.DEBUG
            logger.debug(
                "cognito-triggers: %s handled by %s",
                event.trigger_source,
                _name(route.handler),
                extra={
                    "cognito_trigger": self._trigger_context(getattr(event, "_received", {}), None)
                },
            )

    def _unhandled_note(self, event: Any) -> str:
        return f"cognito-triggers: no handler for {event.trigger_source}"

    # -- observability -----------------------------------------------------------------------

    @staticmethod
    def _trigger_context(event: Any, context: Any) -> dict[str, Any]:
        """What a log record may say about an event: where it came from, never what it holds."""
        if not isinstance(event, Mapping):
            return {"trigger_source": "(not an event)"}
        caller = event.get("callerContext")
        source = event.get("triggerSource")
        return {
            "trigger_source": source if isinstance(source, str) else "(missing)",
            "user_pool_id": event.get("userPoolId"),
            "client_id": caller.get("clientId") if isinstance(caller, Mapping) else None,
            "aws_request_id": getattr(context, "aws_request_id", None),
        }

    def _log(
        self,
        level: Literal["error", "warning"],
        message: str,
        trigger: dict[str, Any],
        exc: BaseException | None = None,
    ) -> None:
        logger = self._logger
        if logger is None:
            import logging  # only on a failure or an unhandled source: off the cold-start path

            logger = logging.getLogger("cognito_triggers")
            message = f"{message} {trigger}"
        log = getattr(logger, level)
        log(message, exc_info=exc, extra={"cognito_trigger": trigger})

    def _count(self, outcome: Outcome, trigger: dict[str, Any]) -> None:
        if self.metrics is None:
            return
        source = trigger["trigger_source"]
        # A dimension names a source of a known trigger, never whatever an invalid event holds:
        # each value is a metric of its own in CloudWatch, and an empty one is refused.
        if not (source.isidentifier() and len(source) <= 128 and TriggerFamily.of(source)):
            source = "(unknown)"
        try:
            self.metrics.add_dimension(name="TriggerSource", value=source)
            self.metrics.add_metric(name=outcome.capitalize(), unit="Count", value=1)
        except Exception as error:  # a count that cannot be made must not change Cognito's answer
            self._log(
                "error",
                f"cognito-triggers: the {outcome} count failed with {type(error).__name__}",
                trigger,
                exc=error,
            )
