"""The agent gateway's decisions from the claims the pre token generation handler produces for
each machine client, with no server: ``make_event`` events, the handler with the template's own
client table (SSM on moto), the gateway's authorizer and policies through the Cedar engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import pre_token_generation
from cognito_triggers import Deny
from cognito_triggers.aws import reset_clients
from cognito_triggers.testing import lambda_context, make_event
from cognito_triggers_tools.cfn import Template, load_template
from cognito_triggers_tools.gateway import machine_token_claims, matrix

from .agent_gateway import CLIENTS, EXPECTED, SCOPES, TOOLS, load_gateway, outcomes

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
PARAMETER = "/local/client-claims"


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def outputs(template: Template) -> dict[str, str]:
    """The stack's outputs as the template computes them here (a resource's id is its logical
    id): what the gateway's placeholders are filled with."""
    values = {name: template.resolve(o["Value"]) for name, o in template.data["Outputs"].items()}
    return {name: value for name, value in values.items() if value is not None}


@pytest.fixture
def client_table(template: Template, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The template's client table in SSM (moto), for the handler."""
    for name, value in (
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("CLIENT_CLAIMS_PARAMETER", PARAMETER),
    ):
        monkeypatch.setenv(name, value)
    reset_clients()
    pre_token_generation._client_tables.clear()
    table = template.resources["ClientClaimsParameter"]["Properties"]["Value"]
    with mock_aws():
        boto3.client("ssm").put_parameter(
            Name=PARAMETER, Type="String", Value=template.evaluate(table)
        )
        yield
    reset_clients()
    pre_token_generation._client_tables.clear()


def machine_event(outputs: dict[str, str], client_id: str) -> dict[str, object]:
    return make_event(
        "TokenGeneration_ClientCredentials",
        userPoolId=outputs["UserPoolId"],
        callerContext={"clientId": client_id},
        request={"scopes": SCOPES},
    )


def test_the_decisions_from_the_handlers_claims(
    client_table: None, outputs: dict[str, str]
) -> None:
    gateway = load_gateway(outputs)
    decisions = {}
    for agent, output in CLIENTS.items():
        event = machine_event(outputs, outputs[output])
        reply = pre_token_generation.lambda_handler(event, lambda_context())
        claims = machine_token_claims(event, reply)
        decisions[agent] = {
            tool: gateway.decide(claims, tool=tool, input=arguments)
            for tool, arguments in TOOLS.items()
        }
    print("\n".join(matrix(decisions)))
    assert outcomes(decisions) == EXPECTED
    for row in decisions.values():
        for decision in row.values():
            assert decision.warnings == ()
            assert decision.signature == "not checked: claims, not a token"
    assert json.loads(decisions["finance-agent"]["finance___issue_refund"].tags["groups"]) == [
        "agents",
        "finance",
    ]


def test_a_larger_refund_is_denied_by_the_input(
    client_table: None, outputs: dict[str, str]
) -> None:
    event = machine_event(outputs, outputs["FinanceAgentClientId"])
    claims = machine_token_claims(
        event, pre_token_generation.lambda_handler(event, lambda_context())
    )
    tool, arguments = "finance___issue_refund", {**TOOLS["finance___issue_refund"], "amount": 900}
    decision = load_gateway(outputs).decide(claims, tool=tool, input=arguments)
    assert (decision.allowed, decision.reason) == (False, "no policy permits it")


def test_an_unknown_client_gets_no_token(client_table: None, outputs: dict[str, str]) -> None:
    with pytest.raises(Deny, match=pre_token_generation.NO_TOKEN):
        pre_token_generation.lambda_handler(
            machine_event(outputs, "an-app-client-not-in-the-table"), lambda_context()
        )
