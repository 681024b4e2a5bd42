"""A local AWS on 127.0.0.1 that ``sam deploy`` can target: ministack (pinned, installed into
the tools' cache by the toolchain), its CloudFormation applying SAM's transform and its Lambda
running Python functions as local processes, without Docker.

What a deployed stack's functions did is read back from the local AWS itself: each invocation
writes ``START``/``REPORT`` lines to the function's CloudWatch Logs group, and the router's
metrics (CloudWatch's embedded metric format) name the ``triggerSource`` and its outcome.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cfn import load_template
from .emulator import _free_port
from .host_build import built_template, host_parameters
from .outcome import logged_cause
from .toolchain import (
    MINISTACK_VERSION,
    ToolError,
    ministack_python,
    sam_command,
    sam_environment,
    sam_parameter_overrides,
)

__all__ = [
    "REGION",
    "DeployedStack",
    "FunctionRun",
    "Ministack",
    "ministack",
    "sam_deploy",
    "sigterm_as_interrupt",
    "stop_and_remove",
    "stop_process_group",
]

REGION = "us-east-1"
# The local AWS accepts any credentials; real-looking dummies keep SDKs from searching for others.
_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
_OUTCOMES = ("Handled", "Denied", "Failed", "Unhandled")  # the router's per-source metrics
_REPORT = re.compile(r"^REPORT RequestId: \S+\s+Duration: (?P<ms>[\d.]+) ms")
# The router's failure record as plain text: ministack's workers run the handler without Lambda's
# runtime, so nothing writes `logging` records as JSON there and Python prints them bare.
_ROUTER_FAILURE = re.compile(r"^cognito-triggers: \S+ failed with \w+")
# A function that fails before its handler runs (its module raised at import: init) writes
# nothing to its log group in ministack; ministack's own log names the function and the error.
_WORKER_ERROR = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ERROR \[[^]]*\] "
    r"Warm worker execution error for (?P<name>\S+): (?P<message>.*)$"
)


@dataclass(frozen=True)
class Ministack:
    """ministack running: its address, and clients and processes pointed at it."""

    url: str
    region: str = REGION
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, compare=False, repr=False)

    def exited(self) -> str | None:
        """Why ministack is no longer running (its status and last log lines), else ``None``."""
        if self.process is None or self.process.poll() is None:
            return None
        tail = _log_tail(self.log, 15) if self.log else ""
        return f"the local AWS exited (status {self.process.returncode})" + (
            f":\n{tail}" if tail else ""
        )

    def environment(self) -> dict[str, str]:
        """For a process whose AWS calls (SDKs, SAM CLI) must reach this local AWS."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            **_CREDENTIALS,
        }

    def client(self, service: str) -> Any:
        import boto3  # the dev environment's; imported here so the CLI starts without it

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def get(self, path: str) -> Any:
        """The JSON the local AWS answers to a GET of ``path``."""
        with urllib.request.urlopen(self.url + path, timeout=10) as reply:  # noqa: S310 - loopback
            return json.loads(reply.read())

    def sent_emails(self) -> list[dict[str, Any]]:
        """Every e-mail the local SES has accepted, oldest first (ministack keeps them)."""
        by_account = self.get("/_ministack/ses/messages").get("messages", {})
        messages = [m for account in by_account.values() for m in account]
        return sorted(messages, key=lambda m: float(m.get("Timestamp", 0)))


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _scratch_parent() -> str | None:
    """Memory-backed ``/dev/shm`` when there is one: ministack unzips every function (thousands
    of small files) there, and removing them from a disk mounted with ``discard`` takes minutes."""
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp inside it
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


@contextmanager
def ministack(
    root: Path, *, log: Path | None = None, port: int = 0, timeout: float = 60.0
) -> Iterator[Ministack]:
    """ministack on a loopback port (a free one unless given) for as long as the ``with`` lasts;
    every process it started (its Lambda workers included) is stopped at the end, also on errors
    and Ctrl-C."""
    python = ministack_python()
    port = port or _free_port()
    scratch = Path(tempfile.mkdtemp(prefix="cognito-triggers-ministack-", dir=_scratch_parent()))
    log = log or scratch / "ministack.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "TMPDIR": str(scratch),  # its pid file, function folders and caches: removed at the end
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_REGION": REGION,
        "LAMBDA_EXECUTOR": "local",  # functions as local processes, never Docker
        "IOT_MTLS_ENABLED": "0",  # no MQTT listener on 0.0.0.0:8883
        "SFTP_ENABLED": "0",
        "LOG_LEVEL": "INFO",
        # A pre token generation error refuses the tokens, as in AWS; by default ministack
        # ignores it and issues them anyway.
        "MINISTACK_COGNITO_PRETOKEN_STRICT": "1",
        **_CREDENTIALS,
    }
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [python, "-m", "ministack"],
            cwd=scratch,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: its workers stop with it
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise ToolError(
                    f"the local AWS (ministack {MINISTACK_VERSION}) exited at start "
                    f"(status {process.returncode}):\n{_log_tail(log)}"
                )
            try:
                with urllib.request.urlopen(f"{url}/_ministack/ready", timeout=1) as reply:  # noqa: S310
                    if json.loads(reply.read()).get("status") == "completed":
                        break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise ToolError(f"the local AWS did not answer on {url} in {timeout:.0f} s")
            time.sleep(0.1)
        yield Ministack(url, log=log, process=process)
    finally:
        stop_and_remove(process, scratch)


def stop_and_remove(process: subprocess.Popen[bytes], folder: Path, grace: float = 10.0) -> None:
    """Stop ``process``'s group, then remove its scratch ``folder``, with Ctrl-C and SIGTERM held
    off until both are done: under ``uv run`` a terminal's Ctrl-C reaches the tools twice (from
    the terminal and passed on by uv), and the second, raised inside this cleanup, would leave
    processes or ministack's unzipped functions behind."""
    with _signals_held():
        stop_process_group(process, grace)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals, and only it may set their handlers
        return
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM to the process group of ``process`` (started with ``start_new_session``), SIGKILL
    to whatever is left after ``grace`` seconds or once the leader is gone."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        with contextlib.suppress(ProcessLookupError):  # the server is gone; its workers may not
            os.killpg(process.pid, signal.SIGKILL)
        break


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt for the ``with``, as Ctrl-C does, so that the cleanup that
    stops every process started runs either way (in the main thread; elsewhere it cannot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- sam deploy ------------------------------------------------------------------------------


@dataclass
class FunctionRun:
    """One invocation of a deployed function, as its CloudWatch Logs tell it."""

    logical_id: str
    timestamp: int
    """Milliseconds since the epoch, when its ``START`` line was written."""
    source: str = ""
    """The ``triggerSource`` the router's metrics name (empty if the function wrote none)."""
    outcome: str = ""
    """``handled``, ``denied``, ``failed`` or ``unhandled`` (the router's metric), or ``""``."""
    metrics: list[str] = field(default_factory=list)
    """The application's own metrics of this invocation (``SignUpAutoConfirmed``...)."""
    duration_ms: float | None = None
    cold: bool = False
    """The ``ColdStart`` metric was written: a new execution environment."""
    errors: list[str] = field(default_factory=list)
    """What went wrong, as the function's log tells it: the exception it raised (type and
    message, from its traceback), the ``ERROR`` records it logged, or its failed init."""
    request_id: str = ""
    """The ``RequestId`` of its ``START`` line: with the timestamp, what tells two runs apart."""

    @property
    def failed(self) -> bool:
        """The function raised or failed to start, whatever metrics it writes (or none)."""
        return self.outcome == "failed" or bool(self.errors)

    def describe(self) -> str:
        """One line: the trigger, the function, how it ended and what it logged went wrong."""
        source = self.source or "(no trigger metrics)"
        outcome = self.outcome or ("failed" if self.failed else "ran")
        extra = f" [{', '.join(self.metrics)}]" if self.metrics else ""
        took = f", {self.duration_ms:.0f} ms" if self.duration_ms is not None else ""
        cold = " (cold)" if self.cold else ""
        errors = f"; error: {'; '.join(self.errors)}" if self.errors else ""
        return f"{source} -> {self.logical_id}: {outcome}{extra}{took}{cold}{errors}"


@dataclass
class DeployedStack:
    """What ``sam deploy`` made: the stack's outputs and its resources' physical ids."""

    aws: Ministack
    name: str
    outputs: dict[str, str]
    resources: dict[str, str]
    """Logical id -> physical id."""
    types: dict[str, str]
    """Logical id -> resource type."""
    seconds: float
    """How long ``sam deploy`` took, upload and stack creation."""

    @property
    def functions(self) -> dict[str, str]:
        """Logical id -> function name, of every ``AWS::Lambda::Function`` in the stack."""
        return {
            logical_id: self.resources[logical_id]
            for logical_id, kind in self.types.items()
            if kind == "AWS::Lambda::Function"
        }

    def runs_since(self, timestamp_ms: int) -> list[FunctionRun]:
        """Every invocation of the stack's functions that started at or after ``timestamp_ms``,
        oldest first."""
        logs = self.aws.client("logs")
        runs: list[FunctionRun] = []
        for logical_id, name in self.functions.items():
            try:
                pages = logs.get_paginator("filter_log_events").paginate(
                    logGroupName=f"/aws/lambda/{name}", startTime=timestamp_ms
                )
                events = [e for page in pages for e in page.get("events", [])]
            except logs.exceptions.ResourceNotFoundException:
                continue  # never invoked: no log group yet
            found = _parse_runs(logical_id, events)
            _add_worker_errors(found, self.aws.log, name)
            runs += found
        return sorted(runs, key=lambda r: r.timestamp)


def _worker_errors(log: Path | None, function_name: str) -> list[tuple[float, str]]:
    """(seconds since the epoch, message) of each failure ministack logged for the function."""
    if log is None:
        return []
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        match = _WORKER_ERROR.match(line)
        if match and match.group("name") == function_name:
            when = time.mktime(time.strptime(match.group("time"), "%Y-%m-%d %H:%M:%S"))
            found.append((when, match.group("message")))
    return found


def _add_worker_errors(runs: list[FunctionRun], log: Path | None, function_name: str) -> None:
    """A run that logged nothing of its own and that ministack says failed (at init: the
    function's module raised on import) gets that error; each logged failure goes to the closest
    such run, within the two seconds the log's resolution allows."""
    silent = [run for run in runs if not run.source and not run.errors and not run.metrics]
    failures = _worker_errors(log, function_name) if silent else []
    for run in silent:
        near = [f for f in failures if abs(f[0] - run.timestamp / 1000) <= 2.0]
        if near:
            closest = min(near, key=lambda f: abs(f[0] - run.timestamp / 1000))
            failures.remove(closest)
            run.errors.append(f"init failed: {closest[1]}")


def _parse_runs(logical_id: str, events: list[dict[str, Any]]) -> list[FunctionRun]:
    runs: list[FunctionRun] = []
    logs: list[list[str]] = []
    for event in sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("eventId", ""))):
        message = str(event.get("message", ""))
        if message.startswith("START RequestId:"):
            request_id = "".join(message.removeprefix("START RequestId:").split()[:1])
            runs.append(
                FunctionRun(logical_id, int(event.get("timestamp", 0)), request_id=request_id)
            )
            logs.append([])
            continue
        if not runs:
            continue
        run = runs[-1]
        logs[-1].append(message)
        if report := _REPORT.match(message):
            run.duration_ms = float(report.group("ms"))
            continue
        try:
            record = json.loads(message)
        except ValueError:
            if failure := _ROUTER_FAILURE.match(message):
                run.errors.append(failure.group())
            continue
        if not isinstance(record, dict):
            continue
        if record.get("level") == "ERROR":
            run.errors.append(str(record.get("message", "")))
        emf = record.get("_aws")
        if isinstance(emf, dict) and "ColdStart" in record:
            run.cold = True
        if isinstance(emf, dict) and isinstance(record.get("TriggerSource"), str):
            run.source = record["TriggerSource"]
            for directive in emf.get("CloudWatchMetrics", []):
                for metric in directive.get("Metrics", []):
                    name = str(metric.get("Name", ""))
                    if name in _OUTCOMES:
                        run.outcome = name.lower()
                    elif name not in run.metrics:
                        run.metrics.append(name)
    for run, lines in zip(runs, logs, strict=True):
        # The exception itself, from its traceback, whatever the function writes for metrics.
        cause = logged_cause(lines)
        refusal = cause is not None and (cause == "Deny" or cause.startswith("Deny: "))
        # A Deny is the trigger refusing (the ``denied`` outcome), not the function failing.
        if cause and not refusal and not any(cause in error for error in run.errors):
            run.errors.append(cause)
    return runs


def _stack_events_failed(aws: Ministack, stack_name: str) -> list[str]:
    try:
        events = aws.client("cloudformation").describe_stack_events(StackName=stack_name)
    except Exception:  # best effort, for the error message only
        return []
    return [
        f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason', '?')}"
        for e in events.get("StackEvents", [])
        if str(e.get("ResourceStatus", "")).endswith("_FAILED")
    ]


def sam_deploy(
    root: Path,
    aws: Ministack,
    *,
    stack_name: str,
    parameters: Mapping[str, str],
    log: Path,
) -> DeployedStack:
    """``sam deploy`` of ``root``'s build to ``aws``, as a user deploys (an S3 bucket resolved by
    SAM, a change set, CloudFormation), building first where the build is missing or older than
    its sources; the parameters that set an architecture are this machine's, as the build's are.
    Its output goes to ``log``."""
    built = load_template(built_template(root, log.with_name("sam-build.log")))
    built.parameter_overrides = dict(parameters)
    parameters = host_parameters(built)
    command = [
        *sam_command(),
        "deploy",
        "--stack-name",
        stack_name,
        "--resolve-s3",
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-confirm-changeset",
        "--no-fail-on-empty-changeset",
        "--no-progressbar",
        "--region",
        aws.region,
        *sam_parameter_overrides(parameters),
    ]
    env = {**sam_environment(), **aws.environment()}
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as sink:
        sink.write(" ".join(command) + "\n")
        sink.flush()
        status = subprocess.run(  # noqa: S603 - our own command line
            command, cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT, check=False
        ).returncode
    seconds = time.perf_counter() - started
    if status != 0:
        failed = _stack_events_failed(aws, stack_name)
        why = "\n".join(f"  {f}" for f in failed) or _log_tail(log, 15)
        raise ToolError(
            f"sam deploy to the local AWS failed (status {status}):\n{why}\n(log: {log})"
        )
    cloudformation = aws.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    summaries = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
    resources: dict[str, str] = {}
    types: dict[str, str] = {}
    for page in summaries:
        for resource in page["StackResourceSummaries"]:
            resources[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
            types[resource["LogicalResourceId"]] = resource["ResourceType"]
    return DeployedStack(aws, stack_name, outputs, resources, types, seconds)
