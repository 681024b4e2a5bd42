"""``cognito-triggers init DIR``: a new project in SAM's layout, with the triggers the user names.

What it writes is a project of the same shape as this repository's example: ``template.yaml``
(a user pool, a web client, one function per trigger, the framework as a layer), ``triggers/``
(one module per trigger, typed, with a handler worth keeping), ``tests/`` (unit tests of each on
``make_event``, and integration tests on the pool deployed to a local AWS), ``events/`` (one
sample event per source), the build ``sam build`` runs (``lambda-build.mk`` and a Makefile per
code folder), ``pyproject.toml``, a ``Makefile`` whose ``make test`` and ``make run`` work on a
fresh machine, ``.gitignore`` and a README.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cognito_triggers.sources import TriggerFamily
from cognito_triggers.testing import sample_event_json

from . import __version__
from .toolchain import ToolError

__all__ = ["DEFAULT_TRIGGERS", "STARTERS", "init_project"]


@dataclass(frozen=True)
class Starter:
    """One trigger ``init`` can write: its module, its wiring and what it reads."""

    family: TriggerFamily
    module: str
    event: str  # the sample the README invokes
    description: str
    environment: tuple[tuple[str, str], ...] = ()
    # Wired by an object key with a version (pre token generation), else by a plain ARN.
    version: str | None = None

    @property
    def function(self) -> str:
        return f"{self.family.value}Function"


STARTERS: dict[str, Starter] = {
    "pre-sign-up": Starter(
        TriggerFamily.PreSignUp,
        "pre_sign_up",
        "PreSignUp_SignUp",
        "Sign-up open to the allowed e-mail domains only",
        (("ALLOWED_EMAIL_DOMAINS", "!Ref AllowedEmailDomains"),),
    ),
    "post-confirmation": Starter(
        TriggerFamily.PostConfirmation,
        "post_confirmation",
        "PostConfirmation_ConfirmSignUp",
        "Records each confirmed sign-up and password reset",
    ),
    "pre-token-generation": Starter(
        TriggerFamily.PreTokenGeneration,
        "pre_token_generation",
        "TokenGeneration_Authentication",
        "A tenant claim in the ID and access tokens (V3_0)",
        version="V3_0",
    ),
}
DEFAULT_TRIGGERS = ("pre-sign-up", "post-confirmation", "pre-token-generation")
# The runtime's minor version: what the project depends on (a new minor may change the API).
_MINOR = ".".join(__version__.split(".")[:2])
_NEXT_MINOR = f"{_MINOR.split('.')[0]}.{int(_MINOR.split('.')[1]) + 1}"
_FILES = resources.files(__package__) / "project"


def _unknown(name: str) -> ToolError:
    import difflib

    from cognito_triggers.families import FAMILIES

    triggers = [record.decorator.replace("_", "-") for record in FAMILIES.values()]
    if name in triggers:
        hint = ": a Cognito trigger, but one init writes no starter for yet."
    else:
        close = difflib.get_close_matches(name, list(dict.fromkeys([*STARTERS, *triggers])), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "."
    return ToolError(
        f"init has no starter for the trigger {name!r}{hint} It writes: {', '.join(STARTERS)}. "
        "Add the others by hand: a module in triggers/ and its wiring in template.yaml "
        "(`cognito-triggers check` then says what is missing)"
    )


def _template(name: str, starters: list[Starter]) -> str:
    functions, wiring, permissions = [], [], []
    for s in starters:
        env = ""
        if s.environment:
            env = "      Environment:\n        Variables:\n" + "".join(
                f"          {k}: {v}\n" for k, v in s.environment
            )
        functions.append(
            f"  {s.function}:\n"
            "    Type: AWS::Serverless::Function\n"
            "    Metadata: {BuildMethod: makefile} # triggers/Makefile\n"
            "    Properties:\n"
            f"      Handler: {s.module}.lambda_handler\n"
            f"      Description: {s.description}\n"
            f"{env}"
        )
        key = s.family.lambda_config_key
        if s.version:
            wiring.append(
                f"        {key}Config:\n"
                f"          LambdaArn: !GetAtt {s.function}.Arn\n"
                f"          LambdaVersion: {s.version}\n"
            )
        else:
            wiring.append(f"        {key}: !GetAtt {s.function}.Arn\n")
        permissions.append(
            f"  {s.family.value}Permission:\n"
            "    Type: AWS::Lambda::Permission\n"
            "    Properties:\n"
            "      Action: lambda:InvokeFunction\n"
            f"      FunctionName: !GetAtt {s.function}.Arn\n"
            "      Principal: cognito-idp.amazonaws.com\n"
            "      SourceArn: !GetAtt UserPool.Arn\n"
            "      SourceAccount: !Ref AWS::AccountId\n"
        )
    text = (_FILES / "template.yaml").read_text(encoding="utf-8")
    return (
        text.replace("@NAME@", name)
        .replace("@LAMBDA_CONFIG@\n", "".join(wiring))
        .replace("@FUNCTIONS@\n", "\n".join(functions))
        .replace("@PERMISSIONS@\n", "\n".join(permissions))
    )


def _project_name(folder: Path) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", folder.name.lower()).strip("-")
    if not name or not name[0].isalpha():
        raise ToolError(
            f"{folder.name!r} cannot name a project (and its stack): use a folder name that "
            "starts with a letter"
        )
    return name


def init_project(folder: Path, triggers: list[str] | None = None) -> list[Path]:
    """Write a new project into ``folder`` (new, or empty); the files written."""
    names = list(dict.fromkeys(triggers or DEFAULT_TRIGGERS))
    for name in names:
        if name not in STARTERS:
            raise _unknown(name)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ToolError(f"{folder} exists and is not empty: init writes a new project only")
    name = _project_name(folder.resolve())
    starters = [STARTERS[n] for n in names]
    files: dict[str, str] = {
        "template.yaml": _template(name, starters),
        "samconfig.toml": _text("samconfig.toml").replace("@NAME@", name),
        "pyproject.toml": _text("pyproject.toml")
        .replace("@NAME@", name)
        .replace("@MINOR@", _MINOR)
        .replace("@NEXT_MINOR@", _NEXT_MINOR),
        "Makefile": _text("Makefile"),
        "lambda-build.mk": _text("lambda-build.mk"),
        "README.md": _readme(name, starters),
        ".gitignore": _text("gitignore"),
        "layers/cognito_triggers/Makefile": _text("layers/cognito_triggers/Makefile"),
        "layers/cognito_triggers/requirements.txt": _text(
            "layers/cognito_triggers/requirements.txt"
        ),
        "triggers/Makefile": _text("triggers/Makefile"),
        "triggers/requirements.txt": _text("triggers/requirements.txt"),
        "tests/conftest.py": _text("tests/conftest.py"),
    }
    for s in starters:
        files[f"triggers/{s.module}.py"] = _text(f"triggers/{s.module}.py")
        files[f"tests/test_{s.module}.py"] = _text(f"tests/test_{s.module}.py")
        flows = f"tests/test_{s.module}_local_aws.py"
        files[flows] = _text(flows)
        for source in s.family.sources:
            files[f"events/{source.value}.json"] = sample_event_json(source.value)
    written = []
    for relative, content in files.items():
        path = folder / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        except OSError as error:  # a parent that is a file, no permission, a full disk...
            where = error.filename or path
            raise ToolError(f"{folder}: cannot write {where} ({error.strerror})") from None
        written.append(path)
    return written


def _text(relative: str) -> str:
    return (_FILES / relative).read_text(encoding="utf-8")


def _readme(name: str, starters: list[Starter]) -> str:
    first = starters[0]
    rows = "".join(
        f"| `triggers/{s.module}.py` | {s.family.lambda_config_key} | {s.description} |\n"
        for s in starters
    )
    return (
        _text("README.md")
        .replace("@NAME@", name)
        .replace("@TRIGGERS@\n", rows)
        .replace("@FUNCTION@", first.function)
        .replace("@EVENT@", first.event)
    )


def main(folder: str, triggers: list[str]) -> int:
    target = Path(folder)
    written = init_project(target, triggers)
    print(f"cognito-triggers: wrote {len(written)} files into {target}", file=sys.stderr)
    print(f"next: cd {shlex.quote(str(target))} && make test && make run", file=sys.stderr)
    return 0
