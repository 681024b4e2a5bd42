"""`cognito-triggers check` on small SAM projects: valid wirings pass (the legacy
`PreTokenGeneration` key, SAM's `Events: Type: Cognito`, both together with a
`PreTokenGenerationConfig`), and what never runs or cannot be deployed is reported.

Each template called valid here is also translated by aws-sam-translator and linted by cfn-lint,
so "no false positive" is measured against SAM and CloudFormation's schema, not against ourselves.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.check import check_project
from cognito_triggers_tools.cli import main

from .sam import deployable as _deployable

V1_HANDLER = """
from cognito_triggers import PreTokenGenerationV1Event, TriggerRouter

app = TriggerRouter()


@app.pre_token_generation
def claims(event: PreTokenGenerationV1Event) -> None:
    event.add_claim("tenant", "acme", token="id")


lambda_handler = app.lambda_handler
"""

MACHINE_HANDLER = """
from cognito_triggers import ClientCredentialsEvent, PreTokenGenerationV2Event, TriggerRouter

app = TriggerRouter()


@app.pre_token_generation
def users(event: PreTokenGenerationV2Event) -> None:
    pass


@app.client_credentials
def machines(event: ClientCredentialsEvent) -> None:
    pass


lambda_handler = app.lambda_handler
"""

SIGN_UP_HANDLER = """
from cognito_triggers import CustomMessageEvent, PreSignUpEvent, TriggerRouter

app = TriggerRouter()


@app.pre_sign_up
def sign_up(event: PreSignUpEvent) -> None:
    event.response.auto_confirm_user = True


@app.custom_message
def message(event: CustomMessageEvent) -> None:
    pass


lambda_handler = app.lambda_handler
"""

# A router built before registration refused unknown sources (or by hand): its routes are data.
MISSPELT_HANDLER = """
from cognito_triggers import ClientCredentialsEvent, TriggerRouter
from cognito_triggers.router import Route
from cognito_triggers.sources import TriggerFamily

app = TriggerRouter()


def machines(event: ClientCredentialsEvent) -> None:
    pass


app._add(Route(TriggerFamily.PreTokenGeneration, "TokenGeneration_ClientCredential", machines))
lambda_handler = app.lambda_handler
"""

PERMISSION = """
  {fn}Permission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt {fn}.Arn
      Principal: cognito-idp.amazonaws.com
      SourceArn: !GetAtt UserPool.Arn
      SourceAccount: !Ref AWS::AccountId
"""


def _project(
    tmp_path: Path,
    handler: str,
    *,
    lambda_config: str = "",
    events: str = "",
    permission: bool = True,
) -> Path:
    """A SAM project: one user pool, one function `Fn` (code in fn/app.py)."""
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(textwrap.dedent(handler))
    config = (
        f"      LambdaConfig:\n{textwrap.indent(lambda_config, '        ')}"
        if lambda_config
        else ""
    )
    template = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolTier: ESSENTIALS
{config}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.lambda_handler
      CodeUri: fn/
{textwrap.indent(events, "      ")}
{PERMISSION.format(fn="Fn") if permission else ""}"""
    (tmp_path / "template.yaml").write_text(template)
    return tmp_path / "template.yaml"


def _lambda_config(cfn: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = cfn["Resources"]["UserPool"]["Properties"]["LambdaConfig"]
    return config


def test_the_legacy_pre_token_generation_key_is_a_v1_wiring(tmp_path: Path) -> None:
    template = _project(tmp_path, V1_HANDLER, lambda_config="PreTokenGeneration: !GetAtt Fn.Arn\n")
    assert "PreTokenGeneration" in _lambda_config(_deployable(template))
    problems, summary = check_project(template)
    assert problems == []
    assert "1 trigger(s) wired to 1 function(s)" in summary


def test_the_legacy_key_beside_its_config_counts_once_with_the_configs_version(
    tmp_path: Path,
) -> None:
    config = """\
PreTokenGeneration: !GetAtt Fn.Arn
PreTokenGenerationConfig:
  LambdaArn: !GetAtt Fn.Arn
  LambdaVersion: V3_0
"""
    template = _project(tmp_path, MACHINE_HANDLER, lambda_config=config)
    _deployable(template)
    problems, summary = check_project(template)
    assert problems == []
    assert "1 trigger(s)" in summary


def test_the_legacy_key_and_its_config_must_name_one_function(tmp_path: Path) -> None:
    config = """\
PreTokenGeneration: arn:aws:lambda:us-east-1:123456789012:function:other
PreTokenGenerationConfig:
  LambdaArn: !GetAtt Fn.Arn
  LambdaVersion: V3_0
"""
    problems, _ = check_project(_project(tmp_path, MACHINE_HANDLER, lambda_config=config))
    assert problems == [
        "UserPool: PreTokenGeneration and PreTokenGenerationConfig.LambdaArn differ"
    ]


def test_sam_cognito_events_are_wiring_with_their_generated_permission(tmp_path: Path) -> None:
    events = """\
Events:
  SignUp:
    Type: Cognito
    Properties:
      UserPool: !Ref UserPool
      Trigger: [PreSignUp, CustomMessage]
"""
    template = _project(tmp_path, SIGN_UP_HANDLER, events=events, permission=False)
    cfn = _deployable(template)
    assert set(_lambda_config(cfn)) == {"PreSignUp", "CustomMessage"}
    assert "FnCognitoPermission" in cfn["Resources"]
    problems, summary = check_project(template)
    assert problems == []
    assert "2 trigger(s) wired to 1 function(s)" in summary


def test_a_sam_event_keeps_the_permission_of_a_v3_config(tmp_path: Path) -> None:
    """SAM cannot write PreTokenGenerationConfig; the documented pattern is the config by hand
    and `Trigger: PreTokenGeneration` for the permission (SAM writes the same ARN beside it)."""
    events = """\
Events:
  Tokens:
    Type: Cognito
    Properties:
      UserPool: !Ref UserPool
      Trigger: PreTokenGeneration
"""
    config = "PreTokenGenerationConfig:\n  LambdaArn: !GetAtt Fn.Arn\n  LambdaVersion: V3_0\n"
    template = _project(
        tmp_path, MACHINE_HANDLER, lambda_config=config, events=events, permission=False
    )
    cfn = _deployable(template)
    assert _lambda_config(cfn)["PreTokenGenerationConfig"]["LambdaVersion"] == "V3_0"
    assert check_project(template) == (
        [],
        f"{template}: 1 trigger(s) wired to 1 function(s); template and handlers agree",
    )


def test_sam_cognito_events_that_cannot_deploy_are_reported(tmp_path: Path) -> None:
    events = """\
Events:
  Tokens:
    Type: Cognito
    Properties:
      UserPool: !Ref UserPool
      Trigger: [PreTokenGenerationConfig, PreSignUpp, CustomMessage]
"""
    problems, _ = check_project(
        _project(
            tmp_path,
            SIGN_UP_HANDLER,
            lambda_config="CustomMessage: !GetAtt Fn.Arn\n",
            events=events,
            permission=False,
        )
    )
    text = "\n".join(problems)
    assert "Trigger PreTokenGenerationConfig: SAM writes it as an ARN string" in text
    assert "Trigger PreSignUpp: 'PreSignUpp' is not a trigger; did you mean 'PreSignUp'" in text
    assert "UserPool.LambdaConfig.CustomMessage is also set by hand" in text


def test_a_handler_for_a_source_cognito_never_sends_is_reported(tmp_path: Path) -> None:
    config = "PreTokenGenerationConfig:\n  LambdaArn: !GetAtt Fn.Arn\n  LambdaVersion: V3_0\n"
    problems, _ = check_project(_project(tmp_path, MISSPELT_HANDLER, lambda_config=config))
    assert problems == [
        "Fn: machines never runs: 'TokenGeneration_ClientCredential' is not a known Cognito "
        "triggerSource; did you mean 'TokenGeneration_ClientCredentials' or "
        "'TokenGeneration_Authentication' or 'TokenGeneration_HostedAuth'?"
    ]


@pytest.mark.parametrize(
    "config",
    [
        "PreTokenGenerationConfig:\n  LambdaArn: !GetAtt Fn.Arn\n  LambdaVersion: V2_0\n",
        "PreTokenGeneration: !GetAtt Fn.Arn\n",
    ],
    ids=["V2_0", "legacy V1"],
)
def test_a_client_credentials_handler_needs_v3(
    tmp_path: Path, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, MACHINE_HANDLER, lambda_config=config)
    assert main(["--project", str(tmp_path), "check"]) == 1
    out = capsys.readouterr().out
    assert "Fn: machines handles TokenGeneration_ClientCredentials" in out
    assert "LambdaVersion V3_0" in out


def test_a_client_credentials_handler_with_v3_passes(tmp_path: Path) -> None:
    config = "PreTokenGenerationConfig:\n  LambdaArn: !GetAtt Fn.Arn\n  LambdaVersion: V3_0\n"
    template = _project(tmp_path, MACHINE_HANDLER, lambda_config=config)
    _deployable(template)
    assert check_project(template)[0] == []


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("!Include shared.yaml", "; CloudFormation knows !And, !Base64, "),
        ("!GetAt Fn.Arn", "; did you mean !GetAtt or !GetAZs?"),
        ("!ref Fn", "; did you mean !Ref or !RefAll?"),
    ],
    ids=["Include", "GetAt", "ref"],
)
def test_a_tag_cloudformation_does_not_know_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, hint: str
) -> None:
    """CloudFormation refuses the template; read as a function, `check` said it agreed."""
    config = "PreTokenGeneration: !GetAtt Fn.Arn\n"
    template = _project(tmp_path, V1_HANDLER, lambda_config=config)
    text = template.read_text() + f"Outputs:\n  Shared:\n    Value: {value}\n"
    template.write_text(text + "  Later:\n    Value: !Nope x\n")  # the first one is named
    line = text.count("\n")
    assert main(["--project", str(tmp_path), "check"]) == 2
    out, err = capsys.readouterr()
    tag = value.split()[0]
    assert out == ""
    assert err.startswith(
        f"cognito-triggers: error: {template}:{line}:12: {tag} is not a CloudFormation tag{hint}"
    )
    assert err.count("\n") == 1


def test_cloudformations_short_tags_are_read_as_its_functions(tmp_path: Path) -> None:
    tags = [  # written out, not read from cfn.SHORT_TAGS: dropping one there must fail here
        *("Ref", "GetAtt", "Sub", "Join", "If", "Equals", "Not", "And", "Or", "Select"),
        *("Split", "FindInMap", "ImportValue", "GetAZs", "Base64", "Cidr", "Condition"),
        *("Transform", "ToJsonString", "Length", "GetStackOutput", "Contains", "RefAll"),
        *("EachMemberEquals", "EachMemberIn", "ValueOf", "ValueOfAll"),
    ]
    outputs = "".join(f"  {tag}:\n    Value: !{tag} [x]\n" for tag in tags)
    path = tmp_path / "template.yaml"
    path.write_text(f"Resources: {{}}\nOutputs:\n{outputs}")
    read = load_template(path).data["Outputs"]
    assert read["Ref"] == {"Value": {"Ref": ["x"]}}
    assert read["Condition"] == {"Value": {"Condition": ["x"]}}
    for tag in set(tags) - {"Ref", "Condition"}:
        assert read[tag] == {"Value": {f"Fn::{tag}": ["x"]}}


def test_a_misspelt_lambda_config_key_gets_the_closest_ones(tmp_path: Path) -> None:
    problems, _ = check_project(
        _project(tmp_path, SIGN_UP_HANDLER, lambda_config="CustomMesage: !GetAtt Fn.Arn\n")
    )
    assert (
        "UserPool.LambdaConfig: 'CustomMesage' is not a trigger; did you mean 'CustomMessage' or "
        "'CustomSMSSender'?" in problems
    )


def test_a_template_that_cannot_deploy_never_reads_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pool -> function -> pool cycle: the function's environment names the pool that names
    the function. Our own checks see nothing wrong; cfn-lint's E3004 does."""
    template = _project(tmp_path, SIGN_UP_HANDLER, lambda_config="PreSignUp: !GetAtt Fn.Arn\n")
    text = template.read_text().replace(
        "      CodeUri: fn/\n",
        "      CodeUri: fn/\n      Environment:\n        Variables:\n          POOL: !Ref UserPool\n",
    )
    template.write_text(text)
    assert main(["--project", str(tmp_path), "check"]) == 1
    out = capsys.readouterr().out
    assert "template.yaml (after SAM's translation): E3004 Circular Dependencies" in out


def test_a_template_that_wires_nothing_is_no_agreement(tmp_path: Path) -> None:
    problems, _ = check_project(_project(tmp_path, SIGN_UP_HANDLER.replace("@app.", "# @app.")))
    assert problems[-1].endswith("nothing to check")


def _functions(
    tmp_path: Path, functions: dict[str, tuple[str, str]], files: dict[str, str]
) -> Path:
    """A SAM project: one user pool wiring each function (name: (CodeUri, LambdaConfig key)),
    every Handler `app.lambda_handler`; `files` are written under the project folder."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    config = "".join(f"        {key}: !GetAtt {fn}.Arn\n" for fn, (_, key) in functions.items())
    resources = "".join(
        f"  {fn}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      Runtime: python3.13\n      Handler: app.lambda_handler\n      CodeUri: {uri}\n"
        + PERMISSION.format(fn=fn)
        for fn, (uri, _) in functions.items()
    )
    (tmp_path / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
        "Resources:\n  UserPool:\n    Type: AWS::Cognito::UserPool\n    Properties:\n"
        f"      UserPoolTier: ESSENTIALS\n      LambdaConfig:\n{config}{resources}"
    )
    return tmp_path / "template.yaml"


SIGN_UP_ROUTER = """
from cognito_triggers import PreSignUpEvent, TriggerRouter

app = TriggerRouter()


@app.pre_sign_up
def sign_up(event: PreSignUpEvent) -> None:
    pass
"""

MESSAGE_ROUTER = """
from cognito_triggers import CustomMessageEvent, TriggerRouter

app = TriggerRouter()


@app.custom_message
def message(event: CustomMessageEvent) -> None:
    pass
"""


# Either order: the function checked first must not lend its modules to the one checked after.
@pytest.mark.parametrize("names", [("Mail", "Sender"), ("Sender", "Mail")])
def test_a_module_only_another_functions_folder_has_cannot_be_imported(
    tmp_path: Path, names: tuple[str, str]
) -> None:
    mail, sender = names
    template = _functions(
        tmp_path,
        {mail: ("triggers/", "CustomMessage"), sender: ("triggers/senders/", "PreSignUp")},
        {
            "triggers/mailer.py": "FROM = 'no-reply@example.com'\n",
            "triggers/app.py": "import mailer\n" + MESSAGE_ROUTER + "lambda_handler = app\n",
            "triggers/senders/app.py": "import mailer\n"
            + SIGN_UP_ROUTER
            + "lambda_handler = app\n",
        },
    )
    problems, _ = check_project(template)
    assert problems == [
        f"{sender}: cannot import its handler: ModuleNotFoundError: No module named 'mailer'"
    ]
    assert "mailer" not in sys.modules  # nor left for the caller


def test_a_module_the_caller_imported_from_a_code_folder_is_hidden_then_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _functions(
        tmp_path,
        {"Mail": ("triggers/", "CustomMessage"), "Sender": ("triggers/senders/", "PreSignUp")},
        {
            "triggers/mailer.py": "FROM = 'no-reply@example.com'\n",
            "triggers/app.py": MESSAGE_ROUTER + "lambda_handler = app\n",
            "triggers/senders/app.py": "import mailer\n"
            + SIGN_UP_ROUTER
            + "lambda_handler = app\n",
        },
    )
    with monkeypatch.context() as patch:  # as the project's own test suite may have done
        patch.syspath_prepend(str(tmp_path / "triggers"))
        mailer = importlib.import_module("mailer")
    try:
        problems, _ = check_project(template)
        assert problems == [
            "Sender: cannot import its handler: ModuleNotFoundError: No module named 'mailer'"
        ]
        assert sys.modules["mailer"] is mailer
    finally:
        sys.modules.pop("mailer", None)


@pytest.mark.parametrize("where", ["app", "a helper module both folders name rules"])
def test_two_functions_with_modules_of_one_name_each_read_their_own(
    tmp_path: Path, where: str
) -> None:
    def code(router: str) -> dict[str, str]:
        if where == "app":
            return {"app.py": router + "lambda_handler = app\n"}
        return {"rules.py": router, "app.py": "from rules import app\n\nlambda_handler = app\n"}

    files = {f"a/{n}": text for n, text in code(SIGN_UP_ROUTER).items()}
    files |= {f"b/{n}": text for n, text in code(MESSAGE_ROUTER).items()}
    template = _functions(tmp_path, {"A": ("a/", "PreSignUp"), "B": ("b/", "CustomMessage")}, files)
    problems, summary = check_project(template)
    assert problems == []
    assert "2 trigger(s) wired to 2 function(s); template and handlers agree" in summary
