"""``cognito-triggers run`` (``make run``): every sample event in ``events/`` through the function
the template wires for its trigger, under the Lambda emulator, summed up in a table.

Functions that call AWS get a local AWS: a moto server on 127.0.0.1, seeded by the project's
``scripts/seed_local_aws.py`` (``seed(endpoint_url, template, events_dir) -> event overrides``),
its address handed to the functions as ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from ..sources import TriggerFamily
from .check import check_template
from .emulator import (
    EmulatedFunction,
    EventFileError,
    find_built_function,
    load_source_template,
    read_event_file,
)
from .toolchain import ToolError, uv

__all__ = ["local_aws", "run_samples"]

SEED_SCRIPT = Path("scripts") / "seed_local_aws.py"


def _moto_command(root: Path, port: int) -> list[str]:
    """moto's server from this environment when it has the server's extras, else moto[server]
    (at this environment's moto version) run by uv, which is installed if missing."""
    if importlib.util.find_spec("flask") is not None and importlib.util.find_spec("moto"):
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    try:
        version = f"=={importlib.metadata.version('moto')}"
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return [
        uv(root),
        "tool",
        "run",
        "--from",
        f"moto[server]{version}",
        "moto_server",
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]


@contextmanager
def local_aws(root: Path, timeout: float = 60.0) -> Iterator[str]:
    """A moto server on a free loopback port, for as long as the ``with`` lasts."""
    from .emulator import _free_port

    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own command line
        _moto_command(root, port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise ToolError(f"the local AWS (moto server) did not start:\n{error[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise ToolError("the local AWS (moto server) did not answer in time") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _seed(root: Path, url: str, events_dir: Path) -> dict[str, Any]:
    script = root / SEED_SCRIPT
    if not script.is_file():
        return {}
    spec = importlib.util.spec_from_file_location("_cognito_triggers_seed", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    overrides: dict[str, Any] = module.seed(url, load_source_template(root), events_dir)
    return overrides


def _outcome(error: str | None) -> str:
    if error is None:
        return "ok"
    kind, _, message = error.partition(": ")
    if kind == "Deny":
        return f"denied: {message}"
    return f"error: {error}"


def _print_table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("function", "source", "outcome", "duration")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    widths[2] = min(widths[2], 70)

    def line(row: tuple[str, str, str, str]) -> str:
        cells = [row[i][: widths[i]].ljust(widths[i]) for i in range(3)]
        return "  ".join([*cells, row[3].rjust(widths[3])]).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def run_samples(
    root: Path, *, events_dir: Path | None = None, local_aws_server: bool = True
) -> int:
    events_dir = events_dir or root / "events"
    files = sorted(events_dir.glob("*.json"))
    if not files:
        raise ToolError(f"no sample events (*.json) in {events_dir}")
    template = load_source_template(root)
    _, wires = check_template(template)
    function_of = {w.family: w.function for w in wires}
    rows: list[tuple[str, str, str, str]] = []
    failures = 0
    with ExitStack() as stack:
        environment: dict[str, str] = {}
        overrides: dict[str, Any] = {}
        if local_aws_server:
            url = stack.enter_context(local_aws(root))
            environment = {
                "AWS_ENDPOINT_URL": url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
            }
            saved = {k: os.environ.get(k) for k in environment}
            os.environ.update(environment)
            try:
                overrides = _seed(root, url, events_dir)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        running: dict[str, EmulatedFunction] = {}
        for path in files:
            try:
                event = read_event_file(path)
            except EventFileError as error:
                rows.append(("-", path.name, f"error: {error}", "-"))
                failures += 1
                continue
            source = str(event.get("triggerSource", ""))
            family = TriggerFamily.of(source)
            fn = function_of.get(family) if family else None
            if fn is None:
                key = family.lambda_config_key if family else "?"
                rows.append(("-", source, f"skipped: {key} is not wired in template.yaml", "-"))
                continue
            if fn not in running:
                built = find_built_function(root, fn)
                running[fn] = stack.enter_context(
                    EmulatedFunction(root, built, extra_environment=environment)
                )
            result = running[fn].invoke({**event, **overrides})
            outcome = _outcome(result.error)
            if outcome.startswith("error"):
                failures += 1
                for line in result.log:
                    print(f"  {fn} | {line}", file=sys.stderr)
            rows.append((fn, source, outcome, f"{result.duration * 1000:.0f} ms"))
    _print_table(rows)
    ran = sum(1 for r in rows if r[3] != "-")
    skipped = sum(1 for r in rows if r[2].startswith("skipped"))
    print(f"\n{ran} invoked, {skipped} skipped (trigger not wired), {failures} failed")
    return 1 if failures else 0
