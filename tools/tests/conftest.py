"""Fixtures shared by the tools' tests. The project they run on is the example application at the
repository's root, a project of the shape `cognito-triggers init` makes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cognito_triggers_tools.host_build import built_template

ROOT = Path(__file__).resolve().parents[2]

# The example functions make their Metrics when imported, as in Lambda, where the template gives
# them a namespace; without one, Metrics() raises.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Test")


@pytest.fixture(scope="session")
def build() -> Path:
    """The SAM build for this machine (`make test` builds first; building here otherwise)."""
    return built_template(ROOT)
