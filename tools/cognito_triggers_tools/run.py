"""``cognito-triggers run`` (``make run``): every sample event in ``events/`` through the function
the template wires for its trigger, under the Lambda emulator, summed up in a table: per event
file, the function, the handler that ran, the outcome and what changed in the response.

Functions that call AWS get a local AWS: a moto server on 127.0.0.1, seeded by the project's
``scripts/seed_local_aws.py`` (``seed(endpoint_url, template, events_dir) -> event overrides``),
its address handed to the functions as ``AWS_ENDPOINT_URL``. Two keys of the overrides are not
event fields: ``bySource`` (fields for one ``triggerSource``'s events, merged one level deep) and
``functionEnvironment`` (variables for one function, by logical id).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cognito_triggers.sources import TriggerFamily

from .check import check_template
from .emulator import (
    EmulatedFunction,
    Invocation,
    find_built_function,
    load_source_template,
)
from .inputs import InputError, read_event_file
from .outcome import outcome_of
from .toolchain import ToolError, uv

__all__ = ["LocalAws", "local_aws", "run_samples", "seeded_local_aws"]

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
        uv(),
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


@dataclass
class LocalAws:
    environment: dict[str, str]
    """For the functions: the endpoint and dummy credentials."""
    overrides: dict[str, Any]
    """Event fields the seed decided (moto picks its own user pool id)."""
    by_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per ``triggerSource``, fields merged one level deep (a sender's encrypted ``code``)."""
    function_environment: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per function, variables the template sets from resources (``!GetAtt Key.Arn``)."""

    def environment_of(self, function: str) -> dict[str, str]:
        return {**self.environment, **self.function_environment.get(function, {})}

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` as it would arrive from the seeded stack."""
        sent = {**event, **self.overrides}
        for key, value in self.by_source.get(str(event.get("triggerSource")), {}).items():
            inner = sent.get(key)
            sent[key] = {**inner, **value} if isinstance(inner, dict) else value
        return sent


@contextmanager
def seeded_local_aws(root: Path) -> Iterator[LocalAws]:
    """The local AWS a function's own AWS calls reach, seeded with what the deployed stack holds
    (``scripts/seed_local_aws.py``, with the users and clients of the project's ``events/``)."""
    with local_aws(root) as url:
        environment = {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        saved = {k: os.environ.get(k) for k in environment}
        os.environ.update(environment)
        try:
            overrides = _seed(root, url, root / "events")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        yield LocalAws(
            environment,
            overrides,
            by_source=overrides.pop("bySource", {}),
            function_environment=overrides.pop("functionEnvironment", {}),
        )


@dataclass
class _Row:
    event_file: str
    function: str
    handler: str
    duration: str
    result: str
    details: list[str] = field(default_factory=list)


_HEADER = _Row("event file", "function", "handler", "time", "outcome")
_MAX_CHANGES = 8  # lines of changes shown per event


def _row(path: Path, function: str, sent: dict[str, Any], invocation: Invocation) -> _Row:
    outcome = outcome_of(sent, invocation)
    details = [f"cause: {outcome.cause}"] if outcome.cause else []
    shown = outcome.changes[:_MAX_CHANGES]
    details += shown
    if len(outcome.changes) > len(shown):
        details.append(f"... {len(outcome.changes) - len(shown)} more changes")
    if outcome.result == "ok" and not outcome.changes:
        details.append("response unchanged")
    return _Row(
        path.name,
        function,
        outcome.handler or "(not logged)",
        f"{invocation.duration * 1000:.0f} ms",
        outcome.result,
        details,
    )


def _print_table(rows: list[_Row]) -> None:
    columns = ("event_file", "function", "handler", "duration")
    widths = {c: max(len(getattr(r, c)) for r in [_HEADER, *rows]) for c in columns}

    def line(row: _Row) -> str:
        cells = [getattr(row, c).ljust(widths[c]) for c in columns[:-1]]
        return "  ".join([*cells, row.duration.rjust(widths["duration"]), row.result]).rstrip()

    print(line(_HEADER))
    print("  ".join("-" * w for w in [*widths.values(), len(_HEADER.result)]))
    for row in rows:
        print(line(row))
        for detail in row.details:
            print(f"    {detail}")


def run_samples(
    root: Path, *, events_dir: Path | None = None, local_aws_server: bool = True
) -> int:
    """Every ``*.json`` of ``events_dir`` through the function wired for its trigger; a table of
    what happened (handler, outcome, changes to the response); 1 if any invocation failed."""
    events_dir = events_dir or root / "events"
    files = sorted(events_dir.glob("*.json"))
    if not files:
        raise ToolError(f"no sample events (*.json) in {events_dir}")
    _, wires = check_template(load_source_template(root))
    function_of = {w.family: w.function for w in wires if w.function is not None}
    unresolved = {w.family: w.unresolved for w in wires if w.unresolved is not None}
    rows: list[_Row] = []
    failures = skipped = 0
    with ExitStack() as stack:
        aws = stack.enter_context(seeded_local_aws(root)) if local_aws_server else LocalAws({}, {})
        running: dict[str, EmulatedFunction] = {}
        for path in files:
            try:
                event = read_event_file(path)
            except InputError as error:
                rows.append(_Row(path.name, "-", "-", "-", f"error: {error}"))
                failures += 1
                continue
            source = str(event.get("triggerSource", ""))
            family = TriggerFamily.of(source)
            fn = function_of.get(family) if family else None
            if fn is None:
                if family is None:
                    why = f"{source!r} is no trigger's source"
                elif family in unresolved:
                    why = f"{family.lambda_config_key}: {unresolved[family]}"
                else:
                    why = f"{family.lambda_config_key} is not wired in template.yaml"
                rows.append(_Row(path.name, "-", "-", "-", f"skipped: {why}"))
                skipped += 1
                continue
            if fn not in running:
                built = find_built_function(root, fn)
                running[fn] = stack.enter_context(
                    EmulatedFunction(root, built, extra_environment=aws.environment_of(fn))
                )
            sent = aws.event(event)
            try:
                invocation = running[fn].invoke(sent)
            except ToolError as error:  # its emulator died; the next event gets a new one
                said, *details = str(error).splitlines()
                rows.append(_Row(path.name, fn, "-", "-", f"error: {said}", details))
                failures += 1
                continue
            row = _row(path, fn, sent, invocation)
            if row.result.startswith("error"):
                failures += 1
                for line in invocation.log:
                    print(f"  {fn} | {line}", file=sys.stderr)
            rows.append(row)
    _print_table(rows)
    unrun = sorted({w.function for w in wires if w.function} - {row.function for row in rows})
    if unrun:
        print(
            f"\nwired, but no event of {events_dir.name}/ reached: {', '.join(unrun)} "
            "(`cognito-triggers events new <triggerSource>` makes one)"
        )
    ran = sum(1 for row in rows if row.function != "-")
    print(f"\n{ran} invoked, {skipped} skipped (reached no function), {failures} failed")
    if skipped:
        # An event meant for a function that did not run is a test that did not happen.
        print(
            f"cognito-triggers: error: {skipped} event file(s) of {events_dir} reached no "
            "function (the rows say why): wire its trigger, or remove the file",
            file=sys.stderr,
        )
    if ran == 0:
        # A green run that ran nothing would pass CI having checked nothing.
        print(
            f"cognito-triggers: error: no event of {events_dir} reached a function: wire its "
            "trigger in template.yaml (`cognito-triggers check` says how)",
            file=sys.stderr,
        )
        return 1
    return 1 if failures or skipped else 0
