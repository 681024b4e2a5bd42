"""Fixtures shared by test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cognito_triggers.dev.toolchain import uv

ROOT = Path(__file__).resolve().parents[1]

# The example functions make their Metrics when imported, as in Lambda, where the template gives
# them a namespace; without one, Metrics() raises.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Test")


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`uv build` of this project, once per run: the sdist, then the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = [uv(ROOT), "build", "--quiet", "--out-dir", str(out), str(ROOT)]
    result = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def build() -> Path:
    """The SAM build for this machine (`make test` builds first; building here otherwise)."""
    built = ROOT / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        command = [sys.executable, "-m", "cognito_triggers.dev.cli", "--project", str(ROOT)]
        subprocess.run([*command, "build"], check=True, cwd=ROOT)
    return built
