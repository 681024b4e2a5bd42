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
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypeVar, overload

from .errors import Deny, InternalError, ResponseError, UnhandledSourceError
from .events import parse_with_family
from .rules import check_response
from .sources import TriggerFamily, TriggerSource

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent

__all__ = ["Route", "Router", "TriggerRouter"]

F = TypeVar("F", bound=Callable[..., Any])
G = TypeVar("G", bound=Callable[..., Any])
Outcome = Literal["handled", "denied", "failed", "unhandled"]

CATCH_ALL = "*"
DEFAULT_ERROR_MESSAGE = "Something went wrong, please try again later"


class Decorator(Protocol):
    """Registers a handler and returns it unchanged."""

    def __call__(self, handler: F, /) -> F: ...


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
        where = getattr(self.handler, "__module__", "?")
        name = getattr(self.handler, "__qualname__", repr(self.handler))
        filters = "".join(
            f", {label}={value!r}"
            for label, value in (("user_pool_id", self.user_pool_id), ("client_id", self.client_id))
            if value is not None
        )
        return f"{self.key}{filters} -> {where}.{name}"


def _takes_context(handler: Callable[..., Any]) -> bool:
    """Whether the handler wants ``(event, context)`` rather than ``(event)``."""
    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):  # builtins and some callables have no signature
        return False
    positional = 0
    for parameter in parameters:
        if parameter.kind is parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


def _resolve_target(
    target: str | TriggerSource | TriggerFamily,
) -> tuple[TriggerFamily, str | None]:
    """``"PreSignUp"`` / ``"TokenGeneration"`` / a family -> (family, None); a source -> (family,
    source)."""
    name = str(target)
    family = TriggerFamily.of(name) if "_" in name else TriggerFamily.named(name)
    if family is None:
        raise ValueError(
            f"{name!r} is neither a triggerSource nor a trigger family (a LambdaConfig key such as "
            "'PreSignUp' or 'PreTokenGeneration', or a source prefix such as 'TokenGeneration')"
        )
    return family, (name if "_" in name else None)


class _FamilyDecorator:
    """``router.<family>`` : registers a handler for one trigger family, bare or with filters.

    One object serves all thirteen families (see ``Router``), so they cannot drift apart.
    """

    def __init__(self, family: TriggerFamily, event_type: str, what: str) -> None:
        self.family = family
        self.event_type = event_type
        self.__doc__ = (
            f"Register a handler for {family.value} ({what}).\n\n"
            f"Use it bare, or with ``sources=[...]`` (full ``{family.source_prefix}_*`` sources), "
            "``user_pool_id=`` or ``client_id=`` to narrow it. The handler takes the event, or "
            "the event and the Lambda context, edits ``event.response`` and returns ``None`` "
            "(or the event); it is returned unchanged.\n\n"
            f"Example::\n\n    @app.{{name}}\n    def handle(event: {event_type}) -> None:\n"
            "        ...\n"
        )

    def __set_name__(self, owner: type, name: str) -> None:
        self.__doc__ = (self.__doc__ or "").replace("{name}", name)

    @overload
    def __get__(self, router: None, owner: type) -> _FamilyDecorator: ...
    @overload
    def __get__(self, router: Router, owner: type) -> _BoundFamilyDecorator: ...
    def __get__(
        self, router: Router | None, owner: type
    ) -> _FamilyDecorator | _BoundFamilyDecorator:
        if router is None:
            return self
        return _BoundFamilyDecorator(router, self.family, self.__doc__)


class _BoundFamilyDecorator:
    def __init__(self, router: Router, family: TriggerFamily, doc: str | None) -> None:
        self._router = router
        self._family = family
        self.__doc__ = doc

    @overload
    def __call__(self, handler: F, /) -> F: ...
    @overload
    def __call__(
        self,
        /,
        *,
        sources: Iterable[str | TriggerSource] | None = None,
        user_pool_id: str | None = None,
        client_id: str | None = None,
    ) -> Decorator: ...
    def __call__(
        self,
        handler: Callable[..., Any] | None = None,
        /,
        *,
        sources: Iterable[str | TriggerSource] | None = None,
        user_pool_id: str | None = None,
        client_id: str | None = None,
    ) -> Any:
        family = self._family
        targets: list[str | TriggerFamily] = [family]
        if sources is not None:
            targets = []
            for source in sources:
                source_family, exact = _resolve_target(source)
                if source_family is not family or exact is None:
                    raise ValueError(
                        f"{source!r} is not a {family.value} triggerSource "
                        f"(expected {family.source_prefix}_<Operation>)"
                    )
                targets.append(exact)

        def register(func: G) -> G:
            for target in targets:
                self._router.on(target, user_pool_id=user_pool_id, client_id=client_id)(func)
            return func

        return register if handler is None else register(handler)


class Router:
    """A set of handlers, to split an application across modules and join them with
    :meth:`TriggerRouter.include_router`."""

    pre_sign_up = _FamilyDecorator(
        TriggerFamily.PreSignUp,
        "PreSignUpEvent",
        "sign-up, AdminCreateUser, first federated sign-in",
    )
    post_confirmation = _FamilyDecorator(
        TriggerFamily.PostConfirmation, "PostConfirmationEvent", "after sign-up or reset confirms"
    )
    pre_authentication = _FamilyDecorator(
        TriggerFamily.PreAuthentication, "PreAuthenticationEvent", "before a sign-in is checked"
    )
    post_authentication = _FamilyDecorator(
        TriggerFamily.PostAuthentication, "PostAuthenticationEvent", "after a successful sign-in"
    )
    define_auth_challenge = _FamilyDecorator(
        TriggerFamily.DefineAuthChallenge, "DefineAuthChallengeEvent", "the next custom-auth step"
    )
    create_auth_challenge = _FamilyDecorator(
        TriggerFamily.CreateAuthChallenge, "CreateAuthChallengeEvent", "create a custom challenge"
    )
    verify_auth_challenge_response = _FamilyDecorator(
        TriggerFamily.VerifyAuthChallengeResponse,
        "VerifyAuthChallengeResponseEvent",
        "check a custom challenge's answer",
    )
    pre_token_generation = _FamilyDecorator(
        TriggerFamily.PreTokenGeneration,
        "PreTokenGenerationEvent",
        "claims, scopes and groups of the tokens, V1/V2/V3 and client credentials",
    )
    custom_message = _FamilyDecorator(
        TriggerFamily.CustomMessage, "CustomMessageEvent", "the text of Cognito's messages"
    )
    user_migration = _FamilyDecorator(
        TriggerFamily.UserMigration, "UserMigrationEvent", "migrate a user from a legacy store"
    )
    custom_email_sender = _FamilyDecorator(
        TriggerFamily.CustomEmailSender, "CustomEmailSenderEvent", "deliver Cognito's emails"
    )
    custom_sms_sender = _FamilyDecorator(
        TriggerFamily.CustomSMSSender, "CustomSMSSenderEvent", "deliver Cognito's SMS messages"
    )
    inbound_federation = _FamilyDecorator(
        TriggerFamily.InboundFederation,
        "InboundFederationEvent",
        "shape a federated user's attributes",
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
        family (``"PreTokenGeneration"``, or its source prefix ``"TokenGeneration"``).

        Example::

            @app.on("TokenGeneration_ClientCredentials")
            def machine_claims(event: ClientCredentialsEvent) -> None:
                event.add_claim("department", "support", token="access")
        """
        family, source = _resolve_target(target)

        def register(handler: G) -> G:
            self._add(
                Route(family, source, handler, user_pool_id, client_id, _takes_context(handler))
            )
            return handler

        return register

    def catch_all(self, handler: F) -> F:
        """Register the handler for any event no other handler takes.

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

    def _match(self, event: TriggerEvent, family: TriggerFamily) -> Route | None:
        source = event.trigger_source
        candidates = self._candidates.get(source)
        if candidates is None:
            keys = (source, family, CATCH_ALL)
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
    - ``logger`` / ``metrics``: a Powertools ``Logger`` and ``Metrics``; the trigger context is
      appended to every log record and a ``Handled``/``Denied``/``Failed``/``Unhandled`` count is
      emitted per source. Without them the router logs through :mod:`logging` and imports nothing
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
        self.error_message = error_message.rstrip(".")
        self._logger = logger

    # -- the entry points ------------------------------------------------------------------

    def resolve(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """Handle one Cognito event and return what Cognito expects back.

        A :class:`Deny` reaches Cognito with its message; any other failure (a handler's
        exception, a response Cognito would reject, an event that is not valid) is logged in full
        and reaches Cognito as :class:`InternalError` with ``error_message`` alone.
        """
        observed = self._logger is not None or self.metrics is not None
        trigger = self._trigger_context(event, context) if observed else {}
        if self._logger is not None and hasattr(self._logger, "append_keys"):
            self._logger.append_keys(**trigger)
        try:
            typed, result, outcome = self._run(event, context)
        except Deny:
            self._count("denied", trigger)
            raise
        except Exception as error:  # every other failure is a bug or an outage: log, sanitise
            trigger = trigger or self._trigger_context(event, context)
            self._count("failed", trigger)
            self._log(
                "error",
                f"cognito-triggers: {trigger['trigger_source']} failed with {type(error).__name__}",
                trigger,
                exc=error,
            )
            raise InternalError(self.error_message) from None
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
        handler's own): what tests want. :func:`cognito_triggers.testing.invoke` calls it."""
        typed, _, _ = self._run(event, context)
        return typed

    # -- the way an event travels -----------------------------------------------------------

    def _run(
        self, raw: Mapping[str, Any], context: Any
    ) -> tuple[TriggerEvent, dict[str, Any], Outcome]:
        family, event = parse_with_family(raw)
        route = self._match(event, family)
        if route is None:
            self._unhandled(family, event)
            outcome: Outcome = "unhandled"
        else:
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
        check_response(family, event, changed)
        return event, event.to_dict(changed), outcome

    def _unhandled(self, family: TriggerFamily, event: Any) -> None:
        if self.strict or family is TriggerFamily.CreateAuthChallenge:
            raise UnhandledSourceError(self._unhandled_note(event))
        # Custom authentication fails closed; everything else keeps Cognito's default.
        if family is TriggerFamily.DefineAuthChallenge:
            event.response.issue_tokens = False
            event.response.fail_authentication = True
        elif family is TriggerFamily.VerifyAuthChallengeResponse:
            event.response.answer_correct = False

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
        self.metrics.add_dimension(name="TriggerSource", value=str(trigger["trigger_source"]))
        self.metrics.add_metric(name=outcome.capitalize(), unit="Count", value=1)
