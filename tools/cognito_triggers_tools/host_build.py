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

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .cfn import Template, load_template
from .toolchain import (
    ToolError,
    host_architecture,
    sam_command,
    sam_environment,
    sam_parameter_overrides,
)

__all__ = [
    "Declared",
    "built_template",
    "declared_architectures",
    "host_parameters",
    "sam_build_for_host",
    "stale_build",
]

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
    if isinstance(written, list) and len(written) > 1:
        raise ToolError(
            f"{logical_id}: Architectures {written!r} names {len(written)}; a function runs on one "
            "(SAM adds a function's Architectures to those of Globals: write it in one place)"
        )
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
    common = (data.get("Globals") or {}).get("Function") or {}
    for logical_id in logical_ids:
        resource = data["Resources"][logical_id]
        if resource.get("Type") == "AWS::Serverless::Function":
            # SAM adds a function's list to Globals' (lists merge), so the architecture is set
            # where the template writes it: a function of its own would have two.
            properties = resource.setdefault("Properties", {})
            if "Architectures" in common:
                common["Architectures"] = [host]
            if "Architectures" in properties or "Architectures" not in common:
                properties["Architectures"] = [host]
        else:
            resource.setdefault("Metadata", {})["BuildArchitecture"] = host
            properties = resource.setdefault("Properties", {})
            if "CompatibleArchitectures" in properties:
                properties["CompatibleArchitectures"] = [host]
    return data


def host_parameters(template: Template) -> dict[str, str]:
    """The template's parameter overrides, with every parameter that sets an architecture set to
    this machine's: for a build the local tools run, and for deploying that build (the built
    template keeps the parameters, so a deploy without them would declare another machine's)."""
    template.check_parameter_overrides()
    host = host_architecture()
    overrides = dict(template.parameter_overrides)
    for item in declared_architectures(template):
        if item.value != host and item.parameter is not None:
            overrides[item.parameter] = host
    return overrides


def sam_build_for_host(
    root: Path,
    template_file: Path,
    parameter_overrides: dict[str, str],
    sam_args: list[str],
    output: IO[str] | None = None,
) -> int:
    """``sam build`` for this machine; SAM's output (and this build's notes) to ``output`` when
    given, else to the terminal. Its exit status."""
    template = load_template(template_file)
    template.parameter_overrides = dict(parameter_overrides)
    host = host_architecture()
    declared = declared_architectures(template)
    overrides = host_parameters(template)
    literal = {d.logical_id for d in declared if d.value != host and d.parameter is None}
    other = sorted({f"{d.logical_id} ({d.value})" for d in declared if d.value != host})
    if other:
        print(
            f"cognito-triggers: building for {host}, this machine's architecture, where the "
            f"template says otherwise: {', '.join(other[:4])}{' ...' if len(other) > 4 else ''}. "
            "The local tools run host binaries; `sam build` builds what you deploy.",
            file=output or sys.stderr,
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
    command += sam_parameter_overrides(overrides) + sam_args
    print("cognito-triggers:", " ".join(command), file=output or sys.stderr, flush=True)
    return subprocess.run(  # noqa: S603 - our own command line
        command, cwd=root, env=sam_environment(), stdout=output, stderr=output, check=False
    ).returncode


def _newest_source(root: Path, template: Template) -> tuple[float, Path]:
    """The newest file a build is made of: the template, the lock, and every file under the
    folders its functions and layers are built from (``CodeUri``/``ContentUri``, Globals merged)."""
    folders: set[Path] = set()
    for logical_id, resource in template.resources.items():
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            uri = template.function_property(logical_id, "CodeUri")
        elif kind == "AWS::Serverless::LayerVersion":
            uri = (resource.get("Properties") or {}).get("ContentUri")
        else:
            continue
        if isinstance(uri, str) and not uri.startswith("s3://"):
            folders.add((root / uri).resolve())
    files = [template.path, root / "uv.lock"]
    for folder in sorted(folders):
        for parent, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            files += [Path(parent) / name for name in names]
    newest = (0.0, template.path)
    for file in files:
        with contextlib.suppress(OSError):
            newest = max(newest, (file.stat().st_mtime, file))
    return newest


def stale_build(root: Path) -> str | None:
    """Why ``root``'s build is not what its sources would build now (``None`` when it is)."""
    built = root / ".aws-sam" / "build" / "template.yaml"
    if not built.is_file():
        return "there is no build yet"
    when, newest = _newest_source(root, load_template(root / "template.yaml"))
    if when > built.stat().st_mtime:
        return f"{newest.relative_to(root) if newest.is_relative_to(root) else newest} changed"
    return None


def built_template(root: Path, log: Path | None = None) -> Path:
    """``root``'s built template, building for this machine first when there is no build yet or
    a source changed since (the template, uv.lock, a function's or layer's folder); SAM's output
    goes to ``log`` when given."""
    built = root / ".aws-sam" / "build" / "template.yaml"
    why = stale_build(root)
    if why is None:
        return built
    print(f"cognito-triggers: building {root.name} ({why})", file=sys.stderr, flush=True)
    if log is None:
        code = sam_build_for_host(root, root / "template.yaml", {}, [])
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as sink:
            code = sam_build_for_host(root, root / "template.yaml", {}, [], output=sink)
    if code != 0:
        where = f": {log}" if log else ""
        raise ToolError(f"cognito-triggers build of {root} failed (exit {code}){where}")
    return built
