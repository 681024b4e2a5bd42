"""Run a function built by ``sam build`` the way Lambda does, without Docker: AWS's Lambda Runtime
Interface Emulator (from SAM CLI's package) serving the Python runtime interface client
(awslambdaric) on 127.0.0.1, with the function's code and its layers on the path."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from .cfn import Template, TemplateError, load_template
from .toolchain import ToolError, find_rie, foreign_binaries, host_architecture, runtime_python

__all__ = [
    "PAYLOAD_LIMIT",
    "BuiltFunction",
    "EmulatedFunction",
    "Invocation",
    "find_built_function",
]


# awslambdaric's own entry point, after turning the ``cognito_triggers`` logger up to DEBUG, as a
# user would to see the router name the handler it calls (the function's code is unchanged). A
# runtime whose emulator was killed ends too, rather than finish its handler unseen.
_BOOTSTRAP = """\
import logging, os, sys, threading, time

logging.getLogger("cognito_triggers").setLevel(logging.DEBUG)


def _end_with_the_emulator(emulator=os.getppid()):
    while os.getppid() == emulator:
        time.sleep(1)
    os._exit(1)


threading.Thread(target=_end_with_the_emulator, daemon=True).start()
from awslambdaric.__main__ import main

main(sys.argv)
"""
_PY_TAG = re.compile(r"\.cpython-(\d)(\d+)-")
# Lambda's quota for a synchronous invocation's request, 6 MB
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the service counts
# them as MiB ("... too large for the RequestResponse invocation type (limit 6291456 bytes)").
PAYLOAD_LIMIT = 6 * 1024 * 1024
_TAIL_LINES = 50  # log lines an emulator keeps between invocations
_TOLD_LINES = 12  # of which an emulator's death names the last
_TOLD_WIDTH = 300  # characters of each


@dataclass
class BuiltFunction:
    logical_id: str
    code_dir: Path
    layer_dirs: list[Path]
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]


def _logging_environment(template: Template, logical_id: str) -> dict[str, str]:
    """What Lambda sets from ``LoggingConfig``, as ``sam local`` does: with ``LogFormat: JSON`` the
    runtime writes each ``logging`` record as JSON, at ``ApplicationLogLevel`` (default INFO)."""
    # SAM merges a map of Globals with the function's own, key by key.
    config: dict[str, Any] = {}
    for part in (
        template.function_globals.get("LoggingConfig"),
        (template.resources[logical_id].get("Properties") or {}).get("LoggingConfig"),
    ):
        if isinstance(part, dict):
            config.update(part)
    log_format = template.resolve(config.get("LogFormat"))
    if log_format != "JSON":
        return {"AWS_LAMBDA_LOG_FORMAT": log_format} if log_format else {}
    level = template.resolve(config.get("ApplicationLogLevel")) or "INFO"
    return {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": level}


def _check_binaries(folder: Path, logical_id: str) -> None:
    """Compiled wheels must match this machine and Python 3.13, or imports fail obscurely."""
    host = host_architecture()
    foreign = foreign_binaries(folder, host)
    if foreign:
        so, arch = foreign[0]
        raise ToolError(
            f"{logical_id} was built for {arch} ({so.relative_to(folder)}) but the "
            f"emulator runs on this {host} machine: rebuild for it with `cognito-triggers build` "
            "(it reads the template's architecture, however written)"
        )
    for so in folder.rglob("*.so"):
        tag = _PY_TAG.search(so.name)
        if tag and (tag.group(1), tag.group(2)) != ("3", "13"):
            raise ToolError(
                f"{logical_id} holds a binary for Python {tag.group(1)}.{tag.group(2)} "
                f"({so.relative_to(folder)}); the runtime is python3.13: rebuild"
            )


def find_built_function(
    root: Path, logical_id: str, *, parameter_overrides: Mapping[str, str] | None = None
) -> BuiltFunction:
    build = root / ".aws-sam" / "build"
    built_template = build / "template.yaml"
    if not built_template.is_file():
        raise ToolError(
            f"no build found ({built_template} is missing): run `cognito-triggers build` "
            "(sam build for this machine) first"
        )
    try:
        template = load_template(built_template)
    except TemplateError as error:
        raise ToolError(str(error)) from None
    template.parameter_overrides = dict(parameter_overrides or {})
    template.check_parameter_overrides()
    functions = template.of_type("AWS::Serverless::Function")
    if logical_id not in functions:
        known = ", ".join(sorted(functions)) or "none"
        raise ToolError(f"no function {logical_id!r} in the build (functions: {known})")
    code_uri = template.function_property(logical_id, "CodeUri")
    code_dir = build / str(code_uri if isinstance(code_uri, str) else logical_id)
    if not code_dir.is_dir():
        raise ToolError(f"{code_dir} is missing: run `cognito-triggers build` again")
    layer_dirs = []
    for layer in template.function_property(logical_id, "Layers") or []:
        layer_id = layer.get("Ref") if isinstance(layer, dict) else None
        if layer_id is None or layer_id not in template.resources:
            continue  # a layer from elsewhere (an ARN) cannot be run locally
        content = (template.resources[layer_id].get("Properties") or {}).get("ContentUri")
        layer_dir = build / str(content if isinstance(content, str) else layer_id)
        if not layer_dir.is_dir():
            raise ToolError(f"layer {layer_id} is not built ({layer_dir}): run the build again")
        layer_dirs.append(layer_dir / "python" if (layer_dir / "python").is_dir() else layer_dir)
    _check_binaries(code_dir, logical_id)
    for layer_dir in layer_dirs:
        _check_binaries(layer_dir, logical_id)
    environment = {}
    for name, value in template.function_environment(logical_id).items():
        resolved = template.resolve(value)
        if resolved is not None:
            environment[str(name)] = resolved
    environment.update(_logging_environment(template, logical_id))
    handler = template.function_property(logical_id, "Handler")
    if not isinstance(handler, str):
        raise ToolError(f"{logical_id} has no Handler")
    timeout = template.resolve(template.function_property(logical_id, "Timeout")) or "3"
    memory = template.resolve(template.function_property(logical_id, "MemorySize")) or "128"
    return BuiltFunction(
        logical_id, code_dir, layer_dirs, handler, int(timeout), int(memory), environment
    )


# The emulator answers a timeout with this text alone (status 200, no error header), where
# Lambda reports a function error, Sandbox.Timedout
# (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
_TIMED_OUT = re.compile(r"Task timed out after (\d+\.\d+) seconds")
_START = re.compile(r"START RequestId: (\S+)")


def _timeout_error(seconds: str, log: list[str]) -> dict[str, str]:
    """Lambda's error object for a timeout, with the request id its START line gave."""
    ids = [m.group(1) for line in log if (m := _START.match(line))]
    where = f"RequestId: {ids[-1]} " if ids else ""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"{where}Error: Task timed out after {seconds} seconds",
    }


def _is_error_object(raw: bytes) -> bool:
    try:
        payload = json.loads(raw)
    except ValueError:
        return False
    return isinstance(payload, dict) and "errorType" in payload and "errorMessage" in payload


def _exited(payload: dict[str, Any]) -> bool:
    """Lambda's error object for a runtime that exited during the call."""
    return payload.get("errorType") == "Runtime.ExitError"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Invocation:
    payload: Any
    """The function's JSON response, or Lambda's error object."""
    duration: float
    """Seconds, as seen by the caller (includes init on the first call)."""
    log: list[str] = field(default_factory=list)
    error: str | None = None
    """``"<errorType>: <errorMessage>"`` when the function failed."""
    cold: bool = False
    """The first call of its emulator: a new execution environment, its init included."""


class EmulatedFunction:
    """One built function served by the emulator; invoke it as often as needed (it stays warm).

    An emulator that dies (killed, out of memory) fails the call that finds it dead, saying why,
    and the next call starts a new one, as Lambda gives a new execution environment.
    """

    def __init__(
        self,
        root: Path,
        function: BuiltFunction,
        *,
        extra_environment: Mapping[str, str] | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.root = root
        self.function = function
        self.extra_environment = dict(extra_environment or {})
        self.region = region
        self._running = False  # between start() and stop()
        self._process: subprocess.Popen[bytes] | None = None
        # The log of the invocation under way, and the last lines (to say why an emulator
        # died): nothing older is kept, however long the emulator serves.
        self._capture: list[str] | None = None
        self._tail: deque[str] = deque(maxlen=_TAIL_LINES)
        self._changed = threading.Condition()
        self._port = 0
        self._fresh = False  # an emulator started and not yet called: its next call is cold

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _environment(self) -> dict[str, str]:
        f = self.function
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(f.code_dir),
            "PYTHONPATH": os.pathsep.join([str(f.code_dir), *map(str, f.layer_dirs)]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_LAMBDA_FUNCTION_NAME": f.logical_id,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(f.timeout),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(f.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_SAM_LOCAL": "true",  # what `sam local invoke` sets; Powertools Tracer stays off
        }
        env.update(f.environment)
        env.update(self.extra_environment)
        return env

    def start(self, ready_timeout: float = 10.0) -> None:
        self._running = True
        self._launch(ready_timeout)

    def _launch(self, ready_timeout: float = 10.0) -> None:
        rie = find_rie()
        python = runtime_python()
        self._port = _free_port()
        api_port = _free_port()
        command = [
            str(rie),
            "--log-level",
            "error",
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self._port}",
            "--runtime-api-address",
            f"127.0.0.1:{api_port}",
            python,
            "-c",
            _BOOTSTRAP,
            self.function.handler,
        ]
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command,
            cwd=self.function.code_dir,
            env=self._environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        with self._changed:
            self._tail.clear()  # the lines of this emulator only
            self._process = process
        self._fresh = True
        reader = threading.Thread(target=self._read_log, args=(process,), daemon=True)
        reader.start()
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                reader.join(timeout=1)  # its last words
                break
            try:
                with socket.create_connection(("127.0.0.1", self._port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        with self._changed:
            log = "\n".join(self._tail)
        self._end()
        raise ToolError(f"the emulator did not start for {self.function.logical_id}:\n{log}")

    def _read_log(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self._changed:
                if process is not self._process:
                    continue  # a dead emulator's runtime, still finishing its handler
                self._tail.append(line)
                if self._capture is not None:
                    self._capture.append(line)
                self._changed.notify_all()

    def _died(self, process: subprocess.Popen[bytes]) -> ToolError:
        """Why the emulator ended, with its last lines; the next call starts a new one."""
        code = process.returncode
        how = f"was killed by {_signal_name(-code)}" if code < 0 else f"exited with status {code}"
        with self._changed:
            tail = list(self._tail)[-_TOLD_LINES:]
        self._end()
        lines = "".join(f"\n  | {line[:_TOLD_WIDTH]}" for line in tail) or " (none)"
        return ToolError(
            f"the emulator of {self.function.logical_id} {how}; its last log lines:{lines}\n"
            "a new one starts on the next call"
        )

    def invoke(self, event: Mapping[str, Any], *, body: bytes | None = None) -> Invocation:
        """Run ``event``; ``body``, if given, is its JSON exactly as a caller sent it."""
        if body is None:
            body = json.dumps(event).encode()
        if len(body) > PAYLOAD_LIMIT:
            raise ToolError(
                f"the event is {len(body)} bytes: Lambda refuses a request over {PAYLOAD_LIMIT} "
                "bytes (RequestEntityTooLargeException)"
            )
        if not self._running:
            raise ToolError("the emulator is not running")
        if self._process is None:  # the last one died, and its call said why
            self._launch()
        process = self._process
        assert process is not None
        if process.poll() is not None:
            raise self._died(process)
        url = f"http://127.0.0.1:{self._port}/2015-03-31/functions/function/invocations"
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        log: list[str] = []
        cold, self._fresh = self._fresh, False
        with self._changed:
            self._capture = log
        try:
            payload, duration, failure, timed_out = self._call(request, process)
            # The REPORT line follows the response; give it a moment so the log is whole.
            deadline = time.monotonic() + 2.0
            seen = 0
            with self._changed:
                while not any("REPORT RequestId" in line for line in log[seen:]):
                    seen = len(log)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._changed.wait(remaining)
        finally:
            with self._changed:
                self._capture = None
        if timed_out is not None:
            payload = _timeout_error(timed_out, log)
            failure = f"{payload['errorType']}: {payload['errorMessage']}"
        if timed_out is not None or (isinstance(payload, dict) and _exited(payload)):
            # The runtime emulator resets the runtime, as Lambda its execution environment: the
            # next call initialises it again (the emulator's REPORT line does not say so).
            self._fresh = True
        return Invocation(payload=payload, duration=duration, log=log, error=failure, cold=cold)

    def _call(
        self, request: urllib.request.Request, process: subprocess.Popen[bytes]
    ) -> tuple[Any, float, str | None, str | None]:
        """The emulator's answer: the payload, the seconds it took, the failure if any, and the
        seconds the function timed out after, if it did."""
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(  # noqa: S310 - loopback
                request, timeout=self.function.timeout + 10
            ) as reply:
                raw = reply.read()
                function_error = reply.headers.get("X-Amz-Function-Error")
        except urllib.error.HTTPError as error:
            # A runtime that exits is answered 502 with Lambda's error object: a function error
            # (Lambda answers it 200, X-Amz-Function-Error: Unhandled); any other status is ours.
            raw, function_error = error.read(), "Unhandled"
            if not _is_error_object(raw):
                raise ToolError(f"the emulator did not answer: {error}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            try:
                process.wait(timeout=2)  # an emulator killed under the call: say so
            except subprocess.TimeoutExpired:
                raise ToolError(f"the emulator did not answer: {error}") from None
            raise self._died(process) from None
        duration = time.perf_counter() - started
        try:
            payload = json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            payload = raw.decode("utf-8", errors="replace")
            if timed_out := _TIMED_OUT.fullmatch(payload):  # a bare text, not a JSON string
                return payload, duration, None, timed_out.group(1)
        failure = None
        if (
            isinstance(payload, dict)
            and "errorMessage" in payload
            and ("errorType" in payload or function_error)
        ):
            failure = f"{payload.get('errorType', 'Error')}: {payload['errorMessage']}"
        elif function_error:
            failure = f"{function_error}: {payload}"
        return payload, duration, failure, None

    def _end(self) -> None:
        """Stop the current emulator, if any; the runtime it started stops with it."""
        with self._changed:
            process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        self._running = False
        self._end()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def load_source_template(root: Path) -> Template:
    try:
        return load_template(root / "template.yaml")
    except TemplateError as error:
        raise ToolError(str(error)) from None
