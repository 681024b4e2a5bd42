"""The files a user names on the command line (an event, a template), read strictly: what cannot
be used is an :class:`InputError` whose one line names the file, the place and what is wrong,
never a traceback. JSON is read here; YAML in ``cfn`` (CloudFormation's tags), over
:func:`read_text`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .toolchain import ToolError

__all__ = ["InputError", "read_event_file", "read_json", "read_text"]


class InputError(ToolError):
    """A file the user named cannot be used; the message says which and why, in one line."""


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of ``path``; ``what`` names the file in the message (``event file``...)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the {what} ({error.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(f"{path}:{line}:{column}: not UTF-8 text") from None


def read_json(path: str | Path, what: str) -> Any:
    """Strict JSON: no byte-order mark, comments, ``NaN`` or trailing text."""
    path = Path(path)
    text = read_text(path, what)
    if text.startswith("\ufeff"):
        raise InputError(
            f"{path}:1:1: the file starts with a UTF-8 byte-order mark; "
            "save it as UTF-8 without BOM"
        )

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as error:
        hint = ""
        stripped = text[error.pos : error.pos + 2]
        if stripped.startswith(("//", "/*")) or text.lstrip().startswith(("//", "/*")):
            hint = " (comments are not allowed in JSON)"
        raise InputError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}{hint}"
        ) from None
    except RecursionError:  # the parser recurses once per level: Python's stack ran out
        raise InputError(f"{path}: not valid JSON: nested too deeply to read") from None
    except ValueError as error:
        raise InputError(f"{path}: not valid JSON: {error}") from None


def read_event_file(path: str | Path) -> dict[str, Any]:
    """A JSON event as Lambda would receive it, or :class:`InputError` saying where it is not."""
    event = read_json(path, "event file")
    if not isinstance(event, dict):
        raise InputError(
            f"{path}:1:1: a Cognito event is a JSON object, not {type(event).__name__}"
        )
    return event
