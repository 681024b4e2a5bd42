"""AWS clients that give up inside Cognito's wait.

Cognito waits 5 seconds for a trigger, its cold start included, and may invoke it again when it
times out
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html).
botocore's defaults (60 s to connect, 60 s for each read, 3 attempts) outwait both: an AWS endpoint
that never answers runs the function into Lambda's own timeout, which leaves no failure log, no
``Failed`` count, and a side effect that may still complete after Cognito has given up.
:func:`client_config` bounds every call instead::

    import boto3
    from cognito_triggers.aws import client_config

    ssm = boto3.client("ssm", config=client_config())  # boto3-stubs still types it SSMClient

An attempt that gets no answer is given up after ``connect_timeout`` + ``read_timeout``, and
botocore's standard retry mode waits at most 1 s before the retry of a throttled call (50 ms
otherwise), twice that before a third attempt. With the defaults the worst case is::

    attempts x (connect + read) + backoff = 2 x (0.5 + 0.5) + 1 = 3 s

which leaves 2 s of Cognito's 5 for the cold start of a function that loads boto3 and for the
handler: the call fails with botocore's exception, the router logs and counts the failure, and
Cognito gets :class:`~cognito_triggers.errors.InternalError`. The bound is per call: a handler
that makes two calls in a row can spend it twice. botocore >= 1.44 also honours a service's
``x-amz-retry-after`` on a retry, up to 5 s more; then the function's ``Timeout`` (5 s) is
the bound.

:func:`lazy_client` makes such a client on first use and keeps it for the warm invocations that
follow, so a function pays for boto3 only when it calls AWS.

botocore is imported when :func:`client_config` is called, never with this
module: the function that makes a client has loaded boto3 anyway, and the runtime keeps no
dependency on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache, update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from botocore.config import Config

_Client = TypeVar("_Client")

__all__ = [
    "ATTEMPTS",
    "COGNITO_WAIT",
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "client_config",
    "lazy_client",
    "reset_clients",
    "traced",
    "worst_case",
]

COGNITO_WAIT = 5.0
"""Seconds Cognito waits for a synchronous trigger; the value cannot be changed."""
CONNECT_TIMEOUT = 0.5
"""Seconds to open a connection; an AWS endpoint in the function's region takes milliseconds."""
READ_TIMEOUT = 0.5
"""Seconds of silence from the service before an attempt is given up."""
ATTEMPTS = 2
"""The call and one retry (a throttle, a 5xx, a timeout)."""

# botocore's standard mode sleeps rand(0, 1) x min(1 s x 2**i, 20 s) before retry i (0-based)
# of a throttled call: the longest of its backoffs (botocore/retries/standard.py).
_THROTTLE_BACKOFF = 1.0
_MAX_BACKOFF = 20.0


def worst_case(
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    attempts: int = ATTEMPTS,
) -> float:
    """Seconds a call to an endpoint that never answers takes at most: every attempt given up,
    and the longest backoff before each retry."""
    backoff = sum(min(_THROTTLE_BACKOFF * 2.0**i, _MAX_BACKOFF) for i in range(attempts - 1))
    return attempts * (connect_timeout + read_timeout) + backoff


def client_config(
    *,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    attempts: int = ATTEMPTS,
) -> Config:
    """The botocore ``Config`` for ``boto3.client(service, config=client_config())``: connect and
    read timeouts and bounded attempts (standard retry mode) whose :func:`worst_case` ends
    inside Cognito's 5 s.

    A configuration that would outwait Cognito is refused (``ValueError``). To set more than
    these, merge: ``client_config().merge(Config(region_name="eu-west-1"))``.

    Example::

        @cache
        def ssm() -> SSMClient:
            import boto3

            return boto3.client("ssm", config=client_config())
    """
    if not (connect_timeout > 0 and read_timeout > 0):
        raise ValueError("client_config: connect_timeout and read_timeout are seconds, above 0")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValueError("client_config: attempts counts the call and its retries: 1 or more")
    longest = worst_case(connect_timeout, read_timeout, attempts)
    if longest >= COGNITO_WAIT:
        raise ValueError(
            f"client_config: a call could take {longest:g} s ({attempts} x "
            f"({connect_timeout:g} + {read_timeout:g}) s and the backoff before each retry), "
            f"and Cognito waits {COGNITO_WAIT:g} s, the cold start included: lower the timeouts "
            f"or the attempts"
        )
    from botocore.config import Config

    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": attempts, "mode": "standard"},
    )


def traced() -> bool:
    """Whether AWS calls are recorded as X-Ray subsegments: an opt-in, with Powertools' own
    switch set to ``POWERTOOLS_TRACE_DISABLED=false`` (``Tracing: Active`` alone records each
    invocation, not each call). The X-Ray SDK costs a cold start about as much as boto3."""
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("false", "0")


_made: list[Callable[[], Any]] = []  # every lazy_client's cached factory, for reset_clients()


def lazy_client(factory: Callable[[], _Client]) -> Callable[[], _Client]:
    """Decorate the function that makes an AWS client: it runs on the first call, and its client
    serves every warm invocation after. A function pays for boto3 only once it calls AWS, and
    with :func:`traced`, Powertools' ``Tracer`` patches botocore before the client is made, so
    each call is an X-Ray subsegment (that needs ``cognito-triggers[powertools]``, and says so).

    Example::

        @lazy_client
        def ssm() -> SSMClient:  # boto3-stubs' type: your checker knows every call
            import boto3

            return boto3.client("ssm", config=client_config())
    """

    @cache
    def made() -> _Client:
        if traced():
            try:
                from aws_lambda_powertools import Tracer  # the X-Ray SDK
            except ImportError as error:
                raise ImportError(
                    "POWERTOOLS_TRACE_DISABLED=false records AWS calls with Powertools' Tracer: "
                    "install cognito-triggers[powertools], or leave the variable unset"
                ) from error
            Tracer(patch_modules=["botocore"])
        return factory()

    _made.append(made)
    return update_wrapper(made, factory)


def reset_clients() -> None:
    """Forget every client :func:`lazy_client` made, so the next call makes a new one: for tests
    that change the endpoint or the credentials (moto's ``mock_aws``) between cases."""
    for made in _made:
        made.cache_clear()  # type: ignore[attr-defined]
