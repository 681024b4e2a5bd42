"""Fixtures shared by the runtime's tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]  # the distribution's folder (its pyproject.toml)


def uv() -> str:
    """The uv running these tests (``uv run`` says which), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail("uv is needed to build the wheel: run the tests with `uv run pytest`")
    return found


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`uv build` of this distribution, once per run: the sdist, then the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = [uv(), "build", "--quiet", "--out-dir", str(out), str(PROJECT)]
    result = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out
