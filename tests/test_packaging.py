"""The package as a user gets it: `uv build` makes a wheel and an sdist; each installs into a fresh
virtual environment, away from this source tree, and works there (import, parse, route, the CLI),
with the `py.typed` marker that lets the user's type checker read our annotations."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import cognito_triggers
from cognito_triggers.dev.toolchain import uv

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "layers/cognito_triggers/cognito_triggers"

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
assert app.resolve(event)["response"]["autoConfirmUser"] is True
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


def test_the_wheel_ships_the_package_with_py_typed_and_the_cli(dist: Path) -> None:
    with zipfile.ZipFile(_artifact(dist, "*.whl")) as wheel:
        names = set(wheel.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = wheel.read(entry_points).decode()
    assert "cognito_triggers/py.typed" in names
    # The version is written once, as __version__, and the wheel is named after it.
    assert {n.split("/")[0] for n in names} == {
        "cognito_triggers",
        f"cognito_triggers-{cognito_triggers.__version__}.dist-info",
    }
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "cognito-triggers = cognito_triggers.dev.cli:main" in scripts


def test_the_sdist_holds_the_library_not_the_sam_application(dist: Path) -> None:
    with tarfile.open(_artifact(dist, "*.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    source = {str(p.relative_to(ROOT)) for p in (ROOT / PACKAGE).rglob("*") if p.is_file()}
    assert {n for n in names if n.startswith(PACKAGE)} == {
        n for n in source if "__pycache__" not in n
    }
    assert names - source <= {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO", ".gitignore"}
    assert "LICENSE" in names


@pytest.mark.parametrize(("pattern", "extra"), [("*.whl", "[dev]"), ("*.tar.gz", "")])
def test_it_installs_into_a_fresh_venv_and_works(
    dist: Path, tmp_path: Path, pattern: str, extra: str
) -> None:
    venv = tmp_path / "venv"
    tool = uv(ROOT)
    _run([tool, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    artifact = _artifact(dist, pattern)
    _run([tool, "pip", "install", "--quiet", "--python", python, f"{artifact}{extra}"], tmp_path)
    assert _run([python, "-c", SMOKE], cwd=tmp_path).strip() == "smoke ok"
    cli = str(venv / "bin" / "cognito-triggers")
    assert "Develop Cognito user pool triggers locally" in _run([cli, "--help"], cwd=tmp_path)
    assert "  TokenGeneration_ClientCredentials" in _run([cli, "events", "list"], cwd=tmp_path)
    check = subprocess.run([cli, "check"], cwd=tmp_path, capture_output=True, text=True)
    if extra == "[dev]":  # the dev tools' own dependencies came with the extra
        assert "no template.yaml" in check.stderr
    else:  # without them, the tools say what to install
        assert "the local tools need the dev extra (pip install 'cognito-triggers[dev]')" in (
            check.stderr
        )
    assert check.returncode == 2
