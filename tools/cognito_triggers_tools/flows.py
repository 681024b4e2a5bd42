"""``cognito-triggers flows`` (``make run``): the application deployed for real to a local AWS and
the Cognito flows a user cares about played against it, told as a readable report.

1. ministack (the local AWS) starts on 127.0.0.1 and ``sam deploy`` deploys the build to it.
2. The project's scenarios (``scripts/local_flows.py``, ``deployed(play)``) sign users up and in
   with boto3 and HTTP against the deployed pool. Each step lists the triggers that fired, read
   back from the functions' CloudWatch Logs in the local AWS. Triggers the local AWS does not
   fire are invoked on the deployed functions through its Lambda Invoke API, and say so.
3. cognito-local fires what ministack cannot (PostConfirmation, PostAuthentication,
   UserMigration), calling the built functions through ``start-lambda``; the scenarios'
   ``cognito_local(play)`` plays those flows.

Every process started is stopped at the end, on failure and Ctrl-C too. A failed step says why
and makes the exit status 1. Logs of the tools go to ``.aws-sam/local/``.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TextIO

from .emulator import _free_port, load_source_template
from .local_deploy import (
    DeployedStack,
    FunctionRun,
    Ministack,
    ministack,
    sam_deploy,
    sigterm_as_interrupt,
)
from .outcome import changes
from .start_lambda import InvocationRecord, LambdaInvokeServer
from .toolchain import (
    COGNITO_LOCAL_VERSION,
    MINISTACK_VERSION,
    ToolError,
    host_architecture,
)

__all__ = [
    "CognitoLocalPlay",
    "DeployedPlay",
    "Report",
    "Step",
    "StepFailed",
    "decode_jwt",
    "play_flows",
]

SCENARIOS = Path("scripts") / "local_flows.py"
STACK_NAME = "cognito-triggers-local"
LOGS = Path(".aws-sam") / "local"
# Claims every Cognito token has: the report shows the others (what the triggers added).
_STANDARD_CLAIMS = frozenset(
    {
        *("sub", "iss", "aud", "exp", "iat", "jti", "auth_time", "origin_jti", "event_id"),
        *("token_use", "client_id", "username", "cognito:username", "scope", "version"),
        "email_verified",
    }
)


class StepFailed(Exception):
    """A step's expectation did not hold; the message says what was expected and what came."""


def decode_jwt(token: str) -> dict[str, Any]:
    """A JWT's claims (unverified: the local issuers' keys are their own)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


@dataclass
class Step:
    number: int
    title: str
    lines: list[str] = field(default_factory=list)
    status: str = "passed"
    seconds: float = 0.0

    def note(self, text: str) -> None:
        self.lines.append(text)

    def check(self, condition: object, expected: str) -> None:
        """Fail the step unless ``condition``; ``expected`` says what should have been."""
        if not condition:
            raise StepFailed(f"expected {expected}")

    def claims(self, label: str, token: str) -> dict[str, Any]:
        """Decode ``token``, note the claims beyond Cognito's standard ones, return them all."""
        claims = decode_jwt(token)
        added = {k: v for k, v in claims.items() if k not in _STANDARD_CLAIMS}
        self.note(f"{label}: {json.dumps(added, sort_keys=True)}")
        return claims


class TriggerWatch(Protocol):
    """Where a report learns which triggers fired during a step."""

    def mark(self) -> Any: ...
    def fired(self, mark: Any) -> list[str]: ...


class Report:
    """Numbered steps, each with the triggers that fired and what the step saw; a last line with
    counts. Printed as it goes."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.steps: list[Step] = []
        self.skipped: list[str] = []

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.steps if s.status == "failed")

    @contextmanager
    def step(self, title: str, watch: TriggerWatch | None = None) -> Iterator[Step]:
        step = Step(len(self.steps) + 1, title)
        self.steps.append(step)
        mark = watch.mark() if watch else None
        started = time.perf_counter()
        try:
            yield step
        except StepFailed as failure:
            step.status, why = "failed", str(failure)
        except ToolError as error:
            step.status, why = "failed", str(error)
        except Exception as error:  # a client's error or a failed check: the step's result
            step.status, why = "failed", f"{type(error).__name__}: {error}"
            tb = traceback.extract_tb(error.__traceback__)
            where = next((f for f in reversed(tb) if f.filename.endswith(str(SCENARIOS))), None)
            if where is not None:
                why += f" (at {SCENARIOS}:{where.lineno})"
        else:
            why = ""
        step.seconds = time.perf_counter() - started
        fired = watch.fired(mark) if watch else []
        self._print(step, fired, why)

    def _print(self, step: Step, fired: list[str], why: str) -> None:
        mark = "ok  " if step.status == "passed" else "FAIL"
        self.say(f"{mark} {step.number:2d}. {step.title}  ({step.seconds:.2f} s)")
        for line in fired:  # a trigger, then what it changed, indented
            self.say(
                f"         {'         ' if line.startswith(' ') else 'trigger  '}{line.strip()}"
            )
        for line in step.lines:
            self.say(f"         {line}")
        if why:
            self.say(f"         why: {why}")

    def skip(self, what: str, why: str) -> None:
        self.skipped.append(what)
        self.say(f"skip     {what}: {why}")

    def summary(self) -> str:
        passed = sum(1 for s in self.steps if s.status == "passed")
        return f"flows: {passed} passed, {self.failed} failed, {len(self.skipped)} skipped"


# -- what fired ------------------------------------------------------------------------------


def _describe_run(run: FunctionRun) -> str:
    source = run.source or "(no trigger metrics)"
    outcome = run.outcome or "ran"
    extra = f" [{', '.join(run.metrics)}]" if run.metrics else ""
    took = f", {run.duration_ms:.0f} ms" if run.duration_ms is not None else ""
    errors = f"; logged: {'; '.join(run.errors)}" if run.errors else ""
    cold_note = " (cold)" if run.cold else ""
    return f"{source} -> {run.logical_id}: {outcome}{extra}{took}{cold_note}{errors}"


class DeployedWatch:
    """Triggers fired in the local AWS: the functions' own logs there."""

    def __init__(self, stack: DeployedStack) -> None:
        self.stack = stack
        self.runs: list[FunctionRun] = []
        self._seen: set[str] = set()

    def mark(self) -> int:
        return int(time.time() * 1000)

    def fired(self, mark: int) -> list[str]:
        lines = []
        for run in self.stack.runs_since(mark):
            run.cold = run.cold or run.logical_id not in self._seen
            self._seen.add(run.logical_id)
            self.runs.append(run)
            lines.append(_describe_run(run))
        return lines


def _describe_record(record: InvocationRecord, cold: bool) -> list[str]:
    """The invocation, then (indented) each change it made to the response."""
    outcome = record.outcome
    said = outcome.result
    if outcome.cause:
        said += f" (logged: {outcome.cause})"
    elif outcome.result == "ok" and not outcome.changes:
        said = "response unchanged"
    took = f"{record.duration * 1000:.0f} ms{' (cold)' if cold else ''}"
    head = f"{record.source} -> {record.function}: {said}, {took}"
    return [head, *(f"  {change}" for change in outcome.changes)]


class InvokeWatch:
    """Triggers fired through ``start-lambda``: its record of every invocation."""

    def __init__(self, server: LambdaInvokeServer) -> None:
        self.server = server
        self._seen: set[str] = set()

    def mark(self) -> int:
        return self.server.served

    def fired(self, mark: int) -> list[str]:
        lines = []
        for record in self.server.since(mark):
            lines += _describe_record(record, record.function not in self._seen)
            self._seen.add(record.function)
        return lines


# -- what the scenarios get --------------------------------------------------------------------


@dataclass
class DeployedPlay:
    """For ``deployed(play)``: the deployed stack in the local AWS, and the report."""

    root: Path
    stack: DeployedStack
    report: Report
    watch: DeployedWatch

    @property
    def aws(self) -> Ministack:
        return self.stack.aws

    def output(self, key: str) -> str:
        return self.stack.outputs[key]

    def step(self, title: str) -> Any:
        return self.report.step(title, self.watch)

    def invoke(self, step: Step, logical_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """``event`` through the deployed function, by the local AWS's Lambda Invoke API: for
        the triggers it does not fire. Notes the response's changes on ``step``; the error
        object when the function failed."""
        name = self.stack.functions[logical_id]
        reply = self.aws.client("lambda").invoke(
            FunctionName=name, Payload=json.dumps(dict(event)).encode()
        )
        payload: dict[str, Any] = json.loads(reply["Payload"].read() or b"null")
        source = event.get("triggerSource")
        step.note(f"{source} invoked on {logical_id} through the Lambda Invoke API")
        if reply.get("FunctionError"):
            step.note(f"function error: {payload.get('errorMessage')}")
        else:
            changed = changes(event, payload)
            for change in changed or ["response unchanged"]:
                step.note(f"  {change}")
        return payload


@dataclass
class CognitoLocalPlay:
    """For ``cognito_local(play)``: cognito-local and the local AWS its functions call."""

    root: Path
    cognito: Any
    """The cognito-local service (:class:`~.cognito_local.CognitoLocal`)."""
    aws: Ministack
    server: LambdaInvokeServer
    report: Report
    watch: InvokeWatch

    def step(self, title: str) -> Any:
        return self.report.step(title, self.watch)

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The environment ``start-lambda`` runs the function with (its deployed twin's)."""
        return self.server.environment_of(logical_id)


def _load_scenarios(root: Path) -> ModuleType:
    path = root / SCENARIOS
    if not path.is_file():
        raise ToolError(f"no scenarios to play: {path} is missing")
    spec = importlib.util.spec_from_file_location("_cognito_triggers_local_flows", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _deployed_phase(
    root: Path, scenarios: ModuleType, aws: Ministack, report: Report
) -> DeployedStack:
    parameters: dict[str, str] = {
        "Architecture": host_architecture(),
        **getattr(scenarios, "PARAMETERS", {}),
    }
    prepare: Callable[[Ministack], None] | None = getattr(scenarios, "prepare", None)
    if prepare is not None:
        prepare(aws)
    log = root / LOGS / "sam-deploy.log"
    report.say(f"sam deploy --stack-name {STACK_NAME} (log: {log.relative_to(root)})")
    deployed = sam_deploy(root, aws, stack_name=STACK_NAME, parameters=parameters, log=log)
    report.say(
        f"deployed {len(deployed.resources)} resources "
        f"({len(deployed.functions)} functions) in {deployed.seconds:.1f} s\n"
    )
    watch = DeployedWatch(deployed)
    phase = time.perf_counter()
    scenarios.deployed(DeployedPlay(root, deployed, report, watch))
    durations = [(r.cold, r.duration_ms) for r in watch.runs if r.duration_ms is not None]
    unseen = sorted(set(deployed.functions) - {run.logical_id for run in watch.runs})
    if unseen:  # wired to triggers neither the local AWS nor these flows fire
        report.say(f"\ndeployed but not run by these flows: {', '.join(unseen)}")
    report.say(f"\ndeployed flows: {time.perf_counter() - phase:.1f} s")
    report.say(_latencies("ministack invocations (their REPORT lines)", durations))
    return deployed


def _cognito_local_phase(
    root: Path, scenarios: ModuleType, deployed: DeployedStack, report: Report, stack: ExitStack
) -> None:
    from .cognito_local import cognito_local
    from .toolchain import cognito_local_command

    try:
        cognito_local_command()  # installed before anything starts
    except ToolError as error:
        report.skip("cognito-local flows", str(error))
        return
    aws = deployed.aws
    cognito_port = _free_port()
    environment = {
        **aws.environment(),
        # The functions' own Cognito calls (PostConfirmation's) go to cognito-local.
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": f"http://127.0.0.1:{cognito_port}",
    }
    # Each built function runs with its deployed twin's environment: the same table, parameter
    # and settings as in the stack.
    lambda_client = aws.client("lambda")
    environments = {
        logical_id: lambda_client.get_function_configuration(FunctionName=name)
        .get("Environment", {})
        .get("Variables", {})
        for logical_id, name in deployed.functions.items()
    }
    server = stack.enter_context(
        LambdaInvokeServer(root, environment=environment, environments=environments)
    )
    service = stack.enter_context(
        cognito_local(
            root,
            load_source_template(root),
            lambda_endpoint=server.url,
            port=cognito_port,
            log=root / LOGS / "cognito-local.log",
        )
    )
    fires = ", ".join(sorted(service.config["TriggerFunctions"]))
    report.say(
        f"\ncognito-local {COGNITO_LOCAL_VERSION} on {service.url} (fires {fires}), calling "
        f"start-lambda on {server.url}\n"
    )
    watch = InvokeWatch(server)
    phase = time.perf_counter()
    scenarios.cognito_local(CognitoLocalPlay(root, service, aws, server, report, watch))
    seen: set[str] = set()
    durations = []
    for record in server.invocations:  # a function's first call starts its emulator
        durations.append((record.function not in seen, record.duration * 1000))
        seen.add(record.function)
    report.say(f"\ncognito-local flows: {time.perf_counter() - phase:.1f} s")
    report.say(_latencies("start-lambda invocations (as the caller waits)", durations))


def _latencies(label: str, durations: list[tuple[bool, float]]) -> str:
    """Medians of the cold calls (a new environment) and of the warm ones, from (cold, ms)."""

    def median(cold: bool) -> str:
        values = [ms for is_cold, ms in durations if is_cold == cold]
        shown = f"{statistics.median(values):.0f} ms" if values else "-"
        return f"{shown} ({len(values)} calls)"

    return f"{label}: cold median {median(True)}, warm median {median(False)}"


def play_flows(root: Path, *, cognito_local: bool = True, out: TextIO | None = None) -> int:
    """Deploy locally and play the project's scenarios; 0 if every step passed."""
    scenarios = _load_scenarios(root)
    report = Report(out)
    started = time.perf_counter()
    try:
        with sigterm_as_interrupt(), ExitStack() as stack:
            aws = stack.enter_context(ministack(root, log=root / LOGS / "ministack.log"))
            report.say(f"local AWS: ministack {MINISTACK_VERSION} on {aws.url}")
            deployed = _deployed_phase(root, scenarios, aws, report)
            if cognito_local and hasattr(scenarios, "cognito_local"):
                _cognito_local_phase(root, scenarios, deployed, report, stack)
    except ToolError as error:
        report.say(f"\nFAIL {error}")
        report.say(report.summary())
        return 1
    except Exception as error:  # a scenario's own setup: say where, stop everything
        where = traceback.extract_tb(error.__traceback__)[-1]
        report.say(f"\nFAIL {type(error).__name__}: {error} ({where.filename}:{where.lineno})")
        report.say(report.summary())
        return 1
    report.say(f"\ntotal {time.perf_counter() - started:.1f} s")
    report.say(report.summary())
    return 1 if report.failed else 0
