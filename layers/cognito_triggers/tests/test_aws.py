"""client_config: botocore clients that give up inside Cognito's 5 s, proven on a real botocore
client against an endpoint that accepts connections and never answers."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import TYPE_CHECKING, assert_type

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError

from cognito_triggers import aws
from cognito_triggers.aws import client_config, worst_case

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


def test_importing_the_module_loads_no_botocore() -> None:
    # The runtime depends on pydantic only; botocore loads with the first client.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, cognito_triggers.aws; print('botocore' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.strip() == "False"


def test_the_defaults_bound_a_call_to_3_of_cognitos_5_seconds() -> None:
    options = vars(client_config())  # botocore-stubs declare Config's arguments, not attributes
    assert (options["connect_timeout"], options["read_timeout"]) == (0.5, 0.5)
    assert options["retries"] == {"total_max_attempts": 2, "mode": "standard"}
    assert worst_case() == 2 * (0.5 + 0.5) + 1 == 3
    assert worst_case() < aws.COGNITO_WAIT


def test_the_backoff_doubles_before_each_retry() -> None:
    assert worst_case(1, 0, 1) == 1
    assert worst_case(0.25, 0.25, 3) == 3 * 0.5 + 1 + 2


def test_a_configuration_that_outwaits_cognito_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match=r"could take 5 s .* lower the timeouts or the attempts"):
        client_config(read_timeout=1.5, attempts=2)
    with pytest.raises(ValueError, match=r"could take 60.5 s"):
        client_config(read_timeout=60, attempts=1)


@pytest.mark.parametrize(
    "options",
    [{"connect_timeout": 0}, {"read_timeout": -1}, {"attempts": 0}, {"attempts": 1.5}],
)
def test_timeouts_and_attempts_out_of_range_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="client_config: "):
        client_config(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_a_silent_endpoint_fails_the_call_after_the_configured_attempts(
    silent_endpoint: tuple[str, list[socket.socket]], attempts: int
) -> None:
    url, accepted = silent_endpoint
    client = boto3.session.Session().client(
        "ssm",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=client_config(connect_timeout=0.2, read_timeout=0.2, attempts=attempts),
    )
    assert_type(client, "SSMClient")  # boto3-stubs' typed client, for the user's mypy
    with pytest.raises(ReadTimeoutError):
        client.get_parameter(Name="claims")
    assert len(accepted) == attempts


# -- lazy_client: made on first use, kept for warm invocations, tracing opted in ----------------


def test_a_lazy_client_is_made_once_then_kept_until_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    made: list[object] = []

    @aws.lazy_client
    def ssm() -> SSMClient:
        client = boto3.client("ssm", region_name="us-east-1", config=client_config())
        made.append(client)
        return client

    assert_type(ssm(), "SSMClient")
    assert ssm() is ssm() is made[0]
    assert ssm.__name__ == "ssm"
    aws.reset_clients()
    assert ssm() is made[1] is not made[0]


@pytest.mark.parametrize(
    ("value", "traced"),
    [(None, False), ("true", False), ("false", True), (" False ", True), ("0", True)],
)
def test_tracing_aws_calls_is_an_opt_in(
    monkeypatch: pytest.MonkeyPatch, value: str | None, traced: bool
) -> None:
    if value is None:
        monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    else:
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", value)
    assert aws.traced() is traced


def test_tracing_without_powertools_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.setitem(sys.modules, "aws_lambda_powertools", None)  # as if not installed

    @aws.lazy_client
    def sns() -> object:
        raise AssertionError("the client is not made when the tracer cannot be")

    with pytest.raises(ImportError, match=r"install cognito-triggers\[powertools\]"):
        sns()
