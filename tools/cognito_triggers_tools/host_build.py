"""``cognito-triggers build``: ``sam build`` for this machine, so the local tools (which run host
binaries) can run what it builds.

The architecture has one source of truth, the template: each function's ``Architectures`` (or
``Globals``) and each layer's ``Metadata: BuildArchitecture``, as SAM resolves them. Where one of
them is another machine's, this build says so and changes it the way SAM users do: a parameter
is overridden (``--parameter-overrides``); a literal is rewritten in a copy of the template that
SAM builds from the project's folder. Either way the built template declares what its binaries
are, so even a ``sam deploy`` of this build ships functions that import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cfn import Template, load_template
from .toolchain import ToolError, host_architecture, sam_command, sam_environment

__all__ = ["Declared", "built_template", "declared_architectures", "sam_build_for_host"]

SAM_DEFAULT = "x86_64"  # what SAM builds a function or layer for when the template says nothing
COPY = Path(".aws-sam") / "cognito-triggers" / "template.host.json"


@dataclass(frozen=True)
class Declared:
    """One resource's architecture as the template writes it."""

    logical_id: str
    value: str
    parameter: str | None  # the parameter it comes from, if one


def _properties(resource: dict[str, Any]) -> dict[str, Any]:
    properties = resource.get("Properties")
    return properties if isinstance(properties, dict) else {}


def _one(template: Template, logical_id: str, written: Any) -> Declared:
    if written is None:
        return Declared(logical_id, SAM_DEFAULT, None)
    if isinstance(written, list) and len(written) == 1:
        written = written[0]
    if isinstance(written, dict) and set(written) == {"Ref"} and isinstance(written["Ref"], str):
        name = written["Ref"]
        value = template.parameter_value(name)
        if value is None:
            raise ToolError(f"{logical_id}: the architecture parameter {name} has no value")
        return Declared(logical_id, value, name)
    if isinstance(written, str):
        return Declared(logical_id, written, None)
    raise ToolError(f"{logical_id}: cannot resolve its architecture {written!r}")


def declared_architectures(template: Template) -> list[Declared]:
    """Every function's and makefile-built layer's architecture, resolved as SAM resolves it."""
    declared = []
    for logical_id, resource in template.resources.items():
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            written = template.function_property(logical_id, "Architectures")
            declared.append(_one(template, logical_id, written))
        elif kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            metadata = resource.get("Metadata") or {}
            if "BuildMethod" in metadata:
                declared.append(_one(template, logical_id, metadata.get("BuildArchitecture")))
    return declared


def _rewrite(template: Template, logical_ids: set[str], host: str) -> dict[str, Any]:
    """A copy of the template with those resources' literal architectures set to ``host``."""
    data: dict[str, Any] = json.loads(json.dumps(template.data))
    for logical_id in logical_ids:
        resource = data["Resources"][logical_id]
        if resource.get("Type") == "AWS::Serverless::Function":
            # A function's own Architectures overrides Globals', as in SAM.
            resource.setdefault("Properties", {})["Architectures"] = [host]
        else:
            resource.setdefault("Metadata", {})["BuildArchitecture"] = host
            properties = resource.setdefault("Properties", {})
            if "CompatibleArchitectures" in properties:
                properties["CompatibleArchitectures"] = [host]
    return data


def sam_build_for_host(
    root: Path,
    template_file: Path,
    parameter_overrides: dict[str, str],
    sam_args: list[str],
) -> int:
    template = load_template(template_file)
    template.parameter_overrides = dict(parameter_overrides)
    host = host_architecture()
    declared = declared_architectures(template)
    overrides = dict(parameter_overrides)
    literal: set[str] = set()
    for item in declared:
        if item.value == host:
            continue
        if item.parameter is not None:
            overrides[item.parameter] = host
        else:
            literal.add(item.logical_id)
    other = sorted({f"{d.logical_id} ({d.value})" for d in declared if d.value != host})
    if other:
        print(
            f"cognito-triggers: building for {host}, this machine's architecture, where the "
            f"template says otherwise: {', '.join(other[:4])}{' ...' if len(other) > 4 else ''}. "
            "The local tools run host binaries; `sam build` builds what you deploy.",
            file=sys.stderr,
        )
    command = [*sam_command(), "build"]
    if literal:
        copy = root / COPY
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(json.dumps(_rewrite(template, literal, host), indent=1), encoding="utf-8")
        command += ["--template-file", str(copy), "--base-dir", str(root)]
        config = root / "samconfig.toml"
        if config.is_file():
            command += ["--config-file", str(config)]
    elif template_file.resolve() != (root / "template.yaml").resolve():
        command += ["--template-file", str(template_file)]
    if overrides:
        pairs = " ".join(f"{k}={v}" for k, v in overrides.items())
        command += ["--parameter-overrides", pairs]
    command += sam_args
    print("cognito-triggers:", " ".join(command), file=sys.stderr)
    return subprocess.run(command, cwd=root, env=sam_environment(), check=False).returncode  # noqa: S603


def built_template(root: Path) -> Path:
    """``root``'s built template, building for this machine first if there is none yet."""
    built = root / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        code = sam_build_for_host(root, root / "template.yaml", {}, [])
        if code != 0:
            raise ToolError(f"cognito-triggers build of {root} failed (exit {code})")
    return built
