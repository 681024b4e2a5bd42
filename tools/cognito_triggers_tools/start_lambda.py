"""``cognito-triggers start-lambda``: the Lambda Invoke API on 127.0.0.1 for every built function,
the Docker-free counterpart of ``sam local start-lambda``.

``POST /2015-03-31/functions/{name}/invocations`` runs the function under AWS's runtime emulator,
as ``invoke`` does, one warm emulator per function (started on its first call). A function is
named by its logical id (``PreSignUpFunction``), by the LambdaConfig key that wires it
(``PreSignUp``; what Cognito emulators such as cognito-local are configured with) or by an ARN
ending in either, URL-encoded. A function's error (a timeout and a runtime that exits included)
comes back as Lambda's: status 200, the error object as payload, ``X-Amz-Function-Error:
Unhandled``. An unknown name is a 404 ``ResourceNotFoundException``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from .cfn import TemplateError, load_template
from .check import wiring
from .emulator import PAYLOAD_LIMIT, EmulatedFunction, Invocation, find_built_function
from .outcome import Outcome, outcome_of
from .toolchain import ToolError

__all__ = ["InvocationRecord", "LambdaInvokeServer", "function_names"]

_PATH_PREFIX = "/2015-03-31/functions/"
_PATH_SUFFIX = "/invocations"
_LOG_TAIL = 4096  # bytes of log Lambda returns for X-Amz-Log-Type: Tail
_KEPT_CHANGES = 20  # of a response's changes, kept in an invocation's record


def function_names(root: Path) -> dict[str, str]:
    """Every name a function answers to -> its logical id: the logical ids of the build, and the
    LambdaConfig keys of the template (both ``PreTokenGenerationConfig`` and the trigger's own
    name ``PreTokenGeneration``)."""
    try:
        built = load_template(root / ".aws-sam" / "build" / "template.yaml")
    except TemplateError as error:
        raise ToolError(f"{error}: run `cognito-triggers build` (make build) first") from None
    names = {fn: fn for fn in built.of_type("AWS::Serverless::Function")}
    for wire in wiring(built, []):
        if wire.function in names:
            names.setdefault(wire.key, wire.function)
            names.setdefault(wire.family.lambda_config_key, wire.function)
    return names


@dataclass(frozen=True)
class InvocationRecord:
    """One call served, for logs and reports: what ran and how it ended, never the event nor the
    log (a migration's password, a sender's code, the user's attributes); changes are masked."""

    number: int
    """1 for the server's first call, then in the order calls ended."""
    name: str
    """The name the caller used."""
    function: str
    """The logical id it resolved to."""
    source: str
    """The event's ``triggerSource``."""
    outcome: Outcome
    duration: float
    """Seconds, as the caller waited."""
    started: float = field(default_factory=time.time)
    cold: bool = False
    """The first call of a new emulator (a new execution environment), decided when it ran."""

    def describe(self) -> str:
        name = self.function if self.name == self.function else f"{self.name} ({self.function})"
        return f"{name} {self.source} -> {self.outcome.result}, {self.duration * 1000:.0f} ms"


class _Server(ThreadingHTTPServer):
    # socketserver listens with a queue of 5: a burst of clients beyond it (sign-ups from a load
    # test, cognito-local's parallel triggers) had connections reset before being accepted.
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback for anything a connection raises.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):  # not a caller gone away
            print(f"cognito-triggers: start-lambda: {error!r}", file=sys.stderr, flush=True)


class LambdaInvokeServer:
    """The Invoke API for the project's built functions, on ``host:port`` (0: a free port).

    ``environment`` is added to every function's (a local AWS's endpoint, per-service endpoint
    overrides such as ``AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER``), then ``environments``
    (by logical id) to each one's; ``on_invocation`` is called after every call (the command
    line logs a line per invocation with it). ``invocations`` holds the records of the last
    ``history`` calls, however long the server runs.
    """

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        environment: Mapping[str, str] | None = None,
        environments: Mapping[str, Mapping[str, str]] | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
        on_invocation: Callable[[InvocationRecord], None] | None = None,
        history: int = 1000,
    ) -> None:
        self.root = root
        self.names = function_names(root)
        self.environment = dict(environment or {})
        self.environments = {k: dict(v) for k, v in (environments or {}).items()}
        self.parameter_overrides = dict(parameter_overrides or {})
        self.on_invocation = on_invocation
        self.invocations: deque[InvocationRecord] = deque(maxlen=history)
        self.served = 0
        """Calls served so far: a mark for :meth:`since`."""
        self._functions: dict[str, EmulatedFunction] = {}
        self._locks: dict[str, threading.Lock] = {
            fn: threading.Lock() for fn in self.names.values()
        }
        self._guard = threading.Lock()
        self._closed = False
        self._server = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, then every emulator started."""
        with self._guard:
            self._closed = True
        self._server.shutdown()
        self._server.server_close()
        for function in list(self._functions.values()):
            function.stop()
        self._functions.clear()

    def resolve(self, name: str) -> str | None:
        """The logical id ``name`` stands for (a name, or an ARN ending in one), or ``None``."""
        if name.startswith("arn:"):
            parts = name.split(":")
            # arn:aws:lambda:region:account:function:NAME[:qualifier]
            name = parts[6] if len(parts) >= 7 and parts[5] == "function" else ""
        else:
            name = name.partition(":")[0]  # NAME:qualifier; there is one version here
        return self.names.get(name)

    def environment_of(self, logical_id: str) -> dict[str, str]:
        """The environment the function runs with: the template's, then the server's."""
        built = find_built_function(
            self.root, logical_id, parameter_overrides=self.parameter_overrides
        )
        return {**built.environment, **self.environment, **self.environments.get(logical_id, {})}

    def _emulated(self, logical_id: str) -> EmulatedFunction:
        with self._guard:
            if self._closed:
                raise ToolError("the server is stopping")
            function = self._functions.get(logical_id)
        if function is None:
            built = find_built_function(
                self.root, logical_id, parameter_overrides=self.parameter_overrides
            )
            extra = {**self.environment, **self.environments.get(logical_id, {})}
            function = EmulatedFunction(self.root, built, extra_environment=extra)
            function.start()
            with self._guard:
                self._functions[logical_id] = function
        return function

    def invoke(self, name: str, event: dict[str, Any], *, body: bytes | None = None) -> Invocation:
        """Run ``event`` through the function ``name`` names (see :meth:`resolve`); ``body``:
        the event's JSON as the caller sent it, if it did."""
        logical_id = self.resolve(name)
        if logical_id is None:
            raise KeyError(name)
        source = str(event.get("triggerSource", "?"))
        started, clock = time.time(), time.perf_counter()
        try:
            with self._locks[logical_id]:  # one emulator, one invocation at a time, as Lambda
                invocation = self._emulated(logical_id).invoke(event, body=body)
        except ToolError as error:  # the emulator's failure: its first line is the record's
            failed = Outcome("", f"error: {str(error).splitlines()[0]}")
            self._record(name, logical_id, source, failed, time.perf_counter() - clock, started)
            raise
        outcome = outcome_of(event, invocation)
        if len(outcome.changes) > _KEPT_CHANGES:
            more = len(outcome.changes) - _KEPT_CHANGES
            outcome.changes[_KEPT_CHANGES:] = [f"... {more} more changes"]
        self._record(
            name, logical_id, source, outcome, invocation.duration, started, cold=invocation.cold
        )
        return invocation

    def _record(
        self,
        name: str,
        logical_id: str,
        source: str,
        outcome: Outcome,
        took: float,
        at: float,
        *,
        cold: bool = False,
    ) -> None:
        with self._guard:
            self.served += 1
            record = InvocationRecord(
                self.served, name, logical_id, source, outcome, took, at, cold=cold
            )
            self.invocations.append(record)
        if self.on_invocation is not None:
            self.on_invocation(record)

    def since(self, mark: int) -> list[InvocationRecord]:
        """The records kept of the calls after ``mark`` (a value of :attr:`served`)."""
        with self._guard:
            return [record for record in self.invocations if record.number > mark]


def _handler_for(server: LambdaInvokeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cognito-triggers-start-lambda"
        timeout = 60  # seconds a connection may stall mid-request (or idle) before it is closed

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per invocation comes from on_invocation instead

        def _reply(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def _empty(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _error(self, status: int, kind: str, message: str) -> None:
            # The shape botocore reads for Lambda's REST-JSON errors.
            self._reply(status, {"Type": "User", "message": message}, {"X-Amzn-ErrorType": kind})

        def do_POST(self) -> None:
            try:
                self._post()
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the caller is gone, or stalled mid-request
            except Exception as error:  # a bug of ours: one line, to the caller and here
                said = f"start-lambda failed: {type(error).__name__}: {error}"
                print(f"cognito-triggers: {said}", file=sys.stderr, flush=True)
                self.close_connection = True
                self._error(500, "ServiceException", said)

        def _body(self) -> bytes | None:
            """The request's body; ``None`` once Lambda's error for it is answered."""
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                # Not read here: refused, rather than run the function on an empty event.
                self.close_connection = True
                message = "send the payload with a Content-Length, not chunked"
                self._error(411, "InvalidRequestContentException", message)
                return None
            header = self.headers.get("Content-Length", "0")
            if not header.isascii() or not header.isdigit():
                # Where the body ends is unknown: answer, then close the connection.
                self.close_connection = True
                message = f"Content-Length {header!r} is not a number of bytes"
                self._error(400, "InvalidRequestContentException", message)
                return None
            length = int(header)
            if length <= PAYLOAD_LIMIT:
                return self.rfile.read(length)
            remaining = length  # read past it, so that the connection stays usable
            while remaining > 0:
                chunk = self.rfile.read(min(1 << 16, remaining))
                if not chunk:
                    self.close_connection = True
                    break
                remaining -= len(chunk)
            kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            message = (
                f"{header} byte payload is too large for the {kind} invocation type "
                f"(limit {PAYLOAD_LIMIT} bytes)"
            )
            self._error(413, "RequestEntityTooLargeException", message)
            return None

        def _post(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            body = self._body()
            if body is None:
                return
            if not (path.startswith(_PATH_PREFIX) and path.endswith(_PATH_SUFFIX)):
                self._error(404, "UnknownOperationException", f"no operation at {path}")
                return
            name = urllib.parse.unquote(path[len(_PATH_PREFIX) : -len(_PATH_SUFFIX)])
            if server.resolve(name) is None:
                known = ", ".join(sorted(server.names))
                self._error(
                    404,
                    "ResourceNotFoundException",
                    f"Function not found: {name} (this project has: {known})",
                )
                return
            kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if kind == "DryRun":
                self._empty(204)
                return
            body = body or b"{}"
            try:
                event = json.loads(body)
            except (ValueError, RecursionError) as error:
                why = "nested too deeply" if isinstance(error, RecursionError) else str(error)
                message = f"Could not parse request body into json: {why}"
                self._error(400, "InvalidRequestContentException", message)
                return
            if kind == "Event":
                threading.Thread(
                    target=self._invoke_later, args=(name, event, body), daemon=True
                ).start()
                self._empty(202)
                return
            try:
                invocation = self._invoke(name, event, body)
            except ToolError as error:
                self._error(502, "ServiceException", str(error))
                return
            headers = {"X-Amz-Executed-Version": "$LATEST"}
            if invocation.error is not None:
                headers["X-Amz-Function-Error"] = "Unhandled"
            if self.headers.get("X-Amz-Log-Type") == "Tail":
                tail = "\n".join(invocation.log).encode()[-_LOG_TAIL:]
                headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
            self._reply(200, invocation.payload, headers)

        def _invoke(self, name: str, event: Any, body: bytes) -> Invocation:
            # The function gets the bytes the caller sent, as in Lambda.
            mapping = event if isinstance(event, dict) else {"": event}
            return server.invoke(name, mapping, body=body)

        def _invoke_later(self, name: str, event: Any, body: bytes) -> None:
            with contextlib.suppress(ToolError):  # its record says what failed; nobody waits
                self._invoke(name, event, body)

        def do_GET(self) -> None:
            self._error(404, "UnknownOperationException", "only Invoke is served here")

    return Handler


def log_invocation(record: InvocationRecord) -> None:
    """One line per invocation, on stderr."""
    stamp = time.strftime("%H:%M:%S", time.localtime(record.started))
    print(f"{stamp} {record.describe()}", file=sys.stderr, flush=True)


def _endpoint_variable(service: str) -> str:
    """``AWS_ENDPOINT_URL_<SERVICE_ID>``, the SDKs' per-service endpoint setting, for a service
    named as boto3 names it (``cognito-idp``) or by its id (``COGNITO_IDENTITY_PROVIDER``)."""
    service_id = service
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
        service_id = model.service_id
    except Exception:  # noqa: S110 - not a botocore name: taken as the id itself
        pass
    return "AWS_ENDPOINT_URL_" + str(service_id).upper().replace(" ", "_").replace("-", "_")


def serve(
    root: Path,
    *,
    host: str,
    port: int,
    local_aws: bool,
    endpoints: Mapping[str, str],
    environment: Mapping[str, str],
    parameter_overrides: Mapping[str, str],
) -> int:
    """The command: serve until SIGINT or SIGTERM, then stop everything started."""
    import signal
    from contextlib import ExitStack

    from .local_deploy import sigterm_as_interrupt

    env: dict[str, str] = {}
    with sigterm_as_interrupt(), ExitStack() as stack:
        if local_aws:
            from .run import seeded_local_aws

            aws = stack.enter_context(seeded_local_aws(root))
            env.update(aws.environment)
            print(f"local AWS (seeded): {aws.environment['AWS_ENDPOINT_URL']}", flush=True)
        env.update({_endpoint_variable(k): v for k, v in endpoints.items()})
        env.update(environment)
        server = stack.enter_context(
            LambdaInvokeServer(
                root,
                host=host,
                port=port,
                environment=env,
                parameter_overrides=parameter_overrides,
                on_invocation=log_invocation,
            )
        )
        functions = sorted(set(server.names.values()))
        print(f"Lambda Invoke API: {server.url}", flush=True)
        print(f"  {len(functions)} functions: {', '.join(functions)}", file=sys.stderr)
        for name, value in env.items():
            if name.startswith("AWS_ENDPOINT_URL"):
                print(f"  functions get {name}={value}", file=sys.stderr)
        print("  Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr)
    return 0
