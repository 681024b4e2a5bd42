"""Logging events safely: :func:`redact_event`, and a warning when Powertools would log them raw.

A Cognito event carries passwords, challenge answers, codes and personal attributes. Powertools'
``POWERTOOLS_LOGGER_LOG_EVENT`` (or ``inject_lambda_context(log_event=True)``) writes it to the
log as it came; ``logger.info("event", extra={"event": redact_event(event)})`` writes what is
safe to keep. Imported only when used, or when that variable is set: never on the default path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .errors import InvalidEventError
from .events import parse_event
from .events.model import CognitoModel, SecretStr

__all__ = ["MASK", "redact_event", "warn_raw_event_logging"]

MASK = "***"
# The values Powertools reads as true (its ``strtobool``).
_TRUE = frozenset({"1", "y", "yes", "t", "true", "on"})
_ENVELOPE = ("version", "triggerSource", "region", "userPoolId", "callerContext")
_warned = False


def redact_event(event: Mapping[str, Any] | CognitoModel) -> dict[str, Any]:
    """The event as a dict fit for a log: Cognito's keys and structure, with every value that may
    be a secret or personal data replaced by ``"***"``.

    Shown: the envelope (source, pool, client, version), booleans, numbers, challenge names,
    groups, scopes, statuses, and the keys of every map. Masked: the values of attribute maps,
    claims, client metadata and challenge parameters; passwords, answers and codes; challenge
    metadata; message text; ``userName``; and the value of every key the models do not declare.
    Takes the raw event or a parsed one (after the handler: what it changed shows too). An event
    that does not parse gives its envelope alone.

    Example::

        logger.info("received", extra={"event": redact_event(event)})
    """
    if isinstance(event, CognitoModel):
        return _model(event)
    try:
        return _model(parse_event(event))
    except InvalidEventError:
        if not isinstance(event, Mapping):
            return {"invalid": type(event).__name__}
        shown = {key: _scalars(event[key]) for key in _ENVELOPE if key in event}
        return {**shown, "invalid": "not a valid event; nothing else is shown"}


def _model(model: CognitoModel) -> dict[str, Any]:
    # Only the fields that were received or set, as on the wire; unknown keys by name only.
    fields = type(model).model_fields
    hidden = type(model)._hidden_fields
    shown = {
        fields[name].alias: MASK if name in hidden else _value(getattr(model, name))
        for name in fields
        if name in model.model_fields_set
    }
    return {**shown, **dict.fromkeys(model.model_extra or {}, MASK)}


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, CognitoModel):
        return _model(value)
    if isinstance(value, dict):  # attribute maps, claims, challenge parameters: keys only
        return dict.fromkeys(value, MASK)
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, SecretStr):
        return MASK
    return value  # a string of a field not hidden: a name, a status, a placeholder


def _scalars(value: Any) -> Any:
    # The envelope of an event that did not parse: strings and numbers shown, nothing nested
    # but callerContext's own scalars.
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if isinstance(v, str | int | float | None)}
    return value if isinstance(value, str | int | float | None) else MASK


def warn_raw_event_logging(setting: str, logger: Any = None) -> None:
    """Warn once per process when ``POWERTOOLS_LOGGER_LOG_EVENT`` (whose value is ``setting``)
    makes Powertools log every event raw. The router calls this when the variable is set."""
    global _warned
    if _warned or setting.strip().lower() not in _TRUE:
        return
    _warned = True
    target = logger if logger is not None else logging.getLogger("cognito_triggers")
    target.warning(
        "cognito-triggers: POWERTOOLS_LOGGER_LOG_EVENT is on, so every event is logged as it "
        "came: passwords, challenge answers, codes and personal attributes included. Turn it "
        "off and log cognito_triggers.redact_event(event) instead."
    )
