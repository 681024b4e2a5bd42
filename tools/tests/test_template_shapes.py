"""The ways a template wires a trigger, read as CloudFormation and SAM read them.

Each shape is a small SAM template whose pool wires PreSignUp to the function `Fn` (or tries
to). The table says what `check` must say of it, and what cfn-lint says (no error, or which
rule); templates cfn-lint passes are also translated by aws-sam-translator. So "the tools read
this shape" is measured against SAM and CloudFormation, not against our own reading.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.check import check_project, wiring
from cognito_triggers_tools.cli import main

from .sam import deployable, lint_errors

HANDLER = """
from cognito_triggers import PreSignUpEvent, TriggerRouter

app = TriggerRouter()


@app.pre_sign_up
def sign_up(event: PreSignUpEvent) -> None:
    event.response.auto_confirm_user = True


lambda_handler = app.lambda_handler
"""

PERMISSION_BY_ARN = "!GetAtt Fn.Arn"
STACK_NAMED = "!Sub ${AWS::StackName}-pre-sign-up"
ARN_BY_SUB = (
    "!Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
    "${AWS::StackName}-pre-sign-up"
)


@dataclass(frozen=True)
class Shape:
    id: str
    arn: str
    """The value of LambdaConfig.PreSignUp, as YAML."""
    function: str = ""
    """More properties of Fn, as YAML."""
    resources: str = ""
    parameters: str = ""
    globals_: str = ""
    permission_target: str = PERMISSION_BY_ARN
    check: str = "agree"
    """``agree``, or a text the problems must contain."""
    lint: str | None = None
    """The cfn-lint rule that refuses it, ``None`` if cfn-lint passes it."""
    deploys: bool = True
    """Whether CloudFormation takes SAM's translation (checked where cfn-lint passes it)."""


SHAPES = [
    Shape("getatt-short", "!GetAtt Fn.Arn"),
    Shape("getatt-long", "{Fn::GetAtt: [Fn, Arn]}"),
    Shape("getatt-in-sub", "!Sub ${Fn.Arn}"),
    Shape(
        "sub-arn-through-stack-named-function",
        ARN_BY_SUB,
        function=f"FunctionName: {STACK_NAMED}",
        permission_target="!Ref Fn",
    ),
    Shape(
        "sub-arn-through-literal-function-name",
        "!Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:pre-sign-up",
        function="FunctionName: pre-sign-up",
        permission_target="pre-sign-up",
    ),
    Shape(
        "join-arn-through-a-parameter",
        '!Join ["", ["arn:aws:lambda:", !Ref "AWS::Region", ":", !Ref "AWS::AccountId", '
        '":function:", !Ref FunctionName]]',
        function="FunctionName: !Ref FunctionName",
        parameters="FunctionName:\n  Type: String\n  Default: pre-sign-up\n",
        permission_target="!Ref FunctionName",
    ),
    Shape(
        "ref-of-an-alias",
        "!Ref FnAlias",
        resources="""\
FnVersion:
  Type: AWS::Lambda::Version
  Properties:
    FunctionName: !Ref Fn
FnAlias:
  Type: AWS::Lambda::Alias
  Properties:
    FunctionName: !Ref Fn
    FunctionVersion: !GetAtt FnVersion.Version
    Name: live
""",
        permission_target="!Ref FnAlias",
    ),
    Shape(
        "ref-of-a-version",
        "!Ref FnVersion",
        resources="FnVersion:\n  Type: AWS::Lambda::Version\n  Properties:\n"
        "    FunctionName: !GetAtt Fn.Arn\n",
        permission_target="!Ref FnVersion",
    ),
    Shape(
        "sam-auto-published-alias",
        "!Ref Fn.Alias",
        function="AutoPublishAlias: live",
        permission_target="!Ref Fn.Alias",
    ),
    Shape(
        "handler-and-code-from-globals",
        "!GetAtt Fn.Arn",
        globals_="Function:\n  Runtime: python3.13\n  Handler: app.lambda_handler\n"
        "  CodeUri: fn/\n",
    ),
    Shape(
        "import-value",
        "!ImportValue shared-pre-sign-up-arn",
        check="cannot resolve !ImportValue shared-pre-sign-up-arn: an export of another stack",
    ),
    Shape(
        "parameter-without-default",
        "!Ref PreSignUpArn",
        parameters="PreSignUpArn:\n  Type: String\n",
        check="cannot resolve !Ref PreSignUpArn: parameter PreSignUpArn has no Default: pass "
        "--parameter PreSignUpArn=VALUE",
    ),
    Shape(
        "an-outside-function",
        "arn:aws:lambda:us-east-1:123456789012:function:elsewhere",
        check="its router handles PreSignUp, but the template does not wire PreSignUp to Fn",
    ),
    Shape(
        "sub-arn-of-another-account",
        ARN_BY_SUB.replace("${AWS::AccountId}", "111122223333"),
        function=f"FunctionName: {STACK_NAMED}",
        permission_target="!Ref Fn",
        # Cognito calls the function of the ARN's account, whatever its name (cross-account
        # triggers are allowed): only where the stack is deployed to that account is it Fn.
        check="its account 111122223333 is a literal, not ${AWS::AccountId}: it is Fn only if",
    ),
    Shape(
        "sub-arn-of-another-region",
        ARN_BY_SUB.replace("${AWS::Region}", "us-west-2"),
        function=f"FunctionName: {STACK_NAMED}",
        permission_target="!Ref Fn",
        check="its region us-west-2 is a literal, not ${AWS::Region}: it is Fn only if",
    ),
    Shape(
        "ref-of-the-function-is-its-name",
        "!Ref Fn",
        check="!Ref Fn gives the function's name; Cognito needs its ARN (!GetAtt Fn.Arn)",
    ),
    Shape(
        "misspelt-function",
        "!GetAtt Fnn.Arn",
        check="!GetAtt Fnn.Arn: 'Fnn' is not a function of the template; did you mean 'Fn'?",
        # cfn-lint 1.58 says E1010 of it, but not beside an AWS::Serverless::Function;
        # CloudFormation refuses it ("Unresolved resource dependencies [Fnn]").
        deploys=False,
    ),
    Shape(
        "alias-without-auto-publish",
        "!Ref Fn.Alias",
        check="!Ref Fn.Alias: Fn has no AutoPublishAlias, so SAM makes no alias of it",
        deploys=False,  # SAM leaves the Ref as it is: CloudFormation knows no Fn.Alias
    ),
]


def _template(tmp_path: Path, shape: Shape) -> Path:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(textwrap.dedent(HANDLER))
    own = "MemorySize: 256\n"  # Properties must be a map when Globals give the rest
    if not shape.globals_:
        own += "Runtime: python3.13\nHandler: app.lambda_handler\nCodeUri: fn/\n"

    def block(name: str, body: str) -> str:
        return f"{name}:\n{textwrap.indent(body, '  ')}" if body else ""

    text = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
{block("Parameters", shape.parameters)}
{block("Globals", shape.globals_)}
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      LambdaConfig:
        PreSignUp: {shape.arn}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
{textwrap.indent(own + shape.function, "      ")}
  FnPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: {shape.permission_target}
      Principal: cognito-idp.amazonaws.com
      SourceArn: !GetAtt UserPool.Arn
      SourceAccount: !Ref AWS::AccountId
{textwrap.indent(shape.resources, "  ")}"""
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("shape", SHAPES, ids=[s.id for s in SHAPES])
def test_check_reads_the_shape_as_cloudformation_does(tmp_path: Path, shape: Shape) -> None:
    template = _template(tmp_path, shape)
    if shape.lint is not None:
        assert any(e.startswith(shape.lint) for e in lint_errors(template)), lint_errors(template)
    elif shape.deploys:
        cfn = deployable(template)
        assert "PreSignUp" in cfn["Resources"]["UserPool"]["Properties"]["LambdaConfig"]
    else:  # what cfn-lint lets through and `check` must catch
        assert lint_errors(template) == []
    problems, summary = check_project(template)
    if shape.check == "agree":
        assert problems == []
        assert "1 trigger(s) wired to 1 function(s); template and handlers agree" in summary
    else:
        assert any(shape.check in p for p in problems), problems


def test_a_parameter_given_resolves_what_its_default_could_not(tmp_path: Path) -> None:
    shape = next(s for s in SHAPES if s.id == "parameter-without-default")
    template = load_template(_template(tmp_path, shape))
    template.parameter_overrides = {
        "PreSignUpArn": "arn:aws:lambda:us-east-1:123456789012:function:Fn"
    }
    (wire,) = wiring(template, [])
    assert (wire.function, wire.unresolved) == ("Fn", None)


def test_an_unresolved_trigger_is_noted_beside_what_was_checked(tmp_path: Path) -> None:
    shape = Shape("import-beside", "!GetAtt Fn.Arn")
    template = _template(tmp_path, shape)
    text = template.read_text().replace(
        "        PreSignUp: !GetAtt Fn.Arn\n",
        "        PreSignUp: !GetAtt Fn.Arn\n        PostConfirmation: !ImportValue shared-arn\n",
    )
    template.write_text(text)
    problems, summary = check_project(template)
    assert problems == []
    assert "not checked: UserPool.LambdaConfig.PostConfirmation: cannot resolve !ImportValue" in (
        summary
    )


def test_only_unresolved_triggers_are_nothing_checked(tmp_path: Path) -> None:
    template = _template(tmp_path, Shape("import-only", "!ImportValue shared-arn"))
    (tmp_path / "fn" / "app.py").write_text(
        "from cognito_triggers import TriggerRouter\n\napp = TriggerRouter()\n"
        "lambda_handler = app.lambda_handler\n"
    )
    problems, _ = check_project(template)
    assert problems == [
        "no user pool of the template wires a trigger to a function of the template: nothing "
        "to check; UserPool.LambdaConfig.PreSignUp: cannot resolve !ImportValue shared-arn: an "
        "export of another stack, known once deployed"
    ]


def test_globals_merge_as_sam_merges_them(tmp_path: Path) -> None:
    """Scalars: the function's own wins; maps merge; lists add up, Globals' first."""
    shape = Shape(
        "merged",
        "!GetAtt Fn.Arn",
        globals_="Function:\n  Runtime: python3.13\n  Handler: app.lambda_handler\n"
        "  CodeUri: fn/\n  Timeout: 3\n  Layers: [arn:aws:lambda:us-east-1:123456789012:layer:a:1]\n"
        "  Environment:\n    Variables: {SHARED: g, BOTH: g}\n",
        function="Timeout: 5\nLayers: [arn:aws:lambda:us-east-1:123456789012:layer:b:1]\n"
        "Environment:\n  Variables: {BOTH: f, OWN: f}\n",
    )
    path = _template(tmp_path, shape)
    cfn = deployable(path)["Resources"]["Fn"]["Properties"]
    template = load_template(path)
    assert template.function_property("Fn", "Timeout") == cfn["Timeout"] == 5
    assert template.function_property("Fn", "Layers") == cfn["Layers"]
    assert template.function_environment("Fn") == cfn["Environment"]["Variables"]
    assert template.function_environment("Fn") == {"SHARED": "g", "BOTH": "f", "OWN": "f"}


def test_the_stack_name_is_the_project_folders_as_up_deploys_it(tmp_path: Path) -> None:
    """A literal FunctionName written for the stack the tools deploy (the project folder's
    name) matches the ARN built from ${AWS::StackName}; another stack name does not."""
    project = tmp_path / "my-auth"
    project.mkdir()
    shape = Shape(
        "literal-name",
        ARN_BY_SUB,
        function="FunctionName: my-auth-pre-sign-up",
        permission_target="!Ref Fn",
    )
    template = _template(project, shape)
    problems, summary = check_project(template)
    assert problems == []
    assert "evaluated as stack my-auth (--stack-name to change)" in summary
    problems, _ = check_project(template, stack_name="prod-auth")
    assert any("does not wire PreSignUp to Fn" in p for p in problems), problems


def test_check_prints_the_stack_name_beside_the_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Which stack ``${AWS::StackName}`` was may be why a function is not wired: it is said."""
    shape = Shape(
        "literal-name",
        ARN_BY_SUB,
        function="FunctionName: my-auth-pre-sign-up",
        permission_target="!Ref Fn",
    )
    _template(tmp_path, shape)
    assert main(["--project", str(tmp_path), "check", "--stack-name", "prod-auth"]) == 1
    out = capsys.readouterr().out
    assert "does not wire PreSignUp to Fn" in out
    assert "evaluated as stack prod-auth (--stack-name to change)" in out
