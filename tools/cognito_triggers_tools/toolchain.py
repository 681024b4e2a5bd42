"""Finding, and installing when missing, the tools a local run needs: uv, SAM CLI, the Lambda
Runtime Interface Emulator shipped inside SAM CLI's package, and a Python 3.13 with awslambdaric.

Everything installed goes into one cache per user (:func:`cache_dir`), shared by every project;
nothing here is used by Lambda. A project's Makefile installs uv and SAM CLI by running this file
(``python3 toolchain.py uv``), so each tool is installed one way only; hence standard-library
imports only.
"""

from __future__ import annotations

import glob
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "COGNITO_LOCAL_VERSION",
    "MINISTACK_VERSION",
    "SAM_CLI_VERSION",
    "ToolError",
    "cache_dir",
    "cognito_local_command",
    "elf_architecture",
    "find_project_root",
    "find_rie",
    "foreign_binaries",
    "host_architecture",
    "ministack_python",
    "python313",
    "runtime_python",
    "sam_command",
    "sam_environment",
    "sam_parameter_overrides",
    "uv",
]

SAM_CLI_VERSION = "1.170.0"
# The local AWS `sam deploy` targets and the Cognito emulator the local flows use: both move fast,
# so pinned. ministack applies SAM's transform with aws-sam-translator, pinned to SAM CLI's own.
MINISTACK_VERSION = "1.5.33"
SAM_TRANSLATOR_VERSION = "1.115.0"
# ministack signs tokens with its pools' RSA keys (the ones its JWKS publishes) only when it can
# import cryptography; without it the signature is 32 random bytes no key verifies.
MINISTACK_CRYPTOGRAPHY_VERSION = "50.0.2"
COGNITO_LOCAL_VERSION = "5.3.0"
RUNTIME = "python3.13"


class ToolError(Exception):
    """A tool is missing or unusable; the message says how to get it."""


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder, from ``start`` up, that holds ``template.yaml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "template.yaml").is_file():
            return folder
    raise ToolError(f"no template.yaml in {here} or above: run this inside a SAM project")


def host_architecture() -> str:
    """The Lambda architecture name of this machine: the emulator runs host binaries."""
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    if machine in ("aarch64", "arm64"):
        return "arm64"
    raise ToolError(f"Lambda has no architecture for this machine ({machine})")


_ELF_MACHINES = {0x3E: "x86_64", 0xB7: "arm64"}


def elf_architecture(path: Path) -> str | None:
    """The Lambda architecture a compiled file is for (its ELF header), ``None`` if not ELF."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    machine = int.from_bytes(header[18:20], "little")
    return _ELF_MACHINES.get(machine, f"machine {machine:#x}")


def foreign_binaries(folder: Path, architecture: str) -> list[tuple[Path, str]]:
    """The compiled files under ``folder`` made for another machine than ``architecture``."""
    found = []
    for path in sorted(folder.rglob("*.so*")):
        machine = elf_architecture(path)
        if machine is not None and machine != architecture:
            found.append((path, machine))
    return found


def sam_environment() -> dict[str, str]:
    """SAM CLI without telemetry, instance-metadata probes or a read-only HOME."""
    env = dict(os.environ)
    env["SAM_CLI_TELEMETRY"] = "0"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    home = env.get("HOME", "")
    if not home or not os.access(home, os.W_OK):
        env["HOME"] = str(cache_dir() / "home")
        Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def cache_dir() -> Path:
    """Where the tools are installed, once per user and shared by every project:
    ``COGNITO_TRIGGERS_CACHE``, else ``$XDG_CACHE_HOME/cognito-triggers``, else
    ``~/.cache/cognito-triggers``. Several hundred MB (SAM CLI, Python 3.13, ministack)."""
    configured = os.environ.get("COGNITO_TRIGGERS_CACHE")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "cognito-triggers"


def _run_tool(command: list[str], env: dict[str, str] | None = None) -> str:
    """Run an installing command; its stdout, or :class:`ToolError` with its stderr."""
    try:
        result = subprocess.run(  # noqa: S603 - our own command line
            command, capture_output=True, text=True, check=False, env=env
        )
    except OSError as error:
        raise ToolError(f"{' '.join(command)} failed: {error}") from None
    if result.returncode != 0:
        raise ToolError(f"{' '.join(command)} failed:\n{result.stderr.strip()}")
    return result.stdout.strip()


def _say(message: str) -> None:
    print(f"cognito-triggers: {message}", file=sys.stderr)


def uv() -> str:
    """``uv``: the one running us (``UV``), on PATH, else the cache's ``uv/bin/uv``, installed
    there now from PyPI if missing (a venv holding uv: all it takes is a Python with ``venv``)."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found:
        return found
    venv = cache_dir() / "uv"
    local = venv / "bin" / "uv"
    if not local.is_file():
        _say(f"installing uv into {venv} (python -m venv, then pip install uv)")
        _run_tool([sys.executable, "-m", "venv", str(venv)])
        _run_tool([str(venv / "bin" / "pip"), "install", "--quiet", "uv"])
    return str(local)


def _sam_cli() -> Path:
    """SAM CLI at the pinned version in its own venv in the cache (installed if missing): kept
    out of the project's environment, whose packages it would pin."""
    venv = cache_dir() / "sam-cli"
    sam = venv / "bin" / "sam"
    if not sam.is_file():
        _say(f"installing aws-sam-cli=={SAM_CLI_VERSION} into {venv}")
        tool = uv()
        _run_tool([tool, "venv", "--quiet", "--allow-existing", str(venv)])
        _run_tool(
            [
                tool,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                f"aws-sam-cli=={SAM_CLI_VERSION}",
            ]
        )
    return sam


def sam_parameter_overrides(parameters: dict[str, str]) -> list[str]:
    """``--parameter-overrides`` values SAM CLI reads back as given: each value quoted, so that an
    empty value (``SesIdentity=``) or one with spaces is one parameter, not a format error."""
    if not parameters:
        return []
    quoted = []
    for name, value in parameters.items():
        escaped = value.replace('"', '\\"')
        quoted.append(f'{name}="{escaped}"')
    return ["--parameter-overrides", " ".join(quoted)]


def sam_command() -> list[str]:
    """``sam``: the pinned one in the cache, else ``sam`` on PATH, else the pinned one installed
    now."""
    local = cache_dir() / "sam-cli" / "bin" / "sam"
    if local.is_file():
        return [str(local)]
    on_path = shutil.which("sam")
    if on_path:
        return [on_path]
    return [str(_sam_cli())]


def _samcli_dirs() -> list[Path]:
    candidates = [
        Path(p)
        for p in glob.glob(str(cache_dir() / "sam-cli" / "lib" / "python3*" / "site-packages"))
    ]
    sam = shutil.which("sam")
    if sam:
        # A pip/uv-installed `sam` is a script whose first line names its interpreter.
        try:
            first = Path(sam).read_text(encoding="utf-8", errors="replace").splitlines()[0]
        except (OSError, IndexError):
            first = ""
        if first.startswith("#!") and "python" in first:
            interpreter = first[2:].strip().split()[0]
            try:
                out = subprocess.run(  # noqa: S603 - the interpreter of the user's own sam
                    [
                        interpreter,
                        "-c",
                        "import samcli, os; print(os.path.dirname(samcli.__file__))",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                ).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                out = ""
            if out:
                candidates.append(Path(out).parent)
    return candidates


def find_rie(architecture: str | None = None) -> Path:
    """The emulator binary for this machine, from ``COGNITO_TRIGGERS_RIE`` or SAM CLI's package.

    Its place inside SAM CLI is not a public interface, hence the pinned SAM CLI version.
    """
    configured = os.environ.get("COGNITO_TRIGGERS_RIE")
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ToolError(f"COGNITO_TRIGGERS_RIE={configured} is not an executable file")
        return path
    name = f"aws-lambda-rie-{architecture or host_architecture()}"
    for attempt in range(2):
        for site in _samcli_dirs():
            path = site / "samcli" / "local" / "rapid" / name
            if path.is_file():
                if not os.access(path, os.X_OK):
                    path.chmod(path.stat().st_mode | 0o111)
                return path
        if attempt == 0:
            _sam_cli()  # no usable SAM CLI yet: the pinned one, whose package holds it
    raise ToolError(
        f"the Lambda Runtime Interface Emulator ({name}) was not found: it ships inside the "
        f"aws-sam-cli=={SAM_CLI_VERSION} package (in {cache_dir() / 'sam-cli'}); point "
        "COGNITO_TRIGGERS_RIE at the binary if your SAM CLI is another"
    )


def _version_of(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(  # noqa: S603 - probing a candidate interpreter
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.stdout.split()
    if out.returncode != 0 or len(parts) != 2:
        return None
    return int(parts[0]), int(parts[1])


def _uv_python_environment() -> dict[str, str]:
    """uv's Python downloads go to the cache's ``python/``, beside the other tools."""
    return {**os.environ, "UV_PYTHON_INSTALL_DIR": str(cache_dir() / "python")}


def python313() -> str:
    """A CPython 3.13 interpreter (the Lambda runtime's version) with pip, for ``sam build``:
    ``COGNITO_TRIGGERS_PYTHON313``, else found by path, else one uv finds or installs."""
    configured = os.environ.get("COGNITO_TRIGGERS_PYTHON313")
    if configured:
        if _version_of(configured) != (3, 13):
            raise ToolError(f"COGNITO_TRIGGERS_PYTHON313={configured} is not a Python 3.13")
        return configured
    candidates: list[str] = []
    on_path = shutil.which("python3.13")
    if on_path:
        candidates.append(on_path)
    home = Path.home()
    candidates += sorted(
        glob.glob(str(home / ".pyenv" / "versions" / "3.13*" / "bin" / "python3.13")),
        reverse=True,  # the newest patch release first
    )
    candidates += sorted(
        glob.glob(str(cache_dir() / "python" / "cpython-3.13*" / "bin" / "python3.13")),
        reverse=True,
    )
    candidates += ["/usr/bin/python3.13", "/usr/local/bin/python3.13"]
    if sys.version_info[:2] == (3, 13):
        candidates.append(sys.executable)
    for candidate in candidates:
        if Path(candidate).exists() and _version_of(candidate) == (3, 13):
            return str(Path(candidate).resolve())
    tool, env = uv(), _uv_python_environment()
    _say(f"no Python 3.13 found: installing one with uv into {env['UV_PYTHON_INSTALL_DIR']}")
    _run_tool([tool, "python", "install", "3.13"], env)
    found = _run_tool([tool, "python", "find", "3.13"], env)
    if _version_of(found) != (3, 13):
        raise ToolError(
            "Python 3.13 (the Lambda runtime's version) was not found and uv could not install "
            "it: install it (pyenv, your OS packages) or set COGNITO_TRIGGERS_PYTHON313"
        )
    return found


def _pinned(package: str, fallback: str) -> str:
    try:
        return f"{package}=={importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return fallback


def runtime_python(*, quiet: bool = False) -> str:
    """Python 3.13 with awslambdaric and boto3 (what the Lambda runtime provides), in
    the cache's ``lambda-runtime``; made with uv on first use. ``COGNITO_TRIGGERS_RUNTIME_PYTHON``
    names one to use instead."""
    configured = os.environ.get("COGNITO_TRIGGERS_RUNTIME_PYTHON")
    if configured:
        return configured
    venv = cache_dir() / "lambda-runtime"
    python = venv / "bin" / "python"
    marker = venv / ".ready"
    packages = [_pinned("awslambdaric", "awslambdaric"), _pinned("boto3", "boto3")]
    wanted = " ".join(packages)
    if python.exists() and marker.is_file() and marker.read_text() == wanted:
        return str(python)
    if not quiet:
        _say(f"preparing {venv} ({wanted})")
    tool, base = uv(), python313()
    _run_tool([tool, "venv", "--quiet", "--allow-existing", "--python", base, str(venv)])
    _run_tool([tool, "pip", "install", "--quiet", "--python", str(python), *packages])
    marker.write_text(wanted)
    return str(python)


def ministack_python() -> str:
    """The Python of the cache's ``ministack``: a 3.13 (ministack runs Python functions with its own
    interpreter, so it must be the runtime's) holding ministack, aws-sam-translator, cryptography
    (so its tokens are signed with the keys its JWKS shows) and boto3 at ministack's botocore
    version (the Lambda runtime provides boto3). Made with uv on first use."""
    venv = cache_dir() / "ministack"
    python = venv / "bin" / "python"
    marker = venv / ".ready"
    wanted = (
        f"ministack=={MINISTACK_VERSION} aws-sam-translator=={SAM_TRANSLATOR_VERSION} "
        f"cryptography=={MINISTACK_CRYPTOGRAPHY_VERSION}"
    )
    if python.exists() and marker.is_file() and marker.read_text() == wanted:
        return str(python)
    _say(f"installing {wanted} (and boto3) into {venv}")
    tool, base = uv(), python313()
    _run_tool([tool, "venv", "--quiet", "--allow-existing", "--python", base, str(venv)])
    install = [tool, "pip", "install", "--quiet", "--python", str(python)]
    _run_tool([*install, *wanted.split()])
    botocore = _run_tool(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('botocore'))"]
    )
    _run_tool([*install, f"boto3=={botocore}"])  # boto3 and botocore release in lockstep
    marker.write_text(wanted)
    return str(python)


def cognito_local_command() -> list[str]:
    """``node <cognito-local>``: the pinned cognito-local from npm, installed into
    the cache's ``cognito-local`` on first use. Needs Node.js (``node`` and ``npm`` on PATH)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise ToolError(
            "cognito-local needs Node.js (node and npm on PATH): install it, e.g. "
            "`apt-get install nodejs npm`"
        )
    prefix = cache_dir() / "cognito-local"
    package = prefix / "node_modules" / "cognito-local"
    start = package / "lib" / "bin" / "start.js"
    manifest = package / "package.json"
    installed = ""
    if start.is_file() and manifest.is_file():
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version", "")
    if installed != COGNITO_LOCAL_VERSION:
        _say(f"installing cognito-local@{COGNITO_LOCAL_VERSION} into {prefix} (npm)")
        prefix.mkdir(parents=True, exist_ok=True)
        _run_tool(
            [
                npm,
                "install",
                "--prefix",
                str(prefix),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"cognito-local@{COGNITO_LOCAL_VERSION}",
            ]
        )
    return [node, str(start)]


if __name__ == "__main__":
    # `python3 toolchain.py uv|sam|python3.13`: how a Makefile gets its tools (prints the path).
    _tools = {"uv": uv, "sam": _sam_cli, "python3.13": python313}
    _tool = sys.argv[1] if len(sys.argv) == 2 else ""
    if _tool not in _tools:
        sys.exit(f"usage: {Path(sys.argv[0]).name} {'|'.join(_tools)}")
    try:
        print(_tools[_tool]())
    except ToolError as _error:
        sys.exit(f"cognito-triggers: error: {_error}")
