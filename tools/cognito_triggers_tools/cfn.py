"""Reading a SAM/CloudFormation template: YAML short-form tags, and the few intrinsic functions
a local run needs to resolve (parameters, pseudo parameters, ``!Sub``, ``!If``)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .inputs import InputError, read_text

__all__ = ["Template", "TemplateError", "load_template", "logical_id_of_arn"]

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
    return Template(path=path, data=data)


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
    stack_name: str = "cognito-triggers-local"
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
        """A function's property, falling back to ``Globals.Function`` like SAM does."""
        properties = self.resources[logical_id].get("Properties") or {}
        if name in properties:
            return properties[name]
        return self.function_globals.get(name)

    def function_environment(self, logical_id: str) -> dict[str, Any]:
        """Globals' variables overlaid with the function's own (unresolved)."""
        merged: dict[str, Any] = {}
        global_env = (self.function_globals.get("Environment") or {}).get("Variables") or {}
        own = ((self.resources[logical_id].get("Properties") or {}).get("Environment") or {}).get(
            "Variables"
        ) or {}
        merged.update(global_env)
        merged.update(own)
        return merged

    # -- resolution of the intrinsics a local run meets ---------------------------------------

    def parameter_value(self, name: str) -> str | None:
        if name in self.parameter_overrides:
            return self.parameter_overrides[name]
        parameter = (self.data.get("Parameters") or {}).get(name)
        if isinstance(parameter, dict) and "Default" in parameter:
            return str(parameter["Default"])
        return None

    def _ref(self, name: str) -> str | None:
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
        if name in self.resources:
            return name  # locally, a resource's name is its logical id (e.g. a seeded table)
        return None

    def condition(self, name: str) -> bool | None:
        conditions = self.data.get("Conditions") or {}
        if name not in conditions:
            return None
        return self._truth(conditions[name])

    def _truth(self, value: Any) -> bool | None:
        if isinstance(value, Mapping) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                left, right = self.resolve(arg[0]), self.resolve(arg[1])
                return None if left is None or right is None else left == right
            if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                inner = self._truth(arg[0])
                return None if inner is None else not inner
            if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
                values = [self._truth(a) for a in arg]
                if any(v is None for v in values):
                    return None
                return all(values) if key == "Fn::And" else any(values)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
        return None

    def resolve(self, value: Any) -> str | None:
        """A string for a literal or a resolvable intrinsic; ``None`` when it cannot be known
        locally (``!GetAtt``, imports...)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return self._ref(arg)
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            missing = False

            def substitute(match: re.Match[str]) -> str:
                nonlocal missing
                name = match.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                if name in variables:
                    resolved = self.resolve(variables[name])
                else:
                    resolved = self._ref(name) if "." not in name else None
                if resolved is None:
                    missing = True
                    return ""
                return resolved

            result = re.sub(r"\$\{([^}]+)\}", substitute, str(text))
            return None if missing else result
        if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            truth = self.condition(str(arg[0]))
            return None if truth is None else self.resolve(arg[1] if truth else arg[2])
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = [self.resolve(p) for p in arg[1]]
            return None if any(p is None for p in parts) else str(arg[0]).join(parts)  # type: ignore[arg-type]
        return None
