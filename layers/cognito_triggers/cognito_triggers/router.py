"""The router: typed handlers registered with decorators, and dispatch through one entry point.

::

    app = TriggerRouter()

    @app.pre_sign_up(sources=["PreSignUp_SignUp"])
    def auto_confirm(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    lambda_handler = app.lambda_handler

An event travels: ``triggerSource`` -> the family's model -> the handler (exact source, then
family, then catch-all; each route filtered by user pool and app client) -> Cognito's response
rules -> the received event with only what the handler changed in ``response``. This module is
that journey; registration is in ``registration`` (with the decorators generated into
``_family_decorators``), the logs and counts in ``observability``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._deprecated import deprecated
from ._family_decorators import FamilyDecorators
from .errors import Deny, InternalError, ResponseError, UnhandledSourceError, user_text
from .events import parse_with_family
from .families import FAMILIES, FamilyRecord
from .observability import Observer, Outcome
from .registration import CATCH_ALL, Route
from .rules import check_known_keys
from .sources import TriggerFamily

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent
    from .protocols import TriggerLogger, TriggerMetrics

__all__ = ["Route", "Router", "TriggerRouter"]

DEFAULT_ERROR_MESSAGE = "Something went wrong, please try again later"


class Router(FamilyDecorators):
    """A set of handlers, to split an application across modules and join them with
    :meth:`TriggerRouter.include_router`."""


class TriggerRouter(Router):
    """The application: a :class:`Router` whose :meth:`lambda_handler` is the Lambda handler.

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
        logger: TriggerLogger | None = None,
        metrics: TriggerMetrics | None = None,
        error_message: str = DEFAULT_ERROR_MESSAGE,
    ) -> None:
        super().__init__()
        self.strict = strict
        self.error_message = user_text(error_message, "error_message")
        self._observer = Observer(logger, metrics)
        log_event = os.environ.get("POWERTOOLS_LOGGER_LOG_EVENT")  # raw events, secrets and all
        if log_event:  # only then is the warning's module imported
            from .redact import warn_raw_event_logging

            warn_raw_event_logging(log_event, logger)

    @property
    def metrics(self) -> TriggerMetrics | None:
        """The metrics the router counts outcomes in."""
        return self._observer.metrics

    def lambda_handler(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """Handle one Cognito event and return what Cognito expects back: the Lambda handler
        (``lambda_handler = app.lambda_handler``, or called from your own).

        A :class:`Deny` reaches Cognito with its message; any other failure (a handler's
        exception, a response Cognito would reject, an event that is not valid) is logged in full
        and reaches Cognito as :class:`InternalError` with ``error_message`` alone.
        """
        trigger = self._observer.start(event, context)
        try:
            return self._handle(event, context, trigger)
        finally:
            self._observer.end(trigger)

    @deprecated("TriggerRouter.resolve() is TriggerRouter.lambda_handler()")
    def resolve(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """Deprecated: :meth:`lambda_handler`."""
        return self.lambda_handler(event, context)

    @deprecated("calling the TriggerRouter is calling TriggerRouter.lambda_handler()")
    def __call__(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """Deprecated: :meth:`lambda_handler`."""
        return self.lambda_handler(event, context)

    @deprecated("TriggerRouter.resolve_typed() is cognito_triggers.testing.invoke()")
    def resolve_typed(self, event: Mapping[str, Any], context: Any = None) -> TriggerEvent:
        """Deprecated: :func:`cognito_triggers.testing.invoke`, which also checks that a handler
        took the event."""
        typed, _, _ = self._run(event, context)
        return typed

    # -- the way an event travels -----------------------------------------------------------

    def _handle(
        self, event: Mapping[str, Any], context: Any, trigger: dict[str, Any]
    ) -> dict[str, Any]:
        observer = self._observer
        try:
            typed, result, outcome = self._run(event, context)
        except Deny as denial:
            if not _waited_for(event):  # no user sees it, and Lambda retries the call
                error = ResponseError(
                    "Deny has no user to reach in a custom sender: Cognito invokes senders "
                    "asynchronously; raise another exception for a failure"
                )
                error.__cause__ = denial  # the log shows where it was raised
                observer.failed(event, context, trigger, error)
                raise InternalError(self.error_message) from error
            observer.count("denied", trigger)
            raise
        except Exception as error:  # every other failure is a bug or an outage: log, sanitise
            observer.failed(event, context, trigger, error)
            # The cause stays on the exception (for tests and debuggers); Lambda's runtime reports
            # only the raised exception's type and message, so Cognito never sees it.
            raise InternalError(self.error_message) from error
        if outcome == "unhandled":
            observer.unhandled(event, context, trigger, _unhandled_note(typed))
        observer.count(outcome, trigger)
        return result

    def _run(
        self, raw: Mapping[str, Any], context: Any
    ) -> tuple[TriggerEvent, dict[str, Any], Outcome]:
        """Parse, route, handle and check one event: the typed event after the handler, what
        Cognito gets back, and the outcome. Every error is raised."""
        family, event = parse_with_family(raw)
        record = FAMILIES[family]
        route = self._route_for(event, record)
        if route is None:
            self._unhandled(record, event)
            outcome: Outcome = "unhandled"
        else:
            self._observer.routed(event, route.handler)
            returned = route.handle(event, context)
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
        if record.require is not None:  # even unchanged: a pre-filled null decides nothing
            record.require(event)
        return event, event.to_dict(changed), outcome

    def _route_for(self, event: TriggerEvent, record: FamilyRecord) -> Route | None:
        """The first route of the event's source, then of its family, then the catch-all, that
        matches it (each key's routes are kept most specific filter first)."""
        source = event.trigger_source
        # A source of another principal (a machine's token) reaches only its own handlers.
        keys = (
            (source,) if source in record.explicit_sources else (source, record.family, CATCH_ALL)
        )
        for key in keys:
            for route in self._routes.get(key, ()):
                if route.matches(event):
                    return route
        return None

    def _unhandled(self, record: FamilyRecord, event: TriggerEvent) -> None:
        # Cognito's default, except where the family's record says it fails closed or errs.
        unhandled = record.unhandled
        if self.strict or unhandled == "error":
            raise UnhandledSourceError(_unhandled_note(event))
        if not isinstance(unhandled, str):
            response = getattr(event, "response")  # noqa: B009 - declared by every family's event
            for name, value in unhandled.items():
                setattr(response, name, value)


def _waited_for(event: Mapping[str, Any]) -> bool:
    """Whether a user waits for the answer: Cognito invokes every trigger synchronously except
    the custom senders (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html)."""
    family = TriggerFamily.of(str(event.get("triggerSource")))
    return family not in (TriggerFamily.CustomEmailSender, TriggerFamily.CustomSMSSender)


def _unhandled_note(event: TriggerEvent) -> str:
    return f"cognito-triggers: no handler for {event.trigger_source}"
