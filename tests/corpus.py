"""Where the repository's sample events and the shared conformance corpus are, for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers import TriggerFamily
from cognito_triggers.families import FAMILIES

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
# Third-party events live beside the project, never inside it (see ../shared/conformance/README.md).
CONFORMANCE = ROOT.parent / "shared" / "conformance" / "events"


def conformance_files(folder: str) -> list[Any]:
    """The files of one conformance folder as pytest params, or one skipped param saying why."""
    path = CONFORMANCE / folder
    if not path.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} is absent"))]
    return [pytest.param(p, id=p.name) for p in sorted(path.glob("*.json"))]


def sample_files() -> list[Any]:
    return [pytest.param(p, id=p.name) for p in sorted(EVENTS.glob("*.json"))]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# The decorator a user writes for each family: ``@app.<name>``, as the family's record names it.
DECORATOR: dict[TriggerFamily, str] = {f: FAMILIES[f].decorator for f in TriggerFamily}
