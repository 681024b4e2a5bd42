"""Typed for the user's checker, not only for ours: a small application outside the package
(``tests/user_app/``), type-checked with ``mypy --strict`` against cognito-triggers installed from
its built wheel into a fresh virtual environment, as a user's project would see it.

``good.py`` is the README's usage and must pass; every line of ``bad.py`` marked
``# flagged: <code>`` must be reported with that error code, and no other line. Deprecated names
are reported as mypy does when asked (``--enable-error-code deprecated``).
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import uv

APP = Path(__file__).resolve().parent / "user_app"


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.fixture(scope="module")
def user_mypy(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mypy`` of a fresh venv holding only the built wheel with its ``powertools`` extra (and
    what they depend on)."""
    tool = uv()
    (wheel,) = dist.glob("cognito_triggers-*.whl")
    venv = tmp_path_factory.mktemp("user") / "venv"
    made = _run(tool, "venv", "--quiet", "--python", sys.executable, venv)
    assert made.returncode == 0, made.stderr
    mypy = f"mypy=={importlib.metadata.version('mypy')}"  # the project's own, for stable output
    installed = _run(
        tool,
        "pip",
        "install",
        "--quiet",
        "--python",
        venv / "bin/python",
        f"{wheel}[powertools]",
        mypy,
    )
    assert installed.returncode == 0, installed.stderr
    return venv / "bin" / "mypy"


def _check(mypy: Path, name: str, tmp_path: Path) -> tuple[int, str]:
    # Run from a folder holding only the app, so the package comes from the wheel, not the repo.
    shutil.copy(APP / name, tmp_path / name)
    result = _run(
        mypy, "--strict", "--enable-error-code", "deprecated", "--no-incremental",
        "--hide-error-context", name, cwd=tmp_path,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_the_wheel_ships_py_typed(user_mypy: Path) -> None:
    site = next(user_mypy.parent.parent.glob("lib/python3*/site-packages"))
    assert (site / "cognito_triggers" / "py.typed").is_file()


def test_a_correct_application_passes_mypy_strict(user_mypy: Path, tmp_path: Path) -> None:
    status, output = _check(user_mypy, "good.py", tmp_path)
    assert status == 0, output
    assert "Success" in output


def test_a_star_import_passes_mypy_strict(user_mypy: Path, tmp_path: Path) -> None:
    """`from cognito_triggers import *` gives the checker every public name (``__all__`` is a
    literal list, which it can read)."""
    status, output = _check(user_mypy, "star.py", tmp_path)
    assert status == 0, output


def test_each_mistake_is_flagged_where_it_is(user_mypy: Path, tmp_path: Path) -> None:
    expected = {
        number: match.group(1)
        for number, line in enumerate((APP / "bad.py").read_text().splitlines(), start=1)
        if (match := re.search(r"# flagged: ([\w-]+)", line))
    }
    status, output = _check(user_mypy, "bad.py", tmp_path)
    assert status == 1, output
    found = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r"^bad\.py:(\d+): error: .*\[([\w-]+)\]$", output, re.MULTILINE)
    }
    assert found == expected, output
