"""``cognito-triggers lambda-build``: what ``sam build`` runs for a function or layer folder whose
``Makefile`` includes the project's ``lambda-build.mk`` (``Metadata: BuildMethod: makefile``).

It gives any template what SAM's own Python builder leaves out:

- the architecture SAM itself resolved for the resource (its build graph, ``build.toml``, written
  before any resource is built, with ``--parameter-overrides``, samconfig and Globals applied), so
  the binaries always match the function; a layer used by functions of another architecture, or a
  binary of another machine in the output, fails the build;
- the versions of ``uv.lock``: ``requirements.txt`` names what the folder imports, the lock gives
  each one's version and dependencies, installed exactly (``--no-deps``) for Lambda's Python 3.13;
  boto3 and what it needs come from the Lambda runtime unless the file names them itself;
- bytecode for every module: Lambda's code folders are read-only, so a module shipped without its
  ``.pyc`` is compiled again by every new execution environment. ``unchecked-hash`` bytecode stays
  valid whatever timestamps the deployment zip gives the sources.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from .cfn import TemplateError, load_template
from .toolchain import ToolError, find_project_root, foreign_binaries, python313

__all__ = ["LAMBDA_PROVIDED", "BuildTarget", "build", "pinned", "sam_build_target"]

# What the python3.13 runtime already has on its path (boto3 and its dependencies). Bundling them
# would shadow the runtime's own and add megabytes to every cold start.
LAMBDA_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)
LAMBDA_PYTHON = "3.13"
_MACHINE = {"arm64": "aarch64", "x86_64": "x86_64"}
# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34): every manylinux wheel up to that.
_GLIBC_MINORS = range(17, 35)


@dataclass(frozen=True)
class BuildTarget:
    """One resource of SAM's build graph: what it is and the architecture SAM builds it for."""

    logical_id: str
    kind: str  # "function" or "layer"
    architecture: str
    functions: dict[str, str]
    """Every function of the graph and the architecture SAM builds it for."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    directory: Path | None = None  # a workspace member or path source: copied, not downloaded
    wheel: str | None = None  # the locked wheel for Lambda (a URL or a file), with its hash
    hash: str | None = None

    def requirement(self, *, hashed: bool) -> str:
        if self.wheel is None:
            return f"{self.name}=={self.version}"
        return f"{self.name} @ {self.wheel}" + (f" --hash={self.hash}" if hashed else "")


def sam_build_target(artifacts_dir: Path, logical_id: str) -> BuildTarget:
    """The resource's entry in SAM's build graph (``<build dir>/../build.toml``)."""
    graph_file = artifacts_dir.resolve().parent.parent / "build.toml"
    try:
        graph = tomllib.loads(graph_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ToolError(
            f"cannot read SAM's build graph {graph_file} ({error}): lambda-build runs inside "
            "`sam build`, which writes it"
        ) from None
    functions = {
        name: str(definition.get("architecture"))
        for definition in (graph.get("function_build_definitions") or {}).values()
        for name in definition.get("functions", [])
    }
    for kind, table, members in (
        ("function", "function_build_definitions", "functions"),
        ("layer", "layer_build_definitions", "layer"),
    ):
        for definition in (graph.get(table) or {}).values():
            names = definition.get(members)
            if logical_id == names or (isinstance(names, list) and logical_id in names):
                architecture = str(definition.get("architecture", ""))
                if architecture not in _MACHINE:
                    raise ToolError(f"{logical_id}: SAM builds it for {architecture!r}")
                return BuildTarget(logical_id, kind, architecture, functions)
    raise ToolError(
        f"{logical_id} is not in SAM's build graph {graph_file}: `sam build {logical_id}` reuses "
        "the graph of the last full build; run `sam build` for the whole template"
    )


# -- versions from uv.lock ------------------------------------------------------------------------


def _platforms(architecture: str) -> list[str]:
    machine = _MACHINE[architecture]
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in reversed(_GLIBC_MINORS)]
    return [*platforms, f"manylinux2014_{machine}"]


def _lambda_tags(architecture: str) -> dict[Tag, int]:
    """The wheel tags Lambda's python3.13 on this architecture takes, best first."""
    platforms = _platforms(architecture)
    tags = [
        *cpython_tags((3, 13), abis=["cp313"], platforms=platforms),
        *compatible_tags((3, 13), interpreter="cp313", platforms=platforms),
    ]
    return {tag: rank for rank, tag in enumerate(tags)}


def _locked_wheel(
    entry: dict[str, Any], root: Path, tags: dict[Tag, int]
) -> tuple[str, str | None] | None:
    """The best wheel the lock lists for Lambda, as a URL or file, and its hash."""
    best: tuple[int, str, str | None] | None = None
    for wheel in entry.get("wheels", []):
        where = wheel.get("url") or wheel.get("path") or ""
        try:
            _, _, _, wheel_tags = parse_wheel_filename(where.rsplit("/", 1)[-1])
        except InvalidWheelFilename:
            continue
        ranks = [tags[t] for t in wheel_tags if t in tags]
        if not ranks:
            continue
        if "url" not in wheel:
            path = Path(where)
            where = (path if path.is_absolute() else root / path).resolve().as_uri()
        if best is None or min(ranks) < best[0]:
            best = (min(ranks), where, wheel.get("hash"))
    return None if best is None else (best[1], best[2])


def _environment(architecture: str) -> dict[str, str]:
    """PEP 508 marker values of Lambda's python3.13 on Amazon Linux."""
    return {
        "implementation_name": "cpython",
        "implementation_version": "3.13.0",
        "os_name": "posix",
        "platform_machine": _MACHINE[architecture],
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": "3.13.0",
        "python_version": LAMBDA_PYTHON,
        "sys_platform": "linux",
    }


def _applies(marker: str | None, environment: dict[str, str], extra: str = "") -> bool:
    if not marker:
        return True
    return Marker(marker).evaluate({**environment, "extra": extra})


class _Lock:
    def __init__(self, path: Path, environment: dict[str, str]) -> None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ToolError(f"cannot read {path}: {error}") from None
        self.path = path
        self.environment = environment
        self.packages: dict[str, list[dict[str, Any]]] = {}
        for package in data.get("package", []):
            self.packages.setdefault(canonicalize_name(package["name"]), []).append(package)

    def entry(self, name: str, version: str | None = None) -> dict[str, Any] | None:
        """The lock's entry of ``name`` for Lambda's Python (a lock forks by Python version)."""
        candidates = self.packages.get(canonicalize_name(name), [])
        if version is not None:
            candidates = [c for c in candidates if c.get("version") == version]
        for candidate in candidates:
            forks = candidate.get("resolution-markers")
            if not forks or any(_applies(m, self.environment) for m in forks):
                return candidate
        return candidates[0] if len(candidates) == 1 else None

    def closure(self, wanted: list[Requirement]) -> dict[str, dict[str, Any]]:
        """Every package ``wanted`` needs, by name; boto3 and its kin only when named."""
        named = {canonicalize_name(r.name) for r in wanted}
        found: dict[str, dict[str, Any]] = {}
        queue: list[tuple[str, str | None, frozenset[str]]] = [
            (r.name, None, frozenset(r.extras)) for r in wanted
        ]
        seen: set[tuple[str, frozenset[str]]] = set()
        while queue:
            name, version, extras = queue.pop()
            key = canonicalize_name(name)
            if (key, extras) in seen:
                continue
            seen.add((key, extras))
            if key in LAMBDA_PROVIDED and key not in named:
                continue
            entry = self.entry(name, version)
            if entry is None:
                raise ToolError(
                    f"{name} is not in {self.path}: add it to the project's dependencies "
                    f"(`uv add {name}`), then build again"
                )
            found[key] = entry
            dependencies = list(entry.get("dependencies", []))
            optional = entry.get("optional-dependencies", {})
            for extra in extras:
                if extra not in optional:
                    raise ToolError(f"{name} has no extra [{extra}] in {self.path}")
                dependencies += optional[extra]
            for dependency in dependencies:
                if _applies(dependency.get("marker"), self.environment):
                    queue.append(
                        (
                            dependency["name"],
                            dependency.get("version"),
                            frozenset(dependency.get("extra", [])),
                        )
                    )
        return found


def _requirements(path: Path) -> list[Requirement]:
    if not path.is_file():
        return []
    wanted = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            wanted.append(Requirement(line))
        except InvalidRequirement as error:
            raise ToolError(f"{path}:{number}: {error}") from None
    return wanted


def pinned(requirements: Path, root: Path, architecture: str) -> list[Pin]:
    """What ``requirements`` needs, each package at one version, for ``architecture``.

    With a ``uv.lock`` beside the template, versions come from it (a version written in the file
    must be the lock's). Without one, every line must pin ``name==version`` and the list must be
    complete, as it is installed without dependencies.
    """
    wanted = _requirements(requirements)
    environment = _environment(architecture)
    wanted = [r for r in wanted if _applies(str(r.marker) if r.marker else None, environment)]
    lock_file = root / "uv.lock"
    if not lock_file.is_file():
        pins = []
        for requirement in wanted:
            exact = [s.version for s in requirement.specifier if s.operator == "=="]
            if len(exact) != 1:
                raise ToolError(
                    f"{requirements}: {requirement} must be pinned (name==version) when the "
                    f"project has no uv.lock"
                )
            pins.append(Pin(requirement.name, exact[0]))
        return pins
    lock = _Lock(lock_file, environment)
    tags = _lambda_tags(architecture)
    pins = []
    for key, entry in sorted(lock.closure(wanted).items()):
        version = str(entry.get("version", ""))
        for requirement in wanted:
            named = canonicalize_name(requirement.name) == key
            if named and version and version not in requirement.specifier:
                raise ToolError(
                    f"{requirements}: {requirement} but {lock_file.name} has {version}: "
                    "run `uv lock` or change the file"
                )
        source = entry.get("source", {})
        local = source.get("editable") or source.get("directory") or source.get("path")
        if "virtual" in source:
            raise ToolError(f"{entry['name']} is a virtual project: it has no code to ship")
        if local:
            pins.append(Pin(entry["name"], version, root / local))
            continue
        wheel = _locked_wheel(entry, root, tags)
        if wheel is None and entry.get("wheels"):
            raise ToolError(
                f"{entry['name']}=={version} in {lock_file.name} has no wheel for Lambda's "
                f"Python 3.13 on {architecture}: pick a version that has one"
            )
        url, digest = wheel or (None, None)
        pins.append(Pin(entry["name"], version, wheel=url, hash=digest))
    return pins


# -- building -------------------------------------------------------------------------------------


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        # compileall says what did not compile (the file, the line) on stdout, pip on stderr.
        said = "\n".join(out.strip() for out in (result.stdout, result.stderr) if out.strip())
        raise ToolError(f"{' '.join(command[:4])} ... failed:\n{said}")


def _install(python: str, pins: list[Pin], target: Path, architecture: str) -> None:
    downloads = [p for p in pins if p.directory is None]
    if downloads:
        # The lock's own files where it lists them, hash-checked when every one has a hash (a
        # find-links wheel has none; pip checks all or nothing).
        hashed = all(p.hash for p in downloads)
        listed = Path(tempfile.mkdtemp()) / "requirements.txt"
        listed.write_text(
            "".join(f"{p.requirement(hashed=hashed)}\n" for p in downloads), encoding="utf-8"
        )
        _run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-compile",
                "--no-deps",
                "--only-binary=:all:",
                *(f"--platform={p}" for p in _platforms(architecture)),
                "--implementation=cp",
                f"--python-version={LAMBDA_PYTHON}",
                "--target",
                str(target),
                "--requirement",
                str(listed),
            ]
        )
        shutil.rmtree(listed.parent)
    for pin in pins:
        if pin.directory is not None:
            _copy_local_project(pin, target)


def _import_packages(project: Path, name: str) -> list[Path]:
    """The import packages of a local project: ``<name>/`` or ``src/<name>/``."""
    module = canonicalize_name(name).replace("-", "_")
    found = [
        p for p in (project / module, project / "src" / module) if (p / "__init__.py").exists()
    ]
    if not found:
        raise ToolError(f"{project}: no package {module}/ (or src/{module}/) to ship")
    return found[:1]


def _copy_local_project(pin: Pin, target: Path) -> None:
    assert pin.directory is not None
    for package in _import_packages(pin.directory, pin.name):
        shutil.copytree(package, target / package.name, dirs_exist_ok=True, ignore=_IGNORED)


_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test_*.py", "conftest.py")


def _copy_sources(source: Path, target: Path) -> int:
    """A function folder's modules and packages (not its tests, Makefile or requirements)."""
    copied = 0
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix == ".py" and not _IGNORED(str(source), [path.name]):
            shutil.copy2(path, target / path.name)
            copied += 1
        elif path.is_dir() and (path / "__init__.py").is_file() and path.name != "tests":
            shutil.copytree(path, target / path.name, dirs_exist_ok=True, ignore=_IGNORED)
            copied += 1
    return copied


def _compile(python: str, folder: Path) -> None:
    for cache in list(folder.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    _run(
        [
            python,
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(folder),
        ]
    )


def _uses_layer(layer: Any, logical_id: str) -> bool:
    """``Layers: [!Ref L]`` (SAM's layer) or ``[!GetAtt L.Arn]``-like references to ``L``."""
    if not isinstance(layer, dict):
        return False
    target = layer.get("Ref") or (layer.get("Fn::GetAtt") or [None])[0]
    return bool(target == logical_id)


def _check_layer_users(root: Path, target: BuildTarget) -> None:
    """A layer's binaries must be those of every function that uses it."""
    template_file = root / "template.yaml"
    if not template_file.is_file():
        return
    try:
        template = load_template(template_file)
    except TemplateError:
        return  # SAM read it; a template we cannot read is check's to report
    for logical_id in template.of_type("AWS::Serverless::Function"):
        layers = template.function_property(logical_id, "Layers") or []
        uses = any(_uses_layer(layer, target.logical_id) for layer in layers)
        other = target.functions.get(logical_id)
        if uses and other and other != target.architecture:
            raise ToolError(
                f"{target.logical_id} builds for {target.architecture} but {logical_id}, which "
                f"uses it, runs on {other}: its binaries would fail to import there. Give the "
                f"layer `Metadata: BuildArchitecture: {other}` (SAM builds layers for x86_64 "
                "unless told) and CompatibleArchitectures to match"
            )


def build(logical_id: str, source: Path, artifacts_dir: Path, root: Path | None = None) -> str:
    """Build one resource into ``artifacts_dir`` as ``sam build`` asked; a one-line summary."""
    source = source.resolve()
    root = (root or find_project_root(source)).resolve()
    target = sam_build_target(artifacts_dir, logical_id)
    if target.kind == "layer":
        _check_layer_users(root, target)
    output = artifacts_dir / "python" if target.kind == "layer" else artifacts_dir
    output.mkdir(parents=True, exist_ok=True)
    pins = pinned(source / "requirements.txt", root, target.architecture)
    python = python313()
    _install(python, pins, output, target.architecture)
    modules = _copy_sources(source, output) if target.kind == "function" else 0
    _compile(python, output)
    foreign = [
        f"{p.relative_to(output)} ({a})" for p, a in foreign_binaries(output, target.architecture)
    ]
    if foreign:
        raise ToolError(
            f"{logical_id} is built for {target.architecture} but holds binaries of another "
            f"machine: {', '.join(foreign[:3])}; remove them from {source}"
        )
    packages = ", ".join(f"{p.name}=={p.version}" for p in pins) or "no packages"
    what = f"{modules} module(s) and " if target.kind == "function" else ""
    return f"{logical_id} ({target.kind}, {target.architecture}): {what}{packages}, with bytecode"


def main(logical_id: str, source: str, artifacts_dir: str | None, root: Path) -> int:
    artifacts = artifacts_dir or os.environ.get("ARTIFACTS_DIR")
    if not artifacts:
        raise ToolError("lambda-build runs inside `sam build` (ARTIFACTS_DIR is not set)")
    summary = build(logical_id, Path(source), Path(artifacts), root)
    print(f"cognito-triggers: {summary}", file=sys.stderr)
    return 0
