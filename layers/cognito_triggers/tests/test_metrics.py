"""cognito_triggers.Metrics: CloudWatch embedded metric format, one line per invocation."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from cognito_triggers import (
    Deny,
    Metrics,
    PreAuthenticationEvent,
    PreSignUpEvent,
    Router,
    TriggerRouter,
)
from cognito_triggers.metrics import reset_cold_start_flag
from cognito_triggers.testing import lambda_context, make_event

CONTEXT = lambda_context()


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Every Metrics of a process shares what it records: each test starts as a new process
    would, and leaves nothing for the next module's functions to write."""
    Metrics(namespace="Tests").clear_metrics()
    reset_cold_start_flag()
    yield
    Metrics(namespace="Tests").clear_metrics()
    reset_cold_start_flag()


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _metrics_of(document: dict[str, Any]) -> dict[str, Any]:
    """The document as CloudWatch reads it: every named member is at the top level, every
    dimension a string, every metric a number or a list of numbers. Fails on anything else."""
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert isinstance(document["_aws"]["Timestamp"], int)
    assert isinstance(directive["Namespace"], str)
    (dimension_set,) = directive["Dimensions"]
    assert all(isinstance(document[name], str) for name in dimension_set)
    values = {}
    for metric in directive["Metrics"]:
        value = document[metric["Name"]]
        numbers = value if isinstance(value, list) else [value]
        assert numbers and all(isinstance(n, float) for n in numbers), metric
        values[metric["Name"]] = (metric["Unit"], value)
    assert set(document) == {"_aws", *dimension_set, *values}
    return {"namespace": directive["Namespace"], "dimensions": dimension_set, "values": values}


def test_an_invocation_writes_one_line_with_the_routers_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Shop", service="sign-up")
    app = TriggerRouter(metrics=metrics)

    @app.pre_sign_up
    def confirm(event: PreSignUpEvent) -> None:
        metrics.add_metric(name="Confirmed", unit="Count", value=1)
        metrics.add_metric(name="Latency", unit="Milliseconds", value=2.5)
        metrics.add_metric(name="Latency", unit="Milliseconds", value=3)

    handler = metrics.log_metrics(app.lambda_handler)
    handler(make_event("PreSignUp_SignUp"), CONTEXT)
    (line,) = _lines(capsys)
    assert _metrics_of(line) == {
        "namespace": "Shop",
        "dimensions": ["service", "TriggerSource"],
        "values": {
            "Confirmed": ("Count", 1.0),
            "Latency": ("Milliseconds", [2.5, 3.0]),
            "Handled": ("Count", 1.0),
        },
    }
    assert (line["service"], line["TriggerSource"]) == ("sign-up", "PreSignUp_SignUp")


def test_a_denied_invocation_is_flushed_and_the_next_starts_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Shop")
    app = TriggerRouter(metrics=metrics)

    @app.pre_sign_up(sources=["PreSignUp_SignUp"])
    def deny(event: PreSignUpEvent) -> None:
        metrics.add_dimension(name="Reason", value="domain")
        raise Deny("no")

    handler = metrics.log_metrics(app.lambda_handler)
    with pytest.raises(Deny):
        handler(make_event("PreSignUp_SignUp"), CONTEXT)
    handler(make_event("PreSignUp_AdminCreateUser"), CONTEXT)
    denied, unhandled = map(_metrics_of, _lines(capsys))
    assert denied["dimensions"] == ["Reason", "TriggerSource"]
    assert denied["values"] == {"Denied": ("Count", 1.0)}
    assert unhandled["dimensions"] == ["TriggerSource"]  # the last one's dimension is gone
    assert unhandled["values"] == {"Unhandled": ("Count", 1.0)}


def test_the_cold_start_is_counted_once_per_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Shop", service="sign-up")

    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return event

    handler({}, CONTEXT)
    handler({}, CONTEXT)
    (cold,) = map(_metrics_of, _lines(capsys))  # nothing recorded: no line of its own
    assert cold["values"] == {"ColdStart": ("Count", 1.0)}
    assert cold["dimensions"] == ["function_name", "service"]


def test_a_full_directive_is_written_before_the_next_metric(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Shop")
    metrics.add_dimension(name="Stage", value="prod")
    for i in range(101):
        metrics.add_metric(name=f"M{i}", unit="Count", value=i)
    for _ in range(100):
        metrics.add_metric(name="M100", unit="Count", value=1)
    metrics.flush_metrics()
    first, second, third = map(_metrics_of, _lines(capsys))  # the limits are 100 and 100
    assert (len(first["values"]), first["dimensions"]) == (100, ["Stage"])
    assert second["values"] == {"M100": ("Count", [100.0] + [1.0] * 99)}
    assert third["values"] == {"M100": ("Count", 1.0)}
    assert second["dimensions"] == third["dimensions"] == ["Stage"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.add_metric(name="X", unit="Counts", value=1), "not a CloudWatch unit"),
        (lambda m: m.add_metric(name="X", unit="Count", value=float("nan")), "within"),
        (lambda m: m.add_metric(name="X", unit="Count", value=True), "within"),
        (lambda m: m.add_metric(name="X", unit="Count", value=1e300), "within"),
        (lambda m: m.add_metric(name="", unit="Count", value=1), "metric name"),
        (lambda m: m.add_metric(name="service", unit="Count", value=1), "taken by a dimension"),
        (lambda m: m.add_dimension(name="Stage", value=""), "dimension 'Stage'"),
        (lambda m: m.add_dimension(name="Stage", value=3), "dimension 'Stage'"),
    ],
)
def test_a_wrong_metric_is_refused_where_it_is_added(call: Any, message: str) -> None:
    metrics = Metrics(namespace="Shop", service="s")
    with pytest.raises(ValueError, match=message):
        call(metrics)


def test_a_metric_keeps_its_unit_and_a_dimension_its_name() -> None:
    metrics = Metrics(namespace="Shop")
    metrics.add_metric(name="Latency", unit="Milliseconds", value=1)
    with pytest.raises(ValueError, match="recorded in Milliseconds, not Seconds"):
        metrics.add_metric(name="Latency", unit="Seconds", value=1)
    with pytest.raises(ValueError, match="taken by a metric"):
        metrics.add_dimension(name="Latency", value="x")
    for i in range(30):
        metrics.add_dimension(name=f"D{i}", value="x")
    with pytest.raises(ValueError, match="at most 30 dimensions"):
        metrics.add_dimension(name="D30", value="x")


def test_the_namespace_comes_from_the_environment_or_the_import_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "FromEnv")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "svc")
    assert Metrics().namespace == "FromEnv"
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    with pytest.raises(ValueError, match="POWERTOOLS_METRICS_NAMESPACE"):
        Metrics()


def test_importing_metrics_loads_nothing_but_json_and_math() -> None:
    """Beyond what the router itself needs (the package, typing, functools) and json and math
    with what they import (which differs between Python versions)."""
    code = (
        "import sys, cognito_triggers, typing, functools, collections.abc, json, math; "
        "before = set(sys.modules); import cognito_triggers.metrics; "
        "print(sorted(m for m in set(sys.modules) - before if not m.startswith('cognito_trig')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout.replace("'", '"')))
    assert loaded <= {"__future__"}


# The Kelvin sign lower-cases to "k": a TokenGeneration source in all but ASCII.
@pytest.mark.parametrize(
    "source", ["", "x" * 2000, "PreSignUp_Sign Up", None, "To\u212aenGeneration_HostedAuth"]
)
def test_an_invalid_events_source_is_no_dimension(
    source: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """The router still answers with InternalError alone, and counts the failure under
    "(unknown)": neither an empty or oversized dimension nor a metric per garbage value."""
    from cognito_triggers.errors import InternalError

    metrics = Metrics(namespace="Shop")
    handler = metrics.log_metrics(TriggerRouter(metrics=metrics).lambda_handler)
    event = make_event("PreSignUp_SignUp")
    event["triggerSource"] = source
    with pytest.raises(InternalError):
        handler(event, CONTEXT)
    (line,) = _lines(capsys)
    assert _metrics_of(line)["values"] == {"Failed": ("Count", 1.0)}
    assert line["TriggerSource"] == "(unknown)"


def test_a_refused_value_is_not_repeated_in_the_error() -> None:
    metrics = Metrics(namespace="Shop")
    with pytest.raises(ValueError, match="not 2000 characters") as refused:
        metrics.add_dimension(name="Email", value="ann@example.com" + "x" * 1985)
    assert "ann@example.com" not in str(refused.value)


def test_a_count_the_router_cannot_make_is_logged_and_the_answer_stands(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """The handler's own metrics leave no room for the router's count (its name in another unit,
    every dimension taken): Cognito still gets the handler's answer, Deny's text or InternalError
    alone, and the log says why the count is missing, after the real failure."""
    from cognito_triggers.errors import InternalError

    metrics = Metrics(namespace="Shop")
    app = TriggerRouter(metrics=metrics)

    @app.pre_sign_up(sources=["PreSignUp_SignUp"])
    def confirm(event: PreSignUpEvent) -> None:
        metrics.add_metric(name="Handled", unit="Milliseconds", value=3)
        event.response.auto_confirm_user = True

    @app.pre_sign_up(sources=["PreSignUp_AdminCreateUser"])
    def deny(event: PreSignUpEvent) -> None:
        for i in range(30):
            metrics.add_dimension(name=f"D{i}", value="x")
        raise Deny("no")

    @app.pre_sign_up(sources=["PreSignUp_ExternalProvider"])
    def broken(event: PreSignUpEvent) -> None:
        metrics.add_metric(name="Failed", unit="Seconds", value=1)
        raise LookupError("table gone")

    handler = metrics.log_metrics(app.lambda_handler)
    assert handler(make_event("PreSignUp_SignUp"), CONTEXT)["response"]["autoConfirmUser"]
    with pytest.raises(Deny, match=r"^no$"):
        handler(make_event("PreSignUp_AdminCreateUser"), CONTEXT)
    with pytest.raises(InternalError):
        handler(make_event("PreSignUp_ExternalProvider"), CONTEXT)
    messages = [r.getMessage() for r in caplog.records]
    assert [m.partition(" {")[0] for m in messages] == [
        "cognito-triggers: the handled count failed with ValueError",
        "cognito-triggers: the denied count failed with ValueError",
        "cognito-triggers: PreSignUp_ExternalProvider failed with LookupError",
        "cognito-triggers: the failed count failed with ValueError",
    ]
    capsys.readouterr()


def test_every_instance_records_into_the_one_flushed_by_the_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Routers joined with include_router keep their modules' own Metrics, as Powertools users'
    do: what those record is written with the handler's, in the same invocation's line."""
    own, included = Metrics(namespace="Shop", service="sign-in"), Metrics(namespace="Other")
    joined = Router()

    @joined.pre_authentication
    def check(event: PreAuthenticationEvent) -> None:
        included.add_metric(name="Checked", unit="Count", value=1)
        included.add_dimension(name="Stage", value="prod")

    app = TriggerRouter(metrics=own)
    app.include_router(joined)
    handler = own.log_metrics(app.lambda_handler)
    handler(make_event("PreAuthentication_Authentication"), CONTEXT)
    handler(make_event("PreAuthentication_Authentication"), CONTEXT)
    first, second = map(_metrics_of, _lines(capsys))
    assert first == second
    assert first["namespace"] == "Shop"
    assert first["dimensions"] == ["service", "Stage", "TriggerSource"]
    assert first["values"] == {"Checked": ("Count", 1.0), "Handled": ("Count", 1.0)}


@pytest.mark.parametrize(
    ("name", "value"),
    [("Stage", "préprod"), ("Stage", "a\nb"), ("Stage", "   "), (":Stage", "prod"), ("Ståge", "x")],
)
def test_a_dimension_cloudwatch_would_drop_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        Metrics(namespace="Shop").add_dimension(name=name, value=value)


def test_provisioned_concurrency_is_no_cold_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:

    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")
    metrics = Metrics(namespace="Shop")
    metrics.log_metrics(capture_cold_start_metric=True)(lambda event, context: event)({}, CONTEXT)
    assert capsys.readouterr().out == ""


class _BrokenStdout:
    """Standard output that refuses the next write (a closed pipe, a full disk)."""

    def __init__(self, real: Any) -> None:
        self.real, self.broken = real, True

    def write(self, text: str) -> int:
        if self.broken:
            self.broken = False
            raise OSError(28, "No space left on device")
        return int(self.real.write(text))

    def flush(self) -> None:
        self.real.flush()


def test_a_metrics_line_that_cannot_be_written_changes_no_answer_and_leaks_into_no_line(
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metrics = Metrics(namespace="Shop")
    app = TriggerRouter(metrics=metrics)

    @app.pre_authentication
    def blocked(event: PreAuthenticationEvent) -> None:
        raise Deny("This account is blocked")

    handler = metrics.log_metrics(app.lambda_handler)
    monkeypatch.setattr(sys, "stdout", _BrokenStdout(sys.stdout))
    with pytest.raises(Deny, match=r"^This account is blocked$"):  # not the OSError
        handler(make_event("PreAuthentication_Authentication"), CONTEXT)
    assert [r.getMessage() for r in caplog.records] == [
        "cognito-triggers: a metrics line could not be written (OSError); its metrics are lost"
    ]
    with pytest.raises(Deny):
        handler(make_event("PreAuthentication_Authentication"), CONTEXT)
    (line,) = _lines(capsys)  # the second invocation's line holds its own count alone
    assert _metrics_of(line)["values"] == {"Denied": ("Count", 1.0)}


def test_a_cold_start_line_that_cannot_be_written_still_runs_the_handler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = Metrics(namespace="Shop")
    app = TriggerRouter(metrics=metrics)

    @app.pre_sign_up
    def confirm(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    handler = metrics.log_metrics(capture_cold_start_metric=True)(app.lambda_handler)
    monkeypatch.setattr(sys, "stdout", _BrokenStdout(sys.stdout))
    assert handler(make_event("PreSignUp_SignUp"), CONTEXT)["response"]["autoConfirmUser"]
    (line,) = _lines(capsys)
    assert _metrics_of(line)["values"] == {"Handled": ("Count", 1.0)}


def _as_cloudwatch_reads_it(document: dict[str, Any]) -> dict[str, Any]:
    """A line as CloudWatch reads it: the order of a dimension set and a single value written
    alone or as a list of one make no difference, the timestamp is the clock's."""
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    (dimension_set,) = directive["Dimensions"]
    return {
        "namespace": directive["Namespace"],
        "dimensions": {name: document[name] for name in dimension_set},
        "metrics": {
            m["Name"]: (m["Unit"], document[m["Name"]] if isinstance(document[m["Name"]], list)
                        else [document[m["Name"]]])
            for m in directive["Metrics"]
        },
        "members": set(document),
    }  # fmt: skip


def test_our_line_is_powertools_line_for_the_calls_both_have(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same calls on ours and on Powertools' Metrics write the same metrics: MetricUnit
    members by value, dimensions, several values of a metric, and flush_metrics."""
    from aws_lambda_powertools import Metrics as PowertoolsMetrics
    from aws_lambda_powertools.metrics import MetricUnit

    def record(metrics: Metrics | PowertoolsMetrics) -> None:
        metrics.add_dimension(name="TriggerSource", value="PreSignUp_SignUp")
        metrics.add_metric(name="Confirmed", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=2.5)
        metrics.add_metric(name="Latency", unit="Milliseconds", value=3)
        metrics.add_metric(name="Payload", unit=MetricUnit.KilobytesPerSecond, value=12)
        metrics.flush_metrics()

    theirs = PowertoolsMetrics(namespace="Shop", service="sign-up")
    try:
        record(Metrics(namespace="Shop", service="sign-up"))
        record(theirs)
    finally:
        theirs.clear_metrics()  # Powertools' instances share what they record, too
    ours, powertools = (_as_cloudwatch_reads_it(line) for line in _lines(capsys))
    assert ours == powertools
    assert ours["metrics"]["Payload"] == ("Kilobytes/Second", [12.0])


def test_a_unit_is_a_cloudwatch_name_or_an_enum_member_holding_one() -> None:
    from aws_lambda_powertools.metrics import MetricResolution

    metrics = Metrics(namespace="Shop")
    with pytest.raises(ValueError, match="60 is not a CloudWatch unit"):
        metrics.add_metric(name="X", unit=MetricResolution.Standard, value=1)


def test_flush_metrics_writes_nothing_or_raises_when_nothing_was_recorded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Shop")
    metrics.add_dimension(name="Stage", value="prod")
    metrics.flush_metrics()
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="no metrics to flush"):
        metrics.flush_metrics(raise_on_empty_metrics=True)


def test_clear_metrics_forgets_the_invocation_and_flush_is_deprecated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = Metrics(namespace="Shop", service="s")
    metrics.add_dimension(name="Stage", value="prod")
    metrics.add_metric(name="Lost", unit="Count", value=1)
    metrics.clear_metrics()
    metrics.add_metric(name="Kept", unit="Count", value=1)
    with pytest.deprecated_call(match="flush_metrics"):
        metrics.flush()  # type: ignore[deprecated]
    (line,) = map(_metrics_of, _lines(capsys))
    assert (line["dimensions"], list(line["values"])) == (["service"], ["Kept"])
