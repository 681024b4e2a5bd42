"""`cognito-triggers init`: the project it makes passes its own `make test` and `make run` on a
machine with only the system PATH, with this workspace's freshly built wheels as the package
source; and `sam build` of it ships binaries of the architecture the template declares, however
the template declares it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cognito_triggers_tools.init import DEFAULT_TRIGGERS, STARTERS, init_project
from cognito_triggers_tools.toolchain import (
    ToolError,
    elf_architecture,
    host_architecture,
    sam_command,
    sam_environment,
    uv,
)

WORKSPACE = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def _user_env(wheels: Path) -> dict[str, str]:
    """A fresh shell's environment: the system PATH, nothing of this checkout's venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "UV")}
    env["PATH"] = SYSTEM_PATH
    env["UV_FIND_LINKS"] = str(wheels)  # the distributions, as if from the registry
    return env


@dataclass
class Made:
    folder: Path
    env: dict[str, str]
    test: subprocess.CompletedProcess[str]
    test_seconds: float


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    wheels = tmp_path_factory.mktemp("wheels")
    built = subprocess.run(
        [uv(), "build", "--all-packages", "--quiet", "--out-dir", str(wheels)],
        cwd=WORKSPACE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    folder = tmp_path_factory.mktemp("projects") / "acme-auth"
    init_project(folder, list(DEFAULT_TRIGGERS))
    env = _user_env(wheels)
    start = time.perf_counter()
    test = subprocess.run(
        ["make", "test"], cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    return Made(folder, env, test, time.perf_counter() - start)


def _so_architectures(folder: Path) -> set[str]:
    return {a for so in folder.rglob("*.so") if (a := elf_architecture(so)) is not None}


def _sam_build(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*sam_command(), "build", *args],
        cwd=folder,
        env={**sam_environment(), "PATH": SYSTEM_PATH},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(made: Made, tmp_path: Path) -> Path:
    copy = tmp_path / made.folder.name
    shutil.copytree(made.folder, copy, symlinks=True, ignore=shutil.ignore_patterns(".aws-sam"))
    # The venv's scripts name its interpreter by absolute path, which still exists: usable as is.
    return copy


@pytest.mark.e2e
def test_make_test_of_a_new_project_passes(made: Made) -> None:
    assert made.test.returncode == 0, made.test.stdout[-3000:] + made.test.stderr[-3000:]
    assert "template and handlers agree" in made.test.stdout
    assert re.search(r"\b12 passed\b", made.test.stdout), made.test.stdout[-2000:]
    print(f"make test of a new project with three triggers: {made.test_seconds:.1f} s")
    lock = (made.folder / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "cognito-triggers"\nversion = "0.2.0"' in lock


@pytest.mark.e2e
def test_make_run_of_a_new_project_invokes_every_event(made: Made) -> None:
    run = subprocess.run(
        ["make", "run"], cwd=made.folder, env=made.env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "11 invoked, 0 skipped (reached no function), 0 failed" in run.stdout
    assert "pre_sign_up.restrict_sign_up" in run.stdout
    assert "wired, but no event" not in run.stdout
    # The integration tests, deployed to the local AWS, with their report.
    assert "flows: 4 passed, 0 failed, 0 skipped" in run.stdout, run.stdout[-3000:]
    assert "TokenGeneration_Authentication -> PreTokenGenerationFunction: handled" in run.stdout
    assert '"tenant": "acme"' in run.stdout
    built = made.folder / ".aws-sam" / "build"
    assert _so_architectures(built) == {host_architecture()}
    # And make test again, with the build beside the code, as a user runs them.
    again = subprocess.run(
        ["make", "test"], cwd=made.folder, env=made.env, capture_output=True, text=True, check=False
    )
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("overrides", "architecture"),
    [((), "arm64"), (("--parameter-overrides", "Architecture=x86_64"), "x86_64")],
    ids=["default-arm64", "x86_64-by-parameter"],
)
def test_sam_build_ships_the_declared_architecture(
    made: Made, tmp_path: Path, overrides: tuple[str, ...], architecture: str
) -> None:
    project = _copy(made, tmp_path)
    done = _sam_build(project, *overrides)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built = project / ".aws-sam" / "build"
    layer = built / "CognitoTriggersLayer" / "python"
    assert any(layer.glob("pydantic_core/*.so"))
    assert _so_architectures(built) == {architecture}
    assert not (layer / "cognito_triggers_tools").exists()
    assert not list(layer.glob("aws_lambda_powertools*"))  # not imported, not shipped
    assert not list(layer.glob("boto*"))  # the runtime's own
    assert list((built / "PreSignUpFunction").glob("__pycache__/pre_sign_up.cpython-313.pyc"))


def _literal_architecture(project: Path, *, layer: str | None) -> None:
    """The template written another way: no Architecture parameter, arm64 in Globals, and the
    layer's build architecture as given (``None``: SAM's default)."""
    text = (project / "template.yaml").read_text(encoding="utf-8")
    text = re.sub(
        r"  # The one place the architecture.*?AllowedValues: \[arm64, x86_64\]\n",
        "",
        text,
        flags=re.S,
    )
    text = text.replace("Architectures: [!Ref Architecture]", "Architectures: [arm64]")
    text = text.replace("      CompatibleArchitectures: [!Ref Architecture]\n", "")
    build = (
        "      BuildArchitecture: !Ref Architecture # SAM builds layers for x86_64 unless told\n"
    )
    text = text.replace(build, f"      BuildArchitecture: {layer}\n" if layer else "")
    assert "Ref Architecture" not in text
    (project / "template.yaml").write_text(text, encoding="utf-8")


@pytest.mark.e2e
def test_a_layer_built_for_another_architecture_fails_the_build(made: Made, tmp_path: Path) -> None:
    project = _copy(made, tmp_path)
    _literal_architecture(project, layer=None)
    done = _sam_build(project)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "CognitoTriggersLayer builds for x86_64 but" in output
    assert "runs on arm64" in output
    assert "BuildArchitecture: arm64" in output


@pytest.mark.e2e
def test_the_local_build_reads_a_template_without_an_architecture_parameter(
    made: Made, tmp_path: Path
) -> None:
    project = _copy(made, tmp_path)
    _literal_architecture(project, layer="arm64")
    done = subprocess.run(
        [str(project / ".venv" / "bin" / "cognito-triggers"), "build"],
        cwd=project,
        env=made.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    host = host_architecture()
    assert f"building for {host}, this machine's architecture" in done.stderr
    built = project / ".aws-sam" / "build"
    assert _so_architectures(built) == {host}
    # What was built says what it is, as SAM merges it (Globals' list and the function's add
    # up): even deployed, its functions import.
    from cognito_triggers_tools.cfn import load_template

    shipped = load_template(built / "template.yaml")
    for logical_id in shipped.of_type("AWS::Serverless::Function"):
        assert shipped.function_property(logical_id, "Architectures") == [host], logical_id


@pytest.mark.e2e
def test_up_serves_the_new_project_until_stopped(made: Made) -> None:
    """`up`: deployed, the pool and the environment printed, a trigger call shown as it happens,
    and SIGTERM (as Ctrl-C) stops the local AWS and every function."""
    command = [str(made.folder / ".venv" / "bin" / "cognito-triggers"), "up", "--stack-name", "t"]
    process = subprocess.Popen(
        command, cwd=made.folder, env=made.env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("ready in") or "error" in line:
                break
        printed = "\n".join(lines)
        assert lines and lines[-1].startswith("ready in"), printed
        env = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in lines
            if line.strip().startswith("export ")
        )
        assert set(env) >= {"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID"}
        web = re.search(r"app client web: (\w+)", printed)
        assert web, printed
        assert re.search(r"user pool UserPool: us-east-1_\w+", printed)
        assert "PreSignUpFunction: t-PreSignUpFunction" in printed
        import boto3

        idp = boto3.client(
            "cognito-idp",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        idp.sign_up(
            ClientId=web.group(1),
            Username="joe@example.com",
            Password="Correct-Horse-9-battery!",
            UserAttributes=[{"Name": "email", "Value": "joe@example.com"}],
        )
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("trigger"):
                break
        assert lines[-1].startswith("trigger  PreSignUp_SignUp -> PreSignUpFunction: handled")
        assert "(cold)" in lines[-1]
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert rest.strip().endswith("stopped: the local AWS and its functions")
    import socket

    with pytest.raises(ConnectionRefusedError):  # nothing listens where the local AWS was
        socket.create_connection(("127.0.0.1", int(env["AWS_ENDPOINT_URL"].rsplit(":", 1)[1])))


# -- without building -----------------------------------------------------------------------------


def test_an_unknown_trigger_is_refused_with_the_closest_names(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"did you mean pre-sign-up\?"):
        init_project(tmp_path / "p", ["pre-signup"])
    assert not (tmp_path / "p").exists()  # nothing half-written


def test_a_trigger_with_no_starter_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(
        ToolError,
        match=r"'pre-authentication': a Cognito trigger, but one init writes no starter for",
    ):
        init_project(tmp_path / "p", ["pre-authentication"])


def test_a_folder_that_holds_files_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ToolError, match="exists and is not empty"):
        init_project(tmp_path, None)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_triggers_named_are_the_triggers_written_and_wired(tmp_path: Path) -> None:
    from cognito_triggers_tools.cfn import load_template
    from cognito_triggers_tools.check import check_template

    folder = tmp_path / "just-sign-up"
    init_project(folder, ["pre-sign-up"])
    assert sorted(p.name for p in (folder / "triggers").glob("*.py")) == ["pre_sign_up.py"]
    assert sorted(p.stem for p in (folder / "events").glob("*.json")) == [
        "PreSignUp_AdminCreateUser",
        "PreSignUp_ExternalProvider",
        "PreSignUp_SignUp",
    ]
    problems, wires = check_template(load_template(folder / "template.yaml"))
    assert problems == []
    assert [w.function for w in wires] == ["PreSignUpFunction"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "sam local invoke PreSignUpFunction -e events/PreSignUp_SignUp.json" in readme
    assert "cognito-triggers invoke PreSignUpFunction" in readme
    assert "sam deploy --guided" in readme
    ignored = (folder / ".gitignore").read_text(encoding="utf-8").split()
    assert {".tools/", ".aws-sam/", ".venv/"} <= set(ignored)


def test_every_starter_is_offered_and_the_example_builds_as_a_new_project_does() -> None:
    assert set(DEFAULT_TRIGGERS) <= set(STARTERS)
    # The build rule is the same file in every project, this repository's example included.
    starter = Path(__file__).resolve().parents[1] / "cognito_triggers_tools" / "project"
    assert (WORKSPACE / "lambda-build.mk").read_text() == (starter / "lambda-build.mk").read_text()
    for folder in ("layers/cognito_triggers", "triggers"):
        assert (WORKSPACE / folder / "Makefile").read_text() == (
            starter / folder / "Makefile"
        ).read_text()
