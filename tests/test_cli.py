"""The `cognito-triggers` command line: event files, sample events, the template check, and a real
invocation under the Lambda Runtime Interface Emulator (after `sam build` for this machine)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cognito_triggers.dev.cli import main
from cognito_triggers.dev.emulator import EventFileError, read_event_file

ROOT = Path(__file__).resolve().parents[1]
NOT_JSON = ROOT.parent / "shared" / "conformance" / "events" / "not-json"
NOT_JSON_FILES = sorted(NOT_JSON.glob("*.json")) if NOT_JSON.is_dir() else []


@pytest.mark.skipif(not NOT_JSON_FILES, reason=f"{NOT_JSON} is not beside the repository")
@pytest.mark.parametrize("path", NOT_JSON_FILES, ids=lambda p: p.name)
def test_bad_event_files_name_the_file_and_position(path: Path) -> None:
    with pytest.raises(EventFileError) as raised:
        read_event_file(path)
    message = str(raised.value)
    assert message.startswith(f"{path}:")
    line, column = message[len(str(path)) + 1 :].split(":")[:2]
    assert line.isdigit()
    assert column.isdigit()


def test_invoke_refuses_a_bad_event_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "e.json"
    bad.write_text('{\n  "a": 1, // comment\n}\n')
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(bad)]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err


def test_events_new_prints_a_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "new", "TokenGeneration_ClientCredentials"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials"
    assert main(["events", "new", "NoSuch_Thing"]) == 2


def test_check_passes_on_the_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(ROOT), "check"]) == 0
    assert "agree" in capsys.readouterr().out


def test_check_lists_disagreements(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "template.yaml").read_text()
    text = text.replace("LambdaVersion: V3_0", "LambdaVersion: V1_0")
    text = text.replace("        UserMigration: !GetAtt UserMigrationFunction.Arn\n", "")
    text = text.replace(
        "FunctionName: !GetAtt PostConfirmationFunction.Arn\n"
        "      Principal: cognito-idp.amazonaws.com\n"
        "      SourceArn: !GetAtt UserPool.Arn\n"
        "      SourceAccount: !Ref AWS::AccountId\n",
        "FunctionName: !GetAtt PostConfirmationFunction.Arn\n"
        "      Principal: cognito-idp.amazonaws.com\n"
        "      SourceArn: !GetAtt UserPool.Arn\n",
    )
    text = text.replace("        PreSignUp: !GetAtt", "        PreSignUpp: !GetAtt")
    (tmp_path / "template.yaml").write_text(text)
    shutil.copytree(ROOT / "triggers", tmp_path / "triggers")
    assert main(["--project", str(tmp_path), "check"]) == 1
    out = capsys.readouterr().out
    assert "PreSignUpp is not a Cognito trigger" in out
    assert "TokenGeneration_ClientCredentials" in out
    assert "V3_0" in out
    assert "does not wire UserMigration to UserMigrationFunction" in out
    assert "PostConfirmationPermission: no SourceAccount" in out


@pytest.fixture(scope="module")
def build() -> Path:
    """The SAM build for this machine (`make test` builds first; building here otherwise)."""
    built = ROOT / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        command = [sys.executable, "-m", "cognito_triggers.dev.cli", "--project", str(ROOT)]
        subprocess.run([*command, "build"], check=True, cwd=ROOT)
    return built


def test_invoke_runs_the_built_function_under_the_emulator(
    build: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    event = ROOT / "events" / "PreSignUp_SignUp.json"
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(event)]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["response"]["autoConfirmUser"] is True
    assert "REPORT RequestId" in err


def test_invoke_reports_a_function_error(
    build: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    event = json.loads((ROOT / "events" / "PreSignUp_SignUp.json").read_text())
    event["request"]["userAttributes"]["email"] = "mallory@elsewhere.test"
    path = tmp_path / "e.json"
    path.write_text(json.dumps(event))
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(path)]) == 1
    out, err = capfd.readouterr()
    assert json.loads(out)["errorType"] == "Deny"
    assert "PreSignUpFunction failed: Deny: Sign-up is open to" in err


def test_invoke_without_a_build_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    event = str(ROOT / "events" / "PreSignUp_SignUp.json")
    assert main(["--project", str(tmp_path), "invoke", "PreSignUpFunction", "--event", event]) == 2
    assert "no build found" in capsys.readouterr().err
