"""events/: the example's sample events, one file per triggerSource, are make_event's output
(`make events` writes them), so `sam local invoke -e` and `cognito-triggers invoke` get what the
unit tests get."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cognito_triggers import TriggerSource, parse_event
from cognito_triggers.testing import sample_event_json

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda p: p.name)
def test_each_file_is_the_factorys_output_and_round_trips(path: Path) -> None:
    received = json.loads(path.read_text(encoding="utf-8"))
    assert path.stem == received["triggerSource"]
    assert parse_event(received).to_dict() == received
    assert path.read_text(encoding="utf-8") == sample_event_json(path.stem)


def test_one_file_per_source() -> None:
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == sorted(s.value for s in TriggerSource)
