"""The events the runtime's tests read: one sample per source from the factories, and the shared
conformance corpus (events written by others, kept beside the repository)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers import (
    DefineAuthChallengeEvent,
    TriggerEvent,
    TriggerFamily,
    TriggerSource,
    VerifyAuthChallengeResponseEvent,
)
from cognito_triggers.families import FAMILIES
from cognito_triggers.testing import make_event

# Third-party events live beside the repository, never inside it (../shared/conformance/README.md).
CONFORMANCE = Path(__file__).resolve().parents[4] / "shared" / "conformance" / "events"


def conformance_files(folder: str) -> list[Any]:
    """The files of one conformance folder as pytest params, or one skipped param saying why."""
    path = CONFORMANCE / folder
    if not path.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} is absent"))]
    return [pytest.param(p, id=p.name) for p in sorted(path.glob("*.json"))]


def sample_events() -> list[Any]:
    """One event per source, as ``make_event`` makes it (the example's events/ holds the same)."""
    return [pytest.param(make_event(s.value), id=s.value) for s in TriggerSource]


def load(item: Path | dict[str, Any]) -> Any:
    """A conformance file's event, or a sample event as it is."""
    if isinstance(item, dict):
        return json.loads(json.dumps(item))
    return json.loads(item.read_text(encoding="utf-8"))


def undecided(event: TriggerEvent) -> bool:
    """A custom-auth response that decides nothing (no tokens, no failure, no next challenge; no
    answer): the router refuses it even when a handler left it as it came."""
    if isinstance(event, DefineAuthChallengeEvent):
        r = event.response
        return not (r.issue_tokens or r.fail_authentication or r.challenge_name)
    return (
        isinstance(event, VerifyAuthChallengeResponseEvent)
        and event.response.answer_correct is None
    )


def decide(event: TriggerEvent) -> None:
    """What a custom-auth handler must do at least, failing closed; nothing for other events."""
    if isinstance(event, DefineAuthChallengeEvent):
        event.response.fail_authentication = True
    elif isinstance(event, VerifyAuthChallengeResponseEvent):
        event.response.answer_correct = False


# The decorator a user writes for each family: ``@app.<name>``, as the family's record names it.
DECORATOR: dict[TriggerFamily, str] = {f: FAMILIES[f].decorator for f in TriggerFamily}
