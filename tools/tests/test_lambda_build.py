"""What `sam build` installs for a folder (lambda_build.pinned): the lock's versions and wheels for
Lambda's Python and architecture, nothing the runtime provides, and clear errors for the rest.
The builds themselves are in test_init.py (a project made by init) and tests/test_build.py (the
example)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cognito_triggers_tools.lambda_build import pinned, sam_build_target
from cognito_triggers_tools.toolchain import ToolError, cache_dir

LOCK = """
version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0"
source = { virtual = "." }

[[package]]
name = "cognito-triggers"
version = "0.2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "pydantic" }]
wheels = [{ url = "https://files.example/cognito_triggers-0.2.0-py3-none-any.whl", hash = "sha256:aa" }]

[package.optional-dependencies]
powertools = [{ name = "aws-lambda-powertools" }]

[[package]]
name = "pydantic"
version = "2.13.5"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "pydantic-core" },
    { name = "colorama", marker = "sys_platform == 'win32'" },
]
wheels = [{ url = "https://files.example/pydantic-2.13.5-py3-none-any.whl", hash = "sha256:bb" }]

[[package]]
name = "pydantic-core"
version = "2.46.5"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/pydantic_core-2.46.5-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", hash = "sha256:arm" },
    { url = "https://files.example/pydantic_core-2.46.5-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:x86" },
    { url = "https://files.example/pydantic_core-2.46.5-cp313-cp313-macosx_11_0_arm64.whl", hash = "sha256:mac" },
]

[[package]]
name = "aws-lambda-powertools"
version = "3.37.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "jmespath" }]
wheels = [{ url = "https://files.example/aws_lambda_powertools-3.37.0-py3-none-any.whl", hash = "sha256:cc" }]

[[package]]
name = "jmespath"
version = "1.1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/jmespath-1.1.0-py3-none-any.whl", hash = "sha256:dd" }]

[[package]]
name = "only-sdist"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/only_sdist-1.0-cp313-cp313-win_amd64.whl", hash = "sha256:ee" }]
"""


def _project(tmp_path: Path, requirements: str, lock: str | None = LOCK) -> Path:
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    if lock is not None:
        (tmp_path / "uv.lock").write_text(lock, encoding="utf-8")
    return tmp_path / "requirements.txt"


@pytest.mark.parametrize(("architecture", "digest"), [("arm64", "arm"), ("x86_64", "x86")])
def test_the_closure_comes_from_the_lock_with_the_wheel_for_the_architecture(
    tmp_path: Path, architecture: str, digest: str
) -> None:
    pins = pinned(_project(tmp_path, "cognito-triggers\n"), tmp_path, architecture)
    assert [f"{p.name}=={p.version}" for p in pins] == [
        "cognito-triggers==0.2.0",
        "pydantic==2.13.5",
        "pydantic-core==2.46.5",
    ]  # and no colorama: its marker is Windows'
    (core,) = [p for p in pins if p.name == "pydantic-core"]
    assert core.hash == f"sha256:{digest}"
    assert core.requirement(hashed=True).endswith(f".whl --hash=sha256:{digest}")


def test_an_extra_brings_its_packages_but_not_what_the_runtime_provides(tmp_path: Path) -> None:
    pins = pinned(_project(tmp_path, "cognito-triggers[powertools]\n"), tmp_path, "arm64")
    names = [p.name for p in pins]
    assert "aws-lambda-powertools" in names
    assert "jmespath" not in names  # boto3's dependency, in the Lambda runtime


def test_what_the_runtime_provides_ships_when_named(tmp_path: Path) -> None:
    pins = pinned(_project(tmp_path, "jmespath  # newer than the runtime's\n"), tmp_path, "arm64")
    assert [p.name for p in pins] == ["jmespath"]


def test_a_name_the_lock_lacks_says_how_to_add_it(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"requests is not in .*uv\.lock: .*`uv add requests`"):
        pinned(_project(tmp_path, "requests\n"), tmp_path, "arm64")


def test_a_version_the_lock_does_not_have_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"pydantic<2 but uv.lock has 2.13.5"):
        pinned(_project(tmp_path, "pydantic<2\n"), tmp_path, "arm64")


def test_no_wheel_for_lambda_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"only-sdist==1.0 .* no wheel for Lambda's Python 3.13"):
        pinned(_project(tmp_path, "only-sdist\n"), tmp_path, "x86_64")


def test_without_a_lock_every_line_must_be_pinned(tmp_path: Path) -> None:
    requirements = _project(tmp_path, "pydantic==2.13.5\nrequests\n", lock=None)
    with pytest.raises(ToolError, match=r"requests must be pinned \(name==version\)"):
        pinned(requirements, tmp_path, "arm64")
    requirements.write_text("pydantic==2.13.5\n", encoding="utf-8")
    (pin,) = pinned(requirements, tmp_path, "arm64")
    assert pin.requirement(hashed=False) == "pydantic==2.13.5"


def test_the_architecture_is_what_sams_build_graph_says(tmp_path: Path) -> None:
    (tmp_path / "build.toml").write_text(
        '[function_build_definitions.a]\narchitecture = "arm64"\nfunctions = ["F", "G"]\n'
        '[layer_build_definitions.b]\narchitecture = "x86_64"\nlayer = "L"\n',
        encoding="utf-8",
    )
    artifacts = tmp_path / "build" / "G"
    target = sam_build_target(artifacts, "G")
    assert (target.kind, target.architecture) == ("function", "arm64")
    assert sam_build_target(tmp_path / "build" / "L", "L").kind == "layer"
    with pytest.raises(ToolError, match=r"H is not in SAM's build graph"):
        sam_build_target(tmp_path / "build" / "H", "H")


def test_outside_sam_build_the_graph_is_missing_and_says_so(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"lambda-build runs inside `sam build`"):
        sam_build_target(tmp_path / "build" / "F", "F")


def test_the_tools_cache_is_per_user_and_can_be_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COGNITO_TRIGGERS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/me")
    assert cache_dir() == Path("/var/cache/me/cognito-triggers")
    monkeypatch.setenv("COGNITO_TRIGGERS_CACHE", "/opt/ct")
    assert cache_dir() == Path("/opt/ct")
    monkeypatch.delenv("COGNITO_TRIGGERS_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "cognito-triggers"
