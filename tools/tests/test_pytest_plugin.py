"""What the local AWS's logs say a deployed function did, the pytest plugin failing a test
whose trigger function failed (an exception, a failed init), its report, and its token helpers
(``verify``, ``client_credentials``) against a small stand-in for the pool's HTTP endpoints."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cognito_triggers_tools.local_deploy import FunctionRun, _add_worker_errors, _parse_runs
from cognito_triggers_tools.pytest_plugin import (
    CognitoLocalPool,
    LocalStack,
    TokenInvalid,
    TokenRefused,
    _State,
)

pytest_plugins = ["pytester"]


def test_function_runs_are_read_from_their_cloudwatch_logs() -> None:
    """What ministack writes for one cold, handled invocation and one denied one."""
    emf = {"CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [], "Metrics": []}]}

    def metrics(*names: str, **keys: object) -> str:
        directive = {**emf["CloudWatchMetrics"][0], "Metrics": [{"Name": n} for n in names]}
        return json.dumps({"_aws": {"CloudWatchMetrics": [directive]}, **keys})

    lines = [
        "START RequestId: a Version: $LATEST",
        metrics("ColdStart", ColdStart=[1.0]),
        metrics("SignUpAutoConfirmed", "Handled", TriggerSource="PreSignUp_SignUp"),
        "END RequestId: a",
        "REPORT RequestId: a\tDuration: 2176 ms\tBilled Duration: 2176 ms",
        "START RequestId: b Version: $LATEST",
        json.dumps({"level": "ERROR", "message": "cognito-triggers: it failed"}),
        metrics("Denied", TriggerSource="PreSignUp_SignUp"),
        "REPORT RequestId: b\tDuration: 7 ms\tBilled Duration: 7 ms",
        "START RequestId: c Version: $LATEST",
        "cognito-triggers: PreSignUp_SignUp failed with KeyError",  # logging's bare text
        "Traceback (most recent call last):",
        metrics("Failed", TriggerSource="PreSignUp_SignUp"),
        "START RequestId: d Version: $LATEST",
        "cognito-triggers: (missing) failed with InvalidEventError",  # not an event at all
    ]
    events = [{"timestamp": 1000 + i, "message": m} for i, m in enumerate(lines)]
    first, second, third, fourth = _parse_runs("PreSignUpFunction", events)
    assert first == FunctionRun(
        "PreSignUpFunction",
        1000,
        source="PreSignUp_SignUp",
        outcome="handled",
        metrics=["SignUpAutoConfirmed"],
        duration_ms=2176.0,
        cold=True,
        request_id="a",
    )
    assert (second.outcome, second.cold, second.duration_ms) == ("denied", False, 7.0)
    assert second.errors == ["cognito-triggers: it failed"]
    assert (third.outcome, third.errors) == (
        "failed",
        ["cognito-triggers: PreSignUp_SignUp failed with KeyError"],
    )
    assert fourth.errors == ["cognito-triggers: (missing) failed with InvalidEventError"]


def _events(lines: list[str]) -> list[dict[str, object]]:
    return [{"timestamp": 1000 + i, "message": m} for i, m in enumerate(lines)]


def test_an_exception_is_read_from_its_traceback_whatever_the_metrics() -> None:
    """A function with no framework metrics that raised: its exception, type and message."""
    lines = [
        "START RequestId: a Version: $LATEST",
        "Traceback (most recent call last):",
        '  File "/var/task/app.py", line 3, in handler',
        "KeyError: 'tenant'",
        "REPORT RequestId: a\tDuration: 3 ms\tBilled Duration: 3 ms",
    ]
    (run,) = _parse_runs("PreSignUpFunction", _events(lines))
    assert run.errors == ["KeyError: 'tenant'"]
    assert run.failed
    assert "error: KeyError: 'tenant'" in run.describe()


def test_a_deny_is_a_refusal_not_a_failure() -> None:
    lines = [
        "START RequestId: a Version: $LATEST",
        "Traceback (most recent call last):",
        '  File "/var/task/app.py", line 3, in handler',
        "cognito_triggers.errors.Deny: Sign-up is closed",
        "REPORT RequestId: a\tDuration: 3 ms\tBilled Duration: 3 ms",
    ]
    (run,) = _parse_runs("PreSignUpFunction", _events(lines))
    assert (run.errors, run.failed) == ([], False)


def test_a_failed_init_is_read_from_ministacks_own_log(tmp_path: Path) -> None:
    """ministack writes nothing to the function's log group when its module raised at import:
    the run gets the error its server logged for that function, not 'ran'."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    log = tmp_path / "ministack.log"
    log.write_text(
        f"{stamp} ERROR [lambda] Warm worker execution error for other-fn: Worker init failed: x\n"
        f"{stamp} ERROR [lambda] Warm worker execution error for stack-pre-sign-up: "
        "Worker init failed: Must contain a metric namespace\n"
    )
    silent = FunctionRun("PreSignUpFunction", int(now * 1000), duration_ms=5.0)
    ran = FunctionRun("PreSignUpFunction", int(now * 1000), source="PreSignUp_SignUp")
    _add_worker_errors([silent, ran], log, "stack-pre-sign-up")
    assert silent.errors == ["init failed: Worker init failed: Must contain a metric namespace"]
    assert silent.failed
    assert "(no trigger metrics) -> PreSignUpFunction: failed" in silent.describe()
    assert ran.errors == []


_FAKE_STACK = """
import pytest
from cognito_triggers_tools.pytest_plugin import TriggerCall

class FakeStack:
    def __init__(self, calls):
        self.calls = calls
    def mark(self):
        return 0
    def calls_since(self, mark):
        return list(self.calls)

@pytest.fixture(scope="session")
def local_stack():
    return FakeStack({calls})
"""


def test_a_test_fails_when_a_trigger_function_failed(pytester: pytest.Pytester) -> None:
    failed = (
        'TriggerCall("PreSignUpFunction", "", "failed", 5.0, True, '
        '"init failed: Worker init failed: No module named x", "local AWS")'
    )
    pytester.makeconftest(_FAKE_STACK.replace("{calls}", f"[{failed}]"))
    pytester.makepyfile("def test_sign_up(local_stack):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--cognito-triggers-report")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*a trigger function failed:*",
            "*(no trigger metrics) -> PreSignUpFunction: failed, 5 ms (cold); error: init failed:"
            " Worker init failed: No module named x*",
            "FAIL  1. test_sign_up*",
            "flows: 0 passed, 1 failed, 0 skipped",
        ]
    )


def test_a_run_that_invoked_no_function_fails(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_FAKE_STACK.replace("{calls}", "[]"))
    pytester.makepyfile("def test_nothing(local_stack):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["FAIL no trigger function ran*"])


def test_a_handled_call_passes(pytester: pytest.Pytester) -> None:
    handled = 'TriggerCall("PreSignUpFunction", "PreSignUp_SignUp", "handled", 5.0, False, None, "local AWS")'
    pytester.makeconftest(_FAKE_STACK.replace("{calls}", f"[{handled}]"))
    pytester.makepyfile('def test_sign_up(local_stack):\n    """Sign-up is handled"""\n')
    result = pytester.runpytest("-p", "no:cacheprovider", "--cognito-triggers-report")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "ok    1. Sign-up is handled*",
            "*trigger  PreSignUp_SignUp -> PreSignUpFunction: handled, 5 ms",
            "flows: 1 passed, 0 failed, 0 skipped",
        ]
    )


def test_a_test_that_expects_a_failure_checks_it_itself(pytester: pytest.Pytester) -> None:
    failed = (
        'TriggerCall("PreSignUpFunction", "PreSignUp_SignUp", "failed", 5.0, False, '
        '"RuntimeError: the store is down", "local AWS")'
    )
    pytester.makeconftest(_FAKE_STACK.replace("{calls}", f"[{failed}]"))
    pytester.makepyfile(
        "import pytest\n\n"
        "@pytest.mark.expect_trigger_failure\n"
        "def test_outage(local_stack):\n"
        "    (call,) = local_stack.calls_since(local_stack.mark())\n"
        "    assert call.error == 'RuntimeError: the store is down'\n\n"
        "def test_unmarked(local_stack):\n"
        "    pass\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    # The unmarked test's body passed; the plugin fails it at its end (teardown: an error).
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*a trigger function failed*", "ERROR *::test_unmarked*"])


def test_a_step_takes_its_body_not_the_deploy(pytester: pytest.Pytester) -> None:
    """The first test to use the stack sets up the session's fixtures (the deploy): its step in
    the report still says how long its body took."""
    handled = 'TriggerCall("PreSignUpFunction", "PreSignUp_SignUp", "handled", 5.0, False, None, "local AWS")'
    slow = _FAKE_STACK.replace("{calls}", f"[{handled}]").replace(
        "def local_stack():\n", "def local_stack():\n    import time; time.sleep(1.5)\n"
    )
    pytester.makeconftest(slow)
    pytester.makepyfile('def test_sign_up(local_stack):\n    """Sign-up is handled"""\n')
    result = pytester.runpytest("-p", "no:cacheprovider", "--cognito-triggers-report")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["ok    1. Sign-up is handled  (0.0* s)"])


# -- cold starts: a fact of the call, however often it is read ---------------------------------


@dataclasses.dataclass
class _Logs:
    """A deployed stack whose functions' logs hold ``runs``; each read parses them anew, as
    :meth:`DeployedStack.runs_since` does (new objects every time)."""

    runs: list[FunctionRun]
    aws: Any = dataclasses.field(default_factory=lambda: SimpleNamespace(url="http://127.0.0.1:1"))
    name: str = "stack"
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    functions: dict[str, str] = dataclasses.field(default_factory=dict)

    def runs_since(self, timestamp_ms: int) -> list[FunctionRun]:
        return [dataclasses.replace(r) for r in self.runs if r.timestamp >= timestamp_ms]


def test_a_cold_call_stays_cold_when_watch_and_the_report_both_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``watch()`` reads a block's calls, then the report reads the whole test's: both say which
    call was each function's first (the cold one), whichever read came first."""
    sign_up = FunctionRun("PreSignUpFunction", 1000, source="PreSignUp_SignUp", request_id="a")
    tokens = FunctionRun("PreTokenGenerationFunction", 2000, request_id="b")
    sign_up_again = FunctionRun(
        "PreSignUpFunction", 2500, source="PreSignUp_SignUp", request_id="c"
    )
    stack = LocalStack(_Logs([sign_up, tokens, sign_up_again]), _State())  # type: ignore[arg-type]
    monkeypatch.setattr(stack, "mark", lambda: 2000)  # the block starts after the first sign-up
    with stack.watch() as seen:
        pass
    assert [(c.function, c.cold) for c in seen.calls] == [
        ("PreTokenGenerationFunction", True),
        ("PreSignUpFunction", False),
    ]
    report = stack.calls_since(0)
    assert [c.cold for c in report] == [True, True, False]
    assert report[1] == seen.calls[0]
    assert "(cold)" in report[1].describe()
    assert [c.cold for c in stack.calls_since(2000)] == [True, False]  # a third read agrees


def test_a_cold_start_metric_marks_a_later_call_cold_too() -> None:
    """ministack ends a worker on a function error: the next call's ColdStart metric says so."""
    first = FunctionRun("PreSignUpFunction", 1000, request_id="a")
    restarted = FunctionRun("PreSignUpFunction", 2000, request_id="b", cold=True)
    stack = LocalStack(_Logs([first, restarted]), _State())  # type: ignore[arg-type]
    assert [c.cold for c in stack.calls_since(0)] == [True, True]


# -- verify(): AWS's checks of a user pool's JWT -------------------------------------------------

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_POOL = "us-east-1_Test"
_CLIENT = "web-client"
_SECRET = "s3cr3t-of-the-machine-client-xyz"


class _Pool(ThreadingHTTPServer):
    """The pool's JWKS at ``/<pool>/.well-known/jwks.json``, and ``/oauth2/token`` answering
    ``token_status`` with ``token_body``."""

    token_status = 500
    token_body = b""


class _Handler(BaseHTTPRequestHandler):
    server: _Pool

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_KEY.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
        self._answer(200, body.encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(self.server.token_status, self.server.token_body)

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def pool() -> Iterator[_Pool]:
    server = _Pool(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: _Pool) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


class _Idp:
    """The three Cognito calls ``client_secret()`` makes."""

    def list_user_pools(self, MaxResults: int) -> dict[str, Any]:  # boto3's names
        return {"UserPools": [{"Id": _POOL}]}

    def list_user_pool_clients(self, UserPoolId: str, MaxResults: int) -> dict[str, Any]:
        return {"UserPoolClients": [{"ClientId": "machine"}]}

    def describe_user_pool_client(self, UserPoolId: str, ClientId: str) -> dict[str, Any]:
        return {"UserPoolClient": {"ClientSecret": _SECRET}}


def _stack(server: _Pool) -> LocalStack:
    aws = SimpleNamespace(url=_url(server), client=lambda service: _Idp())
    return LocalStack(_Logs([], aws=aws), _State())  # type: ignore[arg-type]


def _token(use: str, key: rsa.RSAPrivateKey = _KEY, **claims: Any) -> str:
    now = int(time.time())
    issued = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{_POOL}",
        "sub": "u-1",
        "token_use": use,
        "iat": now,
        "exp": now + 3600,
        **({"aud": _CLIENT} if use == "id" else {"client_id": _CLIENT}),
        **claims,
    }
    return jwt.encode(issued, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.mark.parametrize("use", ["id", "access"])
def test_verify_checks_the_client_of_an_id_and_of_an_access_token(pool: _Pool, use: str) -> None:
    """An ID token names its client in ``aud``; an access token has no ``aud``, only
    ``client_id``: each is verified for the client it was issued to, on both pools."""
    stack = _stack(pool)
    local = CognitoLocalPool(SimpleNamespace(url=_url(pool)), None, None, _State())  # type: ignore[arg-type]
    for verifier in (stack, local):
        assert verifier.verify(_token(use), _CLIENT)["token_use"] == use
        assert verifier.verify(_token(use))["sub"] == "u-1"
        claim = "aud" if use == "id" else "client_id"
        with pytest.raises(TokenInvalid) as refused:
            verifier.verify(_token(use), "another-client")
        assert str(refused.value) == (
            f"the {use} token's {claim} is {_CLIENT!r}, not the app client another-client"
        )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: _token("id", key=_OTHER_KEY), "not verified: Signature verification failed"),
        (lambda: _token("id", exp=int(time.time()) - 60), "not verified: Signature has expired"),
        (lambda: _token("refresh"), "token_use is 'refresh': neither an ID nor an access token"),
        (lambda: "not-a-token", "not verified: Not enough segments"),
    ],
)
def test_a_token_that_fails_verification_says_what_failed(
    pool: _Pool, token: Any, reason: str
) -> None:
    with pytest.raises(TokenInvalid, match=reason):
        _stack(pool).verify(token(), _CLIENT)


# -- client_credentials(): a refusal names its status and error, never the secret ----------------


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (500, b"", "", "500 and an empty body"),  # ministack: pre token generation refused it
        (
            400,
            b'{"error": "invalid_client", "error_description": "Client not found."}',
            "invalid_client: Client not found.",
            "400 invalid_client: Client not found.",
        ),
    ],
)
def test_a_refused_client_gets_token_refused_without_its_secret(
    pool: _Pool, status: int, body: bytes, error: str, message: str
) -> None:
    pool.token_status, pool.token_body = status, body
    with pytest.raises(TokenRefused) as refused:
        _stack(pool).client_credentials("machine", ["agents/invoke"])
    assert (refused.value.status, refused.value.error) == (status, error)
    assert str(refused.value) == (
        f"POST /oauth2/token refused the client credentials of app client machine: {message}"
    )
    # What pytest prints of a failure (--tb=long -l): each frame's arguments and locals, and
    # every frame, hidden or not.
    shown = str(refused.getrepr(showlocals=True, style="long", funcargs=True, tbfilter=False))
    basic = base64.b64encode(f"machine:{_SECRET}".encode()).decode()
    assert "client_credentials" in shown
    for secret in (_SECRET, basic):
        assert secret not in str(refused.value)
        assert secret not in shown
