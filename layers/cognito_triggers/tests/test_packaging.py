"""The runtime as a user gets it: `uv build` makes a wheel and an sdist; each installs into a fresh
virtual environment, away from this source tree, and works there (import, parse, route), with the
`py.typed` marker that lets the user's type checker read our annotations, and nothing else: no
tools, no Powertools unless asked for."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import cognito_triggers

from .conftest import PROJECT, uv

PACKAGE = "cognito_triggers"

SMOKE = """
import pathlib

import cognito_triggers
from cognito_triggers import PreSignUpEvent, TriggerRouter, parse_event
from cognito_triggers.testing import make_event

where = pathlib.Path(cognito_triggers.__file__).parent
assert "site-packages" in where.parts, where
assert (where / "py.typed").is_file()

app = TriggerRouter()


@app.pre_sign_up
def confirm(event: PreSignUpEvent) -> None:
    event.response.auto_confirm_user = True


event = make_event("PreSignUp_SignUp")
assert isinstance(parse_event(event), PreSignUpEvent)
assert app.lambda_handler(event)["response"]["autoConfirmUser"] is True
print("smoke ok")
"""


def _run(command: list[str], cwd: Path) -> str:
    # Nothing of this checkout leaks in: no PYTHONPATH, no active venv, another working folder.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _artifact(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def test_the_wheel_ships_the_package_with_py_typed_and_nothing_else(dist: Path) -> None:
    with zipfile.ZipFile(_artifact(dist, "*.whl")) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert "cognito_triggers/py.typed" in names
    # The version is written once, as __version__, and the wheel is named after it.
    assert {n.split("/")[0] for n in names} == {
        "cognito_triggers",
        f"cognito_triggers-{cognito_triggers.__version__}.dist-info",
    }
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    # A Lambda function imports this and nothing more: pydantic (which pins its pydantic-core),
    # with Powertools and the Encryption SDK as extras, and no command line.
    assert not any(n.endswith(".dist-info/entry_points.txt") for n in names)
    requires = [
        line.split(":", 1)[1].strip()
        for line in metadata.decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert [r for r in requires if "extra ==" not in r] == ["pydantic<3,>=2.11"]
    assert {r.split(";")[1].strip() for r in requires if "extra ==" in r} == {
        "extra == 'powertools'",
        "extra == 'senders'",
    }


def test_the_sdist_holds_the_library_not_the_sam_application(dist: Path) -> None:
    with tarfile.open(_artifact(dist, "*.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    source = {str(p.relative_to(PROJECT)) for p in (PROJECT / PACKAGE).rglob("*") if p.is_file()}
    assert {n for n in names if n.startswith(PACKAGE)} == {
        n for n in source if "__pycache__" not in n
    }
    assert names - source <= {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO", ".gitignore"}
    assert "LICENSE" in names


@pytest.mark.parametrize("pattern", ["*.whl", "*.tar.gz"])
def test_it_installs_into_a_fresh_venv_and_works(dist: Path, tmp_path: Path, pattern: str) -> None:
    venv = tmp_path / "venv"
    tool = uv()
    _run([tool, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    artifact = _artifact(dist, pattern)
    _run([tool, "pip", "install", "--quiet", "--python", python, str(artifact)], tmp_path)
    assert _run([python, "-c", SMOKE], cwd=tmp_path).strip() == "smoke ok"
    installed = _run([tool, "pip", "freeze", "--python", python], cwd=tmp_path)
    names = {line.split("==")[0].split(" @ ")[0].lower() for line in installed.splitlines()}
    assert names == {
        "annotated-types",
        "cognito-triggers",
        "pydantic",
        "pydantic-core",
        "typing-extensions",
        "typing-inspection",
    }
