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

from .emulator import _free_port
from .toolchain import (
    MINISTACK_VERSION,
    ToolError,
    ministack_python,
    sam_command,
    sam_environment,
)

__all__ = [
    "REGION",
    "DeployedStack",
    "FunctionRun",
    "Ministack",
    "ministack",
    "sam_deploy",
    "sigterm_as_interrupt",
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


@dataclass(frozen=True)
class Ministack:
    """ministack running: its address, and clients and processes pointed at it."""

    url: str
    region: str = REGION
    log: Path | None = None

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

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as reply:  # noqa: S310 - loopback
            return json.loads(reply.read())

    def sent_emails(self) -> list[dict[str, Any]]:
        """Every e-mail the local SES has accepted, oldest first (ministack keeps them)."""
        by_account = self._get("/_ministack/ses/messages").get("messages", {})
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
def ministack(root: Path, *, log: Path | None = None, timeout: float = 60.0) -> Iterator[Ministack]:
    """ministack on a free loopback port for as long as the ``with`` lasts; every process it
    started (its Lambda workers included) is stopped at the end, also on errors and Ctrl-C."""
    python = ministack_python()
    port = _free_port()
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
        yield Ministack(url, log=log)
    finally:
        stop_process_group(process)
        shutil.rmtree(scratch, ignore_errors=True)


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
    """Messages of the ``ERROR`` records the function logged."""


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
            runs += _parse_runs(logical_id, events)
        return sorted(runs, key=lambda r: r.timestamp)


def _parse_runs(logical_id: str, events: list[dict[str, Any]]) -> list[FunctionRun]:
    runs: list[FunctionRun] = []
    for event in sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("eventId", ""))):
        message = str(event.get("message", ""))
        if message.startswith("START RequestId:"):
            runs.append(FunctionRun(logical_id, int(event.get("timestamp", 0))))
            continue
        if not runs:
            continue
        run = runs[-1]
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
    """``sam deploy`` of the build in ``.aws-sam/build`` to ``aws``, as a user deploys (an S3
    bucket resolved by SAM, a change set, CloudFormation); its output goes to ``log``."""
    if not (root / ".aws-sam" / "build" / "template.yaml").is_file():
        raise ToolError("no build to deploy: run `cognito-triggers build` (make build) first")
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
        "--parameter-overrides",
        *(f"{name}={value}" for name, value in parameters.items()),
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
