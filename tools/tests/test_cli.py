"""The `cognito-triggers` command line: event files, sample events, the template check, and a real
invocation under the Lambda Runtime Interface Emulator (after `sam build` for this machine)."""

from __future__ import annotations

import copy
import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from cognito_triggers.sources import TriggerFamily, TriggerSource
from cognito_triggers_tools.cli import main
from cognito_triggers_tools.inputs import InputError, read_event_file
from cognito_triggers_tools.outcome import changes

ROOT = Path(__file__).resolve().parents[2]
NOT_JSON = ROOT.parent / "shared" / "conformance" / "events" / "not-json"
NOT_JSON_FILES = sorted(NOT_JSON.glob("*.json")) if NOT_JSON.is_dir() else []


@pytest.mark.skipif(not NOT_JSON_FILES, reason=f"{NOT_JSON} is not beside the repository")
@pytest.mark.parametrize("path", NOT_JSON_FILES, ids=lambda p: p.name)
def test_bad_event_files_name_the_file_and_position(path: Path) -> None:
    with pytest.raises(InputError) as raised:
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


# Files a user names that cannot be used, and the one line that says so (after the file's path).
FOLDER = object()
BAD_EVENT_FILES = {
    "missing.json": (None, ": cannot read the event file (No such file or directory)"),
    "folder.json": (FOLDER, ": cannot read the event file (Is a directory)"),
    "latin-1.json": (b'{"a": "caf\xe9"}', ":1:11: not UTF-8 text"),
    "bom.json": (b"\xef\xbb\xbf{}", ":1:1: the file starts with a UTF-8 byte-order mark; "),
    "nan.json": (b'{"a": NaN}', ": not valid JSON: NaN is not JSON"),
    "two.json": (b"{} {}", ":1:4: not valid JSON: Extra data"),
    "list.json": (b"[{}]", ":1:1: a Cognito event is a JSON object, not list"),
    "deep.json": (b"[" * 100_000, ": not valid JSON: nested too deeply to read"),
}
BAD_TEMPLATES = {
    "missing.yaml": (None, ": cannot read the template (No such file or directory)"),
    "folder.yaml": (FOLDER, ": cannot read the template (Is a directory)"),
    "latin-1.yaml": (b"Resources:\n  Pool: {Type: caf\xe9}\n", ":2:19: not UTF-8 text"),
    "unclosed.yaml": (b"Resources: [\n", ":2:1: not valid YAML: expected the node content"),
    "tab.yaml": (b"Resources:\n\tPool: {}\n", ":2:1: not valid YAML: found character '\\t'"),
    "list.yaml": (b"- Resources\n", ": not a CloudFormation template (no Resources)"),
    "resources-list.yaml": (b"Resources: [a]\n", ": not a CloudFormation template (no Resources)"),
    "deep.yaml": (b"Resources: " + b"[" * 100_000, ": not valid YAML: nested too deeply to read"),
    "tag.yaml": (b"Resources: !Include x.yaml\n", ":1:12: !Include is not a CloudFormation tag; "),
}


def _bad_file(folder: Path, name: str, content: bytes | object | None) -> Path:
    path = folder / name
    if content is FOLDER:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    return path


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("name", BAD_EVENT_FILES)
def test_invoke_refuses_an_unusable_event_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    content, problem = BAD_EVENT_FILES[name]
    path = _bad_file(tmp_path, name, content)
    command = ["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(path)]
    assert main(command) == 2
    assert _one_error_line(capsys).startswith(f"cognito-triggers: error: {path}{problem}")


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in BAD_EVENT_FILES
        if name != "missing.json"  # run reads the *.json that are there
    ],
)
def test_run_reports_an_unusable_event_file_on_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    content, problem = BAD_EVENT_FILES[name]
    path = _bad_file(tmp_path, name, content)
    assert main(["--project", str(ROOT), "run", "--events", str(tmp_path), "--no-local-aws"]) == 1
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith(name)]
    assert f"  error: {path}{problem}" in row


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("name", BAD_TEMPLATES)
def test_a_command_refuses_an_unusable_template_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, command: str
) -> None:
    """Read before anything runs (`build` never starts sam), and no "disagreement" for `check`."""
    content, problem = BAD_TEMPLATES[name]
    path = _bad_file(tmp_path, name, content)
    assert main(["--project", str(ROOT), command, "--template", str(path)]) == 2
    assert _one_error_line(capsys).startswith(f"cognito-triggers: error: {path}{problem}")


def test_check_reads_the_projects_template_as_strictly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, problem = BAD_TEMPLATES["latin-1.yaml"]
    path = _bad_file(tmp_path, "template.yaml", content)
    assert main(["--project", str(tmp_path), "check"]) == 2
    assert _one_error_line(capsys) == f"cognito-triggers: error: {path}{problem}\n"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--env", "DEBUG"], "--env 'DEBUG': expected NAME=VALUE"),
        (["--env", "=1"], "--env '=1': expected NAME=VALUE"),
        (["--parameter", "Stage"], "--parameter 'Stage': expected NAME=VALUE"),
    ],
    ids=["env-without-value", "env-without-name", "parameter-without-value"],
)
def test_invoke_refuses_a_setting_without_a_name_before_it_starts(
    capsys: pytest.CaptureFixture[str], arguments: list[str], problem: str
) -> None:
    event = str(ROOT / "events" / "PreSignUp_SignUp.json")
    command = ["--project", str(ROOT), "invoke", "NoSuchFunction", "--event", event, *arguments]
    assert main(command) == 2
    assert _one_error_line(capsys) == f"cognito-triggers: error: {problem}\n"


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_start_lambda_refuses_what_is_no_port(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--project", str(ROOT), "start-lambda", "--port", port])
    assert exited.value.code == 2
    assert f"argument --port: '{port}' is no TCP port (0-65535" in capsys.readouterr().err


def test_init_into_a_path_below_a_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    folder = tmp_path / "file" / "project"
    assert main(["init", str(folder)]) == 2
    assert _one_error_line(capsys).startswith(f"cognito-triggers: error: {folder}: cannot write ")


def test_events_new_prints_a_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "new", "TokenGeneration_ClientCredentials"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials"


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("PreSignUp_Signup", "; did you mean 'PreSignUp_SignUp'"),
        # A future source of a known trigger routes at run time, but no sample can be made up.
        ("PreSignUp_Something", "; did you mean 'PreSignUp_SignUp'"),
        ("NoSuch_Thing", " (`cognito-triggers events list`)"),
    ],
)
def test_events_new_refuses_a_source_cognito_never_sends(
    source: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "new", source]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{source!r} is not a known Cognito triggerSource{hint}" in err


def test_events_list_lists_every_source_by_trigger(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.strip() for line in lines if line.startswith("  ")] == [
        s.value for f in TriggerFamily for s in f.sources
    ]
    assert len(TriggerSource) == 41
    assert "PreTokenGeneration:" in lines


def test_changes_mask_secret_and_personal_values() -> None:
    sent = {
        "request": {"userAttributes": {"email": "jane@example.com"}, "challengeAnswer": "123456"},
        "response": {
            "publicChallengeParameters": None,
            "privateChallengeParameters": None,
            "challengeMetadata": None,
            "answerCorrect": None,
            "claimsOverrideDetails": None,
        },
    }
    returned = copy.deepcopy(sent)
    returned["response"] = {
        "publicChallengeParameters": {"hint": "sent to j***@example.com"},
        "privateChallengeParameters": {"code": "654321"},
        "challengeMetadata": "CODE-654321",
        "answerCorrect": True,
        "claimsOverrideDetails": {"claimsToAddOrOverride": {"tenant": "acme"}},
    }
    assert changes(sent, returned) == [
        'publicChallengeParameters.hint: (absent) -> "sent to j***@example.com"',
        "privateChallengeParameters.code: (absent) -> ***",
        "challengeMetadata: null -> ***",
        "answerCorrect: null -> true",
        'claimsOverrideDetails.claimsToAddOrOverride.tenant: (absent) -> "acme"',
    ]
    assert changes(sent, copy.deepcopy(sent)) == []


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
    assert "'PreSignUpp' is not a trigger; did you mean 'PreSignUp'" in out
    assert "TokenGeneration_ClientCredentials" in out
    assert "V3_0" in out
    assert "does not wire UserMigration to UserMigrationFunction" in out
    assert "PostConfirmationPermission: no SourceAccount" in out


def test_invoke_runs_the_built_function_under_the_emulator(
    build: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    event = ROOT / "events" / "PreSignUp_SignUp.json"
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(event)]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["response"]["autoConfirmUser"] is True
    assert "REPORT RequestId" in err


def test_invoke_says_when_no_handler_ran(build: Path, capfd: pytest.CaptureFixture[str]) -> None:
    event = ROOT / "events" / "TokenGeneration_ClientCredentials.json"
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(event)]) == 0
    err = capfd.readouterr().err
    assert "cognito-triggers: PreSignUpFunction: no handler: default" in err
    assert "cognito-triggers: PreSignUpFunction: response unchanged" in err


def test_invoke_names_the_handler_that_ran(build: Path, capfd: pytest.CaptureFixture[str]) -> None:
    event = ROOT / "events" / "PreSignUp_SignUp.json"
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(event)]) == 0
    err = capfd.readouterr().err
    assert "cognito-triggers: PreSignUpFunction: ran pre_sign_up.restrict_sign_up" in err


def test_invoke_prints_the_logged_cause_above_the_generic_error(
    build: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    event = json.loads((ROOT / "events" / "PreSignUp_SignUp.json").read_text())
    event["request"]["userAttributes"] = "not a map"
    path = tmp_path / "e.json"
    path.write_text(json.dumps(event))
    assert main(["--project", str(ROOT), "invoke", "PreSignUpFunction", "--event", str(path)]) == 1
    out, err = capfd.readouterr()
    assert json.loads(out)["errorType"] == "InternalError"
    lines = err.splitlines()
    cause = lines.index(
        "cognito-triggers: PreSignUpFunction: logged cause: InvalidEventError: invalid "
        "PreSignUp_SignUp event: request.userAttributes: Input should be a valid dictionary"
    )
    assert lines[cause + 1].startswith("cognito-triggers: PreSignUpFunction failed: InternalError:")


def test_invoke_with_the_local_aws(build: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """UserMigration reads the legacy table: with --local-aws it is there, seeded as `run` has it."""
    event = str(ROOT / "events" / "UserMigration_Authentication.json")
    command = ["--project", str(ROOT), "invoke", "UserMigrationFunction", "--event", event]
    assert main([*command, "--local-aws"]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["response"]["finalUserStatus"] == "CONFIRMED"
    assert 'cognito-triggers: UserMigrationFunction: finalUserStatus: null -> "CONFIRMED"' in err
    assert "cognito-triggers: UserMigrationFunction: userAttributes.email: (absent) -> ***" in err
    assert "jane.doe@example.com" not in err


def test_run_tells_what_happened_per_event_file(
    build: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    samples = ROOT / "events"
    for name in (
        "PreSignUp_SignUp",
        "UserMigration_Authentication",
        "CustomSMSSender_SignUp",
        "InboundFederation_ExternalProvider",
    ):
        shutil.copy(samples / f"{name}.json", tmp_path / f"{name}.json")
    denied = json.loads((samples / "PreSignUp_SignUp.json").read_text())
    denied["request"]["userAttributes"]["email"] = "mallory@elsewhere.test"
    (tmp_path / "mallory.json").write_text(json.dumps(denied))
    (tmp_path / "broken.json").write_text("{")
    # Every trigger is wired: a source of no trigger is what gets skipped.
    (tmp_path / "unknown.json").write_text(json.dumps({**denied, "triggerSource": "NoSuch_Thing"}))
    assert main(["--project", str(ROOT), "run", "--events", str(tmp_path)]) == 1
    out = capfd.readouterr().out
    rows = {
        line.split()[0]: line
        for line in out.splitlines()
        if line.endswith(".json") or ".json " in line
    }
    assert rows["PreSignUp_SignUp.json"].split()[1] == "PreSignUpFunction"
    assert rows["PreSignUp_SignUp.json"].endswith(" ok")
    assert "  denied: Sign-up is open to example.com, " in rows["mallory.json"]
    assert rows["CustomSMSSender_SignUp.json"].endswith(" ok")  # its code really decrypted
    assert "skipped: 'NoSuch_Thing' is no trigger's source" in rows["unknown.json"]
    assert rows["broken.json"].split()[1] == "-"
    assert f"error: {tmp_path / 'broken.json'}:1:2: not valid JSON" in rows["broken.json"]
    assert "    autoConfirmUser: false -> true\n" in out
    assert "autoVerifyEmail" not in out  # confirmed, but nobody proved they own the mailbox
    assert '    finalUserStatus: null -> "CONFIRMED"\n' in out
    assert "    userAttributes.email: (absent) -> ***\n" in out
    assert "    userAttributesToMap.email: (absent) -> ***\n" in out
    assert "jane.doe@example.com" not in out
    assert out.rstrip().endswith("5 invoked, 1 skipped (reached no function), 1 failed")


def test_run_fails_when_an_event_reached_no_function(
    build: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Every invocation green, but one event file ran nothing: that test did not happen."""
    shutil.copy(ROOT / "events" / "PreSignUp_SignUp.json", tmp_path / "PreSignUp_SignUp.json")
    event = json.loads((tmp_path / "PreSignUp_SignUp.json").read_text())
    (tmp_path / "unknown.json").write_text(json.dumps({**event, "triggerSource": "NoSuch_Thing"}))
    assert main(["--project", str(ROOT), "run", "--events", str(tmp_path)]) == 1
    captured = capfd.readouterr()
    assert captured.out.rstrip().endswith("1 invoked, 1 skipped (reached no function), 0 failed")
    assert "1 event file(s) of" in captured.err


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
    assert "PreSignUpFunction: denied: Sign-up is open to" in err


def test_invoke_without_a_build_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    event = str(ROOT / "events" / "PreSignUp_SignUp.json")
    assert main(["--project", str(tmp_path), "invoke", "PreSignUpFunction", "--event", event]) == 2
    assert "no build found" in capsys.readouterr().err


def test_the_local_run_really_decrypts_the_sender_codes(build: Path) -> None:
    # What `run` and `invoke --local-aws` do for the senders, looked at from the local AWS: the
    # seed encrypts a code as Cognito does, under a key of the local KMS; the built functions
    # decrypt it and deliver the plaintext through the local SES and SNS.
    from cognito_triggers_tools.emulator import EmulatedFunction, find_built_function
    from cognito_triggers_tools.run import seeded_local_aws

    with seeded_local_aws(ROOT) as aws:
        for fn, source in (
            ("CustomEmailSenderFunction", "CustomEmailSender_SignUp"),
            ("CustomSMSSenderFunction", "CustomSMSSender_AdminCreateUser"),
        ):
            event = read_event_file(ROOT / "events" / f"{source}.json")
            sent = aws.event(event)
            assert sent["request"]["code"] != event["request"]["code"]
            assert sent["request"]["userAttributes"] == event["request"]["userAttributes"]
            built = find_built_function(ROOT, fn)
            environment = aws.environment_of(fn)
            with EmulatedFunction(ROOT, built, extra_environment=environment) as function:
                result = function.invoke(sent)
            assert result.error is None, "\n".join(result.log)
        url = aws.environment["AWS_ENDPOINT_URL"]
        with urllib.request.urlopen(f"{url}/moto-api/data.json") as reply:  # noqa: S310
            delivered = json.load(reply)
    (email,) = delivered["ses"]["Message"]
    assert "Your confirmation code is 482913." in email["body"]
    (sms,) = delivered["sns"]["SMS"]
    assert sms["phone_number"] == "+14255550123"
    assert "with temporary password Tmp<Pa55word&" in sms["message"]


def test_the_functions_log_as_lambda_writes_json_logs(build: Path) -> None:
    """The template's LoggingConfig reaches the emulated runtime, as Lambda and `sam local` pass
    it: the handler's `logging` record comes out as JSON with the request id, at INFO, beside the
    invocation's metrics (one EMF line) and the cold start's."""
    from cognito_triggers_tools.emulator import EmulatedFunction, find_built_function

    built = find_built_function(ROOT, "PostAuthenticationFunction")
    assert built.environment["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert built.environment["AWS_LAMBDA_LOG_LEVEL"] == "INFO"
    event = read_event_file(ROOT / "events" / "PostAuthentication_Authentication.json")
    event["request"]["newDeviceUsed"] = True
    with EmulatedFunction(ROOT, built) as function:
        result = function.invoke(event)
    assert result.error is None, "\n".join(result.log)
    records = []
    for line in result.log:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    (info,) = [r for r in records if r.get("message") == "sign-in from a new device"]
    assert (info["level"], info["logger"]) == ("INFO", "post_authentication")
    assert info["requestId"]
    cold, emf = [r for r in records if "_aws" in r]
    assert cold["ColdStart"] == 1.0 and cold["function_name"] == "PostAuthenticationFunction"
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CognitoTriggers"
    assert [m["Name"] for m in directive["Metrics"]] == ["SignIn", "NewDeviceSignIn", "Handled"]
    assert (emf["service"], emf["TriggerSource"]) == ("cognito-triggers", event["triggerSource"])


def test_a_functions_own_logging_config_is_merged_with_the_globals(tmp_path: Path) -> None:
    """SAM merges maps key by key: a function naming only its LogGroup keeps LogFormat: JSON."""
    from cognito_triggers_tools.cfn import load_template
    from cognito_triggers_tools.emulator import _logging_environment

    text = (ROOT / "template.yaml").read_text()
    own = "      LoggingConfig:\n        LogGroup: /custom/pre-sign-up\n"
    anchor = "      Handler: pre_sign_up.lambda_handler\n"
    assert anchor in text
    (tmp_path / "template.yaml").write_text(text.replace(anchor, anchor + own))
    template = load_template(tmp_path / "template.yaml")
    assert _logging_environment(template, "PreSignUpFunction") == {
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
    }
