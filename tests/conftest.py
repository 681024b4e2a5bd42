"""Fixtures shared by the example's tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The example functions make their Metrics when imported, as in Lambda, where the template gives
# them a namespace; without one, Metrics() raises.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Test")


@pytest.fixture(scope="session")
def build() -> Path:
    """The SAM build for this machine (`make test` builds first; building here otherwise)."""
    built = ROOT / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        command = [sys.executable, "-m", "cognito_triggers_tools.cli", "--project", str(ROOT)]
        subprocess.run([*command, "build"], check=True, cwd=ROOT)
    return built
