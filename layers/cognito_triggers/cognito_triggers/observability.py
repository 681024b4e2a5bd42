"""What the router tells the logger and the metrics it was given: the trigger context of each event
(where it came from, never what it holds), that context on every record of the invocation for a
logger that keeps keys, a count of each outcome, and what went wrong.

The logger and the metrics are whatever has the calls of ``protocols.TriggerLogger`` and
``protocols.TriggerMetrics`` (the standard library's and Powertools' do); nothing here imports
either library.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from .registration import name_of
from .sources import TriggerFamily

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent
    from .protocols import KeyedLogger, TriggerLogger, TriggerMetrics

__all__ = ["Observer", "Outcome", "trigger_context"]

Outcome = Literal["handled", "denied", "failed", "unhandled"]


class Observer:
    """The logger and metrics of one router, and what it does with them per event."""

    __slots__ = ("_debug", "_keyed", "active", "logger", "metrics")

    def __init__(self, logger: TriggerLogger | None, metrics: TriggerMetrics | None) -> None:
        self.logger = logger
        self.metrics = metrics
        self.active = logger is not None or metrics is not None
        """Whether an event's trigger context is made up front (for labels and counts)."""
        keeps_keys = callable(getattr(logger, "append_keys", None)) and callable(
            getattr(logger, "remove_keys", None)
        )
        self._keyed: KeyedLogger | None = logger if keeps_keys else None  # type: ignore[assignment]
        self._debug: Any = None  # the cognito_triggers logger, once logging is loaded

    def start(self, event: Any, context: Any) -> dict[str, Any]:
        """The event's trigger context (empty when nothing observes), on every record of a
        logger that keeps keys until :meth:`end`."""
        if not self.active:
            return {}
        trigger = trigger_context(event, context)
        if self._keyed is not None:
            self._keyed.append_keys(**trigger)
        return trigger

    def end(self, trigger: dict[str, Any]) -> None:
        # A warm Lambda reuses the logger: this event's keys must not label the next one's.
        if self._keyed is not None and trigger:
            self._keyed.remove_keys(list(trigger))

    def failed(self, event: Any, context: Any, trigger: dict[str, Any], error: Exception) -> None:
        """A failure that is a bug or an outage: logged in full, with the trigger context."""
        trigger = trigger or trigger_context(event, context)
        message = (
            f"cognito-triggers: {trigger['trigger_source']} failed with {type(error).__name__}"
        )
        self._log("error", message, trigger, error)
        self.count("failed", trigger)

    def unhandled(self, event: Any, context: Any, trigger: dict[str, Any], note: str) -> None:
        self._log("warning", note, trigger or trigger_context(event, context))

    def count(self, outcome: Outcome, trigger: dict[str, Any]) -> None:
        """One ``Handled``/``Denied``/``Failed``/``Unhandled`` count with a ``TriggerSource``
        dimension; a count that cannot be made is logged and changes nothing else."""
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
                error,
            )

    def routed(self, event: TriggerEvent, handler: Callable[..., Any]) -> None:
        """At DEBUG on the ``cognito_triggers`` logger: which handler takes the event (what
        ``cognito-triggers run`` and ``invoke`` show). Only where :mod:`logging` is already
        loaded, as Lambda's runtime loads it: never imported for this, off the cold start."""
        logger = self._debug
        if logger is None:
            logging = sys.modules.get("logging")
            if logging is None:
                return
            logger = self._debug = logging.getLogger("cognito_triggers")
        if logger.isEnabledFor(10):  # logging.DEBUG
            received = getattr(event, "_received", {})
            logger.debug(
                "cognito-triggers: %s handled by %s",
                event.trigger_source,
                name_of(handler),
                extra={"cognito_trigger": trigger_context(received, None)},
            )

    def _log(
        self,
        level: Literal["error", "warning"],
        message: str,
        trigger: dict[str, Any],
        error: BaseException | None = None,
    ) -> None:
        logger = self.logger
        if logger is None:
            import logging  # only on a failure or an unhandled source: off the cold-start path

            logger = logging.getLogger("cognito_triggers")
            message = f"{message} {trigger}"
        log = logger.error if level == "error" else logger.warning
        log(message, exc_info=error, extra={"cognito_trigger": trigger})


def trigger_context(event: Any, context: Any) -> dict[str, Any]:
    """What a log record may say about an event: where it came from, never what it holds."""
    if not isinstance(event, Mapping):
        return {"trigger_source": "(not an event)"}
    caller = event.get("callerContext")
    source = event.get("triggerSource")
    # Read before validation: only text is copied, so a malformed event cannot put whatever it
    # holds in these fields into a log.
    return {
        "trigger_source": source if isinstance(source, str) else "(missing)",
        "user_pool_id": _text(event.get("userPoolId")),
        "client_id": _text(caller.get("clientId")) if isinstance(caller, Mapping) else None,
        "aws_request_id": _text(getattr(context, "aws_request_id", None)),
    }


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return f"(not text: {type(value).__name__})"
