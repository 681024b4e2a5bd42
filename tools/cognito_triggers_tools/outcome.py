"""What an emulated invocation did, told from what the function really returned and logged: the
handler that ran (the router's own log line), the outcome (a ``Deny`` with its text, a failure with
the cause the function logged), and what changed between the event sent and the event returned.

Nothing is re-computed here: a local run reports what the function did, not what we expect of it.
Secret and personal values never appear in a change: they are masked, their change still shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .emulator import Invocation

__all__ = ["NO_HANDLER", "Outcome", "changes", "handler_of", "logged_cause", "outcome_of"]

NO_HANDLER = "no handler: default"

# The router's lines about routing (router.py): the handler it called, or none.
_HANDLED = re.compile(r"cognito-triggers: (?P<source>\w+) handled by (?P<handler>[\w.<>]+)")
_UNHANDLED = re.compile(r"cognito-triggers: no handler for (?P<source>\w+)")
_TRACEBACK = "Traceback (most recent call last):"
_SPLIT = re.compile(r"\r|(?=\[(?:CRITICAL|ERROR|WARNING|INFO|DEBUG)\]\s)")
_EXCEPTION_LINE = re.compile(r"(?P<type>[A-Za-z_][\w.]*)(?:: (?P<message>.*))?")

# Keys holding personal or secret values (attributes, a challenge's answer and the metadata that
# carries it to the next round, what the client sent) and names of secrets anywhere: a change
# there shows as ``***``.
_MASKED_KEYS = frozenset(
    {
        "userAttributes",
        "userAttributesToMap",  # inbound federation's answer: the user's attributes too
        "privateChallengeParameters",
        "challengeMetadata",
        "clientMetadata",
        "validationData",
    }
)
_SECRET_NAME = re.compile(r"password|passcode|secret|hash|otp|^code$|answer$", re.IGNORECASE)
_MASK = "***"
_ABSENT = object()
_WIDTH = 60  # a changed value is cut to this many characters


@dataclass
class Outcome:
    handler: str
    """``module.function`` the router logged, :data:`NO_HANDLER`, or ``""`` if nothing says."""
    result: str
    """``ok``, ``denied: <text>`` or ``error: <type>: <message>``."""
    changes: list[str] = field(default_factory=list)
    cause: str | None = None
    """For an error: the exception the function logged (type and message), when it logged one."""


def _records(log: list[str]) -> Iterator[str]:
    """Text log lines as written: the runtime writes its own multi-line records as one line with
    carriage returns, sometimes glued to the end of the previous record."""
    for line in log:
        yield from _SPLIT.split(line)


def handler_of(log: list[str]) -> str:
    """The handler the router says it called, :data:`NO_HANDLER`, or ``""``."""
    for record in _records(log):
        if match := _HANDLED.search(record):
            return match.group("handler")
        if _UNHANDLED.search(record):
            return NO_HANDLER
    return ""


def _exception(type_name: str, message: str) -> str:
    short = type_name.rpartition(".")[2]  # InvalidEventError, not cognito_triggers.errors.…
    return f"{short}: {message}" if message else short


def _cause_in_text(lines: list[str]) -> Iterator[str]:
    """The exception line of each text traceback: the first unindented line after its frames."""
    for i, line in enumerate(lines):
        if not line.endswith(_TRACEBACK):
            continue
        for after in lines[i + 1 :]:
            if after and not after[0].isspace():
                if match := _EXCEPTION_LINE.fullmatch(after):
                    yield _exception(match.group("type"), match.group("message") or "")
                break


def logged_cause(log: list[str]) -> str | None:
    """The last exception the function logged (type and message): for the router's generic
    ``InternalError``, the real cause, as the function's own log tells it."""
    causes: list[str] = []
    text: list[str] = []
    for line in log:
        try:
            record = json.loads(line)
        except ValueError:
            text.extend(_records([line]))
            continue
        if not isinstance(record, dict):
            continue
        trace = record.get("stack_trace")
        # A `logging` record under LogFormat JSON; not the runtime's own record of the error the
        # invocation returns (no "logger"), which is the generic InternalError.
        if isinstance(record.get("errorType"), str) and "logger" in record:
            causes.append(_exception(record["errorType"], str(record.get("errorMessage") or "")))
        elif isinstance(trace, dict) and trace.get("type"):  # Powertools Logger
            causes.append(_exception(str(trace["type"]), str(trace.get("value") or "")))
        elif isinstance(record.get("exception"), str):
            causes += _cause_in_text(record["exception"].splitlines())
    causes += _cause_in_text(text)
    return causes[-1] if causes else None


def _leaves(value: Any, path: str, masked: bool) -> Iterator[tuple[str, Any, bool]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            inner = masked or key in _MASKED_KEYS or bool(_SECRET_NAME.search(str(key)))
            yield from _leaves(item, f"{path}.{key}" if path else str(key), inner)
    else:
        yield path, value, masked


def _show(value: Any, masked: bool) -> str:
    if value is _ABSENT:
        return "(absent)"
    if masked and value is not None:
        return _MASK
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _has_below(path: str, leaves: Mapping[str, Any]) -> bool:
    return any(p.startswith(f"{path}.") for p in leaves)


def changes(sent: Mapping[str, Any], returned: Any) -> list[str]:
    """``path: before -> after`` for every value that differs, paths under ``response`` without
    that prefix; secret and personal values masked."""
    if not isinstance(returned, Mapping):
        return []
    before = {p: (v, m) for p, v, m in _leaves(dict(sent), "", False)}
    after = {p: (v, m) for p, v, m in _leaves(dict(returned), "", False)}
    lines = []
    for path in [*after, *(p for p in before if p not in after)]:
        old, old_masked = before.get(path, (_ABSENT, False))
        new, new_masked = after.get(path, (_ABSENT, False))
        if old == new and old is not _ABSENT and new is not _ABSENT:
            continue
        if (old is _ABSENT and new in (None, {}) and _has_below(path, before)) or (
            new is _ABSENT and old in (None, {}) and _has_below(path, after)
        ):
            continue  # an empty or null container whose contents are listed instead
        masked = old_masked or new_masked
        shown = path.removeprefix("response.") if path.startswith("response.") else path
        lines.append(f"{shown}: {_show(old, masked)} -> {_show(new, masked)}")
    return lines


def outcome_of(sent: Mapping[str, Any], invocation: Invocation) -> Outcome:
    handler = handler_of(invocation.log)
    if invocation.error is None:
        try:
            changed = changes(sent, invocation.payload)
        except RecursionError:  # JSON nested near Python's limit: parsed, too deep to compare
            changed = ["(not compared: nested too deeply)"]
        return Outcome(handler, "ok", changed)
    kind, _, message = invocation.error.partition(": ")
    if kind == "Deny":
        return Outcome(handler, f"denied: {message}")
    return Outcome(handler, f"error: {invocation.error}", cause=logged_cause(invocation.log))
