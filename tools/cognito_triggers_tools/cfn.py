"""Reading a SAM/CloudFormation template: YAML short-form tags, SAM's Globals, and the intrinsic
functions a local run can resolve (parameters, pseudo parameters, ``!Sub``, ``!Join``, ``!If``);
what it cannot (``!ImportValue``, a parameter without a value) is said, never guessed."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cognito_triggers.sources import unknown_name

from .inputs import InputError, read_text

__all__ = [
    "CannotResolve",
    "Functions",
    "Template",
    "TemplateError",
    "load_template",
    "logical_id_of_arn",
    "short_form",
    "stack_name_of",
]

_SCALAR_TAGS = {"Ref": "Ref", "Condition": "Condition"}
# CloudFormation's short forms, ``!Name`` for ``Fn::Name`` (``Ref`` and ``Condition`` as they are):
# the intrinsic and condition functions, AWS::LanguageExtensions' and the rule functions, in
# docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
# CloudFormation refuses any other tag; read as a function, it would pass a local check unnoticed.
SHORT_TAGS = frozenset(
    {
        *("Ref", "Condition", "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs"),
        *("GetStackOutput", "ImportValue", "Join", "Length", "Select", "Split", "Sub"),
        *("ToJsonString", "Transform", "And", "Equals", "If", "Not", "Or"),
        *("Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll"),
    }
)


class TemplateError(InputError):
    """The template cannot be read or does not have the shape a tool needs."""


class CannotResolve(Exception):
    """An expression whose value only a deployment knows (or that is wrong)."""

    def __init__(self, expression: Any, why: str) -> None:
        super().__init__(f"cannot resolve {short_form(expression)}: {why}")
        self.expression = expression


def short_form(value: Any) -> str:
    """An expression as a template writes it (``!ImportValue shared-arn``), for messages."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        tag = key.removeprefix("Fn::") if key.startswith("Fn::") or key == "Ref" else None
        if tag == "GetAtt" and isinstance(arg, list):
            arg = ".".join(map(str, arg))
        if tag is not None:
            inner = arg if isinstance(arg, str) else json.dumps(arg, default=str)
            return f"!{tag} {inner}"
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


GetAtt = Callable[[str, str], str]
"""``(logical id, attribute) -> value`` for ``!GetAtt`` and ``${X.Attr}``; raises
:class:`CannotResolve` for what it cannot know."""


def _no_get_att(logical_id: str, attribute: str) -> str:
    raise CannotResolve({"Fn::GetAtt": [logical_id, attribute]}, "an attribute known once deployed")


class _Loader(yaml.SafeLoader):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.unknown_tags: list[tuple[yaml.Mark, str]] = []


def _unknown_tag(suffix: str) -> str:
    by_case = {tag.lower(): tag for tag in SHORT_TAGS}  # !ref is a typo of !Ref too
    close = [by_case[t] for t in difflib.get_close_matches(suffix.lower(), by_case, n=3)]
    if close:
        return f"did you mean {' or '.join('!' + tag for tag in close)}?"
    return f"CloudFormation knows {', '.join('!' + tag for tag in sorted(SHORT_TAGS))}"


def _construct_tag(loader: _Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if suffix not in SHORT_TAGS:
        loader.unknown_tags.append((node.start_mark, suffix))  # said once all is read
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    key = _SCALAR_TAGS.get(suffix, f"Fn::{suffix}")
    return {key: value}


_Loader.add_multi_constructor("!", _construct_tag)


def _yaml_problem(path: Path, error: yaml.YAMLError) -> str:
    """PyYAML's error (several lines, with a snippet) as one: where, what, and while doing what."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"{path}: not valid YAML: {' '.join(str(error).split())}"
    mark = error.problem_mark
    context = f" ({error.context})" if error.context else ""
    return f"{path}:{mark.line + 1}:{mark.column + 1}: not valid YAML: {error.problem}{context}"


def load_template(path: str | Path) -> Template:
    path = Path(path)
    try:
        text = read_text(path, "template")
    except InputError as error:
        raise TemplateError(str(error)) from None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        raise TemplateError(_yaml_problem(path, error)) from None
    except RecursionError:  # the parser recurses once per level: Python's stack ran out
        raise TemplateError(f"{path}: not valid YAML: nested too deeply to read") from None
    finally:
        loader.dispose()
    if loader.unknown_tags:  # the first in the file, whatever order PyYAML built them in
        mark, suffix = min(loader.unknown_tags, key=lambda found: found[0].index)
        raise TemplateError(
            f"{path}:{mark.line + 1}:{mark.column + 1}: !{suffix} is not a CloudFormation tag; "
            + _unknown_tag(suffix)
        )
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return Template(path=path, data=data, stack_name=stack_name_of(project_folder(path)))


def project_folder(template_path: Path) -> Path:
    """The project a template belongs to: its folder, or the project of a build's template
    (``.aws-sam/build/template.yaml``)."""
    folder = template_path.resolve().parent
    if folder.name == "build" and folder.parent.name == ".aws-sam":
        return folder.parent.parent
    return folder


def stack_name_of(folder: Path) -> str:
    """A CloudFormation stack name from a folder's name (letters, digits, hyphens): the stack
    every local tool evaluates ``${AWS::StackName}`` as, and ``up`` and the plugin deploy."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", folder.name).strip("-")
    return name if name[:1].isalpha() else f"stack-{name}".rstrip("-")


def logical_id_of_arn(value: Any) -> str | None:
    """The resource a ``!GetAtt X.Arn`` (or ``Fn::GetAtt: [X, Arn]``) names, else ``None``."""
    if isinstance(value, Mapping) and set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        if isinstance(target, str):
            target = target.split(".", 1)
        if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
            return str(target[0])
    return None


@dataclass
class Template:
    path: Path
    data: dict[str, Any]
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    stack_name: str = "stack"
    region: str = "us-east-1"
    account_id: str = "123456789012"

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.data["Resources"]
        return resources

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    @property
    def function_globals(self) -> dict[str, Any]:
        globals_ = self.data.get("Globals") or {}
        function: dict[str, Any] = globals_.get("Function") or {}
        return function

    def function_property(self, logical_id: str, name: str) -> Any:
        """A function's property with ``Globals.Function`` merged in as SAM merges it: the
        function's own scalar wins, maps merge key by key, lists add up, Globals' first
        (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html)."""
        properties = self.resources[logical_id].get("Properties") or {}
        if name not in properties:
            return self.function_globals.get(name)
        if name not in self.function_globals:
            return properties[name]
        return _merge_globals(self.function_globals[name], properties[name])

    def function_environment(self, logical_id: str) -> dict[str, Any]:
        """Globals' variables overlaid with the function's own (unresolved)."""
        environment = self.function_property(logical_id, "Environment")
        variables = environment.get("Variables") if isinstance(environment, dict) else None
        return dict(variables) if isinstance(variables, dict) else {}

    # -- resolution of the intrinsics a local run meets ---------------------------------------

    def check_parameter_overrides(self) -> None:
        """Refuse an override CloudFormation would refuse: a name the template does not declare
        (a typo would otherwise deploy the default, silently) or a value outside its
        ``AllowedValues``."""
        from .toolchain import ToolError

        declared = self.data.get("Parameters") or {}
        for name, value in self.parameter_overrides.items():
            if name not in declared:
                where = f"the template {self.path.name} declares no parameter {name!r}"
                known = str(unknown_name(name, sorted(declared), "a parameter"))
                hint = known.partition("; ")[2] or f"it declares: {', '.join(sorted(declared))}"
                raise ToolError(f"{where}; {hint}" if declared else f"{where} (it has none)")
            allowed = (declared[name] or {}).get("AllowedValues")
            if isinstance(allowed, list) and value not in [str(v) for v in allowed]:
                choices = ", ".join(map(str, allowed))
                raise ToolError(f"parameter {name}={value!r}: the template allows {choices}")

    def parameter_value(self, name: str) -> str | None:
        if name in self.parameter_overrides:
            return self.parameter_overrides[name]
        parameter = (self.data.get("Parameters") or {}).get(name)
        if isinstance(parameter, dict) and "Default" in parameter:
            return str(parameter["Default"])
        return None

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        value = self.parameter_value(name)
        if value is not None:
            return value
        if name in (self.data.get("Parameters") or {}):
            raise CannotResolve(
                {"Ref": name}, f"parameter {name} has no Default: pass --parameter {name}=VALUE"
            )
        if name in self.resources:
            return name  # locally, a resource's name is its logical id (e.g. a seeded table)
        raise CannotResolve({"Ref": name}, "no parameter, pseudo parameter or resource is named so")

    def condition(self, name: str) -> bool | None:
        conditions = self.data.get("Conditions") or {}
        if name not in conditions:
            return None
        try:
            return self._truth(conditions[name])
        except CannotResolve:
            return None

    def _truth(self, value: Any) -> bool:
        if isinstance(value, Mapping) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                return self.evaluate(arg[0]) == self.evaluate(arg[1])
            if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                return not self._truth(arg[0])
            if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
                values = [self._truth(a) for a in arg]
                return all(values) if key == "Fn::And" else any(values)
            if key == "Condition" and isinstance(arg, str):
                truth = self.condition(arg)
                if truth is not None:
                    return truth
        raise CannotResolve(value, "a condition this cannot evaluate")

    def resolve(self, value: Any) -> str | None:
        """A string for a literal or a resolvable intrinsic; ``None`` when it cannot be known
        locally (``!GetAtt``, imports...)."""
        try:
            return self.evaluate(value)
        except CannotResolve:
            return None

    def evaluate(self, value: Any, get_att: GetAtt = _no_get_att) -> str:
        """The string ``value`` stands for, as CloudFormation would compute it for this stack
        (``stack_name``, ``region``, ``account_id``, the parameters); :class:`CannotResolve`
        names the part only a deployment knows."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        if not isinstance(value, Mapping) or len(value) != 1:
            raise CannotResolve(value, "not a string nor an intrinsic function")
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return self._ref(arg)
        if key == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
            return get_att(str(arg[0]), str(arg[1]))
        if key == "Fn::Sub":
            return self._sub(value, arg, get_att)
        if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            truth = self.condition(str(arg[0]))
            if truth is None:
                raise CannotResolve(value, f"condition {arg[0]} cannot be evaluated here")
            return self.evaluate(arg[1] if truth else arg[2], get_att)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = arg[1] if isinstance(arg[1], list) else None
            if parts is None:
                raise CannotResolve(value, "a list that only a deployment knows")
            return str(arg[0]).join(self.evaluate(p, get_att) for p in parts)
        if key == "Fn::ImportValue":
            raise CannotResolve(value, "an export of another stack, known once deployed")
        raise CannotResolve(value, f"{key} is not resolved by the local tools")

    def _sub(self, value: Any, arg: Any, get_att: GetAtt) -> str:
        variables: Mapping[str, Any] = {}
        if isinstance(arg, str):
            text = arg
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
            text, variables = str(arg[0]), arg[1]
        else:
            raise CannotResolve(value, "!Sub takes a string, or [string, {variables}]")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.evaluate(variables[name], get_att)
            if "." in name and not name.startswith("AWS::"):
                return get_att(*name.split(".", 1))
            return self._ref(name)

        return re.sub(r"\$\{([^}]+)\}", substitute, text)


_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
_FUNCTION_ARN = re.compile(
    r"arn:[^:]+:lambda:(?P<region>[^:]*):(?P<account>[^:]*):function:(?P<name>[^:]+)(?::[^:]+)?"
)


class Functions:
    """Which function of a template an expression names, read as CloudFormation and SAM read
    it: ``!GetAtt F.Arn``; ``!Ref`` of an alias or a version (their Ref is an ARN), SAM's
    ``F.Alias``/``F.Version``; an ARN built with ``!Sub``/``!Join`` and matched through the
    function's ``FunctionName`` (literal or ``!Sub`` of ``${AWS::StackName}``), the usual way
    out of the pool -> function -> pool cycle. Locally a function without ``FunctionName`` is
    named by its logical id, as :meth:`Template.evaluate` names every resource.

    :meth:`arn_of` returns the logical id, or ``None`` for a function outside the template; it
    raises :class:`CannotResolve` for what only a deployment knows, and :class:`TemplateError`
    for an expression that names no function ARN at all."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.ids = set(template.of_type(*_FUNCTION_TYPES))
        self.by_name: dict[str, str] = {}
        for logical_id in sorted(self.ids):
            try:
                self.by_name.setdefault(self.name(logical_id), logical_id)
            except CannotResolve:
                continue  # its name is known once deployed: only !GetAtt or !Ref find it

    def name(self, logical_id: str) -> str:
        written = (self.template.resources[logical_id].get("Properties") or {}).get("FunctionName")
        return logical_id if written is None else self.template.evaluate(written)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if logical_id in self.ids and attribute == "Arn":
            template = self.template
            return (
                f"arn:aws:lambda:{template.region}:{template.account_id}:function:"
                f"{self.name(logical_id)}"
            )
        return _no_get_att(logical_id, attribute)

    def arn_of(self, value: Any) -> str | None:
        """The function a value that must be a function's ARN names (``LambdaConfig``)."""
        resources = self.template.resources
        if isinstance(value, Mapping) and set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            if isinstance(target, list) and len(target) == 2:
                logical_id, attribute = map(str, target)
                if logical_id not in resources:
                    known = unknown_name(logical_id, sorted(self.ids), "a function of the template")
                    raise TemplateError(f"{short_form(value)}: {known}")
                if logical_id not in self.ids:
                    raise TemplateError(
                        f"{short_form(value)} points at {logical_id}, not a function"
                    )
                if attribute == "Arn":
                    return logical_id
        if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
            return self._ref_arn(value, value["Ref"])
        return self._by_arn(self.template.evaluate(value, self._get_att))

    def named_by(self, value: Any) -> str | None:
        """The function a ``FunctionName``-like property names: a name, an ARN or a Ref."""
        if isinstance(value, Mapping) and set(value) == {"Ref"}:
            name = value["Ref"]
            if name in self.ids:
                return str(name)
            kind = self.template.resources.get(name, {}).get("Type")
            if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version") or "." in str(name):
                return self.arn_of(value)
        text = self.template.evaluate(value, self._get_att)
        return self._by_arn(text) if text.startswith("arn:") else self.by_name.get(text)

    def _ref_arn(self, value: Any, name: str) -> str | None:
        resources = self.template.resources
        if name in self.ids:
            raise TemplateError(
                f"{short_form(value)} gives the function's name; Cognito needs its ARN "
                f"(!GetAtt {name}.Arn)"
            )
        kind = resources.get(name, {}).get("Type")
        if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            return self.named_by((resources[name].get("Properties") or {}).get("FunctionName"))
        function, _, suffix = name.partition(".")
        if suffix in ("Alias", "Version") and function in self.ids:
            published = self.template.function_property(function, "AutoPublishAlias")
            if published is None:
                raise TemplateError(
                    f"{short_form(value)}: {function} has no AutoPublishAlias, so SAM makes no "
                    f"{suffix.lower()} of it"
                )
            return function
        return self._by_arn(self.template.evaluate(value, self._get_att))

    def _by_arn(self, arn: str) -> str | None:
        match = _FUNCTION_ARN.fullmatch(arn)
        if match is None:
            raise TemplateError(f"{arn!r} is not a Lambda function ARN")
        logical_id = self.by_name.get(match.group("name"))
        if logical_id is None:
            return None
        # The name alone is not the function: one of another account (a pool may call it) or
        # region, written as a literal, is not this stack's wherever the stack is deployed.
        template = self.template
        for part, own, pseudo in (
            ("account", template.account_id, "AWS::AccountId"),
            ("region", template.region, "AWS::Region"),
        ):
            if match.group(part) != own:
                raise CannotResolve(
                    arn,
                    f"its {part} {match.group(part)} is a literal, not ${{{pseudo}}}: it is "
                    f"{logical_id} only if the stack is deployed in that {part}, never locally; "
                    f"write ${{{pseudo}}} for this stack's own function",
                )
        return logical_id


def _merge_globals(common: Any, own: Any) -> Any:
    if isinstance(common, dict) and isinstance(own, dict):
        merged = dict(common)
        for key, value in own.items():
            merged[key] = _merge_globals(common[key], value) if key in common else value
        return merged
    if isinstance(common, list) and isinstance(own, list):
        return common + own
    return own
