"""Metrics as CloudWatch's embedded metric format (EMF), importing only ``json`` and ``math``.

One JSON line on standard output per invocation: Lambda sends it to CloudWatch Logs, which turns
it into metrics, with no call to AWS and no agent. It keeps Powertools' name because it is a part
of Powertools' ``Metrics``, with the same meaning: ``add_metric`` (a unit as CloudWatch names it,
or a member of Powertools' ``MetricUnit``), ``add_dimension``, ``flush_metrics``, ``clear_metrics``
and ``log_metrics``, the same environment variables for the namespace and the service, and the
same line (a test compares the two), so either one can be given to ``TriggerRouter(metrics=...)``.
This one costs a cold start next to nothing (Lambda's runtime has loaded ``json`` and ``math``
already); importing Powertools costs about what the router does (docs/performance.md).

Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import Any, Literal, ParamSpec, TypeVar, get_args, overload

from ._deprecated import deprecated

__all__ = ["Metrics", "Unit", "reset_cold_start_flag"]

P = ParamSpec("P")
R = TypeVar("R")

# CloudWatch's units (MetricDatum.Unit in the CloudWatch API reference).
Unit = Literal[
    "Seconds", "Microseconds", "Milliseconds",
    "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second",
    "None",
]  # fmt: skip
_UNITS = frozenset(get_args(Unit))

# The specification's limits: 100 metrics per directive, 100 values per metric, 30 dimensions.
MAX_METRICS = 100
MAX_VALUES = 100
MAX_DIMENSIONS = 30
MAX_VALUE = 2.0**360  # CloudWatch rejects larger magnitudes (MetricDatum.Value)


class _Buffer:
    """What the process's invocation has recorded so far, shared by every :class:`Metrics`."""

    def __init__(self) -> None:
        self.metrics: dict[str, tuple[str, list[float]]] = {}
        self.dimensions: dict[str, str] = {}  # added by calls; each instance adds its defaults
        self.cold = True


_BUFFER = _Buffer()


class Metrics:
    """Metrics of one invocation, written as one EMF line when the handler returns or raises.

    ``namespace`` defaults to ``POWERTOOLS_METRICS_NAMESPACE``; without either, making the object
    raises (at import, where the mistake is seen, not at the first flush). ``service`` (default
    ``POWERTOOLS_SERVICE_NAME``) becomes a ``service`` dimension of every metric. As with
    Powertools, every instance records into the same place, so the handlers of routers joined with
    ``include_router`` are written out by the one handler ``log_metrics`` decorates::

        metrics = Metrics()
        app = TriggerRouter(metrics=metrics)

        @metrics.log_metrics(capture_cold_start_metric=True)
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            return app.lambda_handler(event, context)
    """

    def __init__(self, namespace: str | None = None, service: str | None = None) -> None:
        namespace = namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
        if not namespace:
            raise ValueError(
                "Metrics needs a namespace: Metrics(namespace=...) or the "
                "POWERTOOLS_METRICS_NAMESPACE environment variable"
            )
        self.namespace = _text(namespace, "namespace", 255)
        service = service or os.environ.get("POWERTOOLS_SERVICE_NAME")
        self._defaults = {"service": _text(service, "service", 1024)} if service else {}

    @property
    def _dimensions(self) -> dict[str, str]:
        return {**self._defaults, **_BUFFER.dimensions}

    def add_metric(self, name: str, unit: Unit | Enum, value: float) -> None:
        """Record ``value`` under ``name``; a name recorded twice keeps both values. ``unit`` is
        CloudWatch's name for it, or an enum member whose value is (Powertools'
        ``MetricUnit.Count``)."""
        _text(name, "metric name", 255)
        named: str = unit.value if isinstance(unit, Enum) else unit
        if named not in _UNITS:
            raise ValueError(f"metric {name!r}: {named!r} is not a CloudWatch unit")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or abs(value) > MAX_VALUE
        ):
            raise ValueError(f"metric {name!r}: the value must be a number within ±2^360")
        if name in self._defaults or name in _BUFFER.dimensions or name == "_aws":
            raise ValueError(f"metric {name!r}: the name is taken by a dimension")
        metrics = _BUFFER.metrics
        recorded = metrics.get(name)
        if recorded is not None and recorded[0] != named:
            raise ValueError(f"metric {name!r} was recorded in {recorded[0]}, not {named}")
        if recorded is None and len(metrics) == MAX_METRICS:
            self._flush(keep_dimensions=True)
        values = metrics.setdefault(name, (named, []))[1]
        values.append(float(value))
        if len(values) == MAX_VALUES:
            self._flush(keep_dimensions=True)

    def add_dimension(self, name: str, value: str) -> None:
        """A dimension of every metric this invocation writes (reset when it is flushed)."""
        _text(name, "dimension name", 255)
        _text(value, f"dimension {name!r}", 1024)
        # CloudWatch's rules (Dimension, in its API reference); a line that breaks them is
        # dropped whole, with no error anywhere.
        if not _is_dimension_text(name) or name.startswith(":"):
            raise ValueError("a dimension name is printable ASCII, not blank, no leading ':'")
        if not _is_dimension_text(value):
            raise ValueError(f"dimension {name!r}: the value is printable ASCII, not blank")
        if name in _BUFFER.metrics or name == "_aws":
            raise ValueError(f"dimension {name!r}: the name is taken by a metric")
        dimensions = self._dimensions
        if name not in dimensions and len(dimensions) == MAX_DIMENSIONS:
            raise ValueError(f"at most {MAX_DIMENSIONS} dimensions: cannot add {name!r}")
        _BUFFER.dimensions[name] = value

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        """Write what was recorded as one EMF line, then start again. Nothing recorded writes no
        line, or raises ``ValueError`` with ``raise_on_empty_metrics``.

        The buffer is emptied before the line is written: if writing fails (``OSError`` from a
        closed or full standard output), the error is raised but this invocation's metrics never
        reach the next one's line."""
        if raise_on_empty_metrics and not _BUFFER.metrics:
            raise ValueError("no metrics to flush (raise_on_empty_metrics=True)")
        self._flush()

    @deprecated("Metrics.flush() is Metrics.flush_metrics(), as in Powertools")
    def flush(self) -> None:
        """Deprecated: :meth:`flush_metrics`."""
        self._flush()

    def clear_metrics(self) -> None:
        """Forget what was recorded and the dimensions added (``service`` stays), writing nothing:
        for tests, which start each case as a new invocation would."""
        _BUFFER.metrics.clear()
        _BUFFER.dimensions.clear()

    def _flush(self, *, keep_dimensions: bool = False) -> None:
        metrics = dict(_BUFFER.metrics)  # add_metric holds the buffer's own dict: empty it in place
        dimensions = self._dimensions if metrics else {}
        _BUFFER.metrics.clear()
        if not keep_dimensions:
            _BUFFER.dimensions.clear()
        if metrics:
            _write(self.namespace, dimensions, metrics)

    @overload
    def log_metrics(self, handler: Callable[P, R], /) -> Callable[P, R]: ...
    @overload
    def log_metrics(
        self, handler: None = None, /, *, capture_cold_start_metric: bool = False
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
    def log_metrics(
        self,
        handler: Callable[..., Any] | None = None,
        /,
        *,
        capture_cold_start_metric: bool = False,
    ) -> Callable[..., Any]:
        """Decorate the Lambda handler: metrics are flushed when it returns or raises. With
        ``capture_cold_start_metric``, an execution environment's first invocation also writes
        ``ColdStart`` (dimensions ``function_name`` and ``service``), as Powertools does."""

        def decorate(handler: Callable[P, R]) -> Callable[P, R]:
            @wraps(handler)
            def flushed(*args: P.args, **kwargs: P.kwargs) -> R:
                if _BUFFER.cold:
                    _BUFFER.cold = False
                    # Provisioned concurrency initialises ahead of any request: no one waited.
                    provisioned = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")
                    if capture_cold_start_metric and provisioned != "provisioned-concurrency":
                        context = args[1] if len(args) > 1 else kwargs.get("context")
                        _quietly(lambda: self._cold_start(context))
                try:
                    return handler(*args, **kwargs)
                finally:
                    _quietly(self._flush)

            return flushed

        return decorate if handler is None else decorate(handler)

    def _cold_start(self, context: Any) -> None:
        name = getattr(context, "function_name", None) or os.environ.get(
            "AWS_LAMBDA_FUNCTION_NAME", ""
        )
        dimensions = {"function_name": str(name), **self._defaults} if name else self._defaults
        _write(self.namespace, dimensions, {"ColdStart": ("Count", [1.0])})


def reset_cold_start_flag() -> None:
    """Make the next invocation the environment's first again (the ``ColdStart`` metric of
    ``log_metrics(capture_cold_start_metric=True)``), as Powertools' function of that name: for
    tests."""
    _BUFFER.cold = True


def _quietly(write: Callable[[], None]) -> None:
    # Around the handler: a line that cannot be written (OSError from a closed or full standard
    # output) is logged, never raised, which would replace the handler's answer (a Deny, a
    # response) with the write's error.
    try:
        write()
    except Exception as error:
        import logging  # only on a failure: off the cold-start path

        logging.getLogger("cognito_triggers").error(
            "cognito-triggers: a metrics line could not be written (%s); its metrics are lost",
            type(error).__name__,
        )


def _is_dimension_text(text: str) -> bool:
    return text.isascii() and text.isprintable() and not text.isspace()


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        # Never the value itself: a dimension may hold what a log must not.
        got = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise ValueError(f"{what} must be a string of 1 to {limit} characters, not {got}")
    return value


def _write(
    namespace: str, dimensions: dict[str, str], metrics: dict[str, tuple[str, list[float]]]
) -> None:
    directive = {
        "Namespace": namespace,
        "Dimensions": [list(dimensions)],
        "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in metrics.items()],
    }
    document: dict[str, Any] = {
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [directive]},
        **dimensions,
    }
    for name, (_, values) in metrics.items():
        document[name] = values[0] if len(values) == 1 else values
    print(json.dumps(document, separators=(",", ":")), flush=True)
