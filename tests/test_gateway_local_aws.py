"""The agent gateway (``gateway/``) on real tokens: each machine client's client-credentials
access token from the stack deployed to the local AWS, decided for every tool with the pool's
own discovery document and JWKS, as AgentCore Gateway's authorizer and policies would: the
signatures verified against the keys the pool publishes.
``make e2e`` runs them; ``cognito-triggers flows`` (``make run``) prints the matrix."""

from __future__ import annotations

import base64
import json

import pytest

from cognito_triggers_tools.gateway import Decision, matrix
from cognito_triggers_tools.pytest_plugin import LocalStack, TokenRefused

from .agent_gateway import CLIENTS, EXPECTED, SCOPES, TOOLS, load_gateway, outcomes

pytestmark = pytest.mark.e2e


def test_the_agent_gateway_decides_on_real_tokens(local_stack: LocalStack) -> None:
    """The agent gateway's decisions (tool x agent) on each machine client's real token"""
    gateway = load_gateway(local_stack.outputs)
    pool = local_stack.output("UserPoolId")
    discovery = f"{local_stack.url}/{pool}/.well-known/openid-configuration"
    tokens: dict[str, str] = {}
    decisions: dict[str, dict[str, Decision]] = {}
    with local_stack.watch() as seen:
        for agent, output in CLIENTS.items():
            tokens[agent] = local_stack.client_credentials(local_stack.output(output), SCOPES)[
                "access_token"
            ]
    for agent, token in tokens.items():
        decisions[agent] = {
            tool: gateway.decide_token(
                token,
                tool=tool,
                input=arguments,
                discovery=discovery,
            )
            for tool, arguments in TOOLS.items()
        }
    assert len(seen.fired("TokenGeneration_ClientCredentials", "handled")) == len(CLIENTS)
    local_stack.note(f"POST /oauth2/token for {', '.join(CLIENTS)}; discovery {discovery}")
    signatures = sorted({d.signature for row in decisions.values() for d in row.values()})
    for signature in signatures:
        local_stack.note(f"signature {signature} (the pool's JWKS, from its discovery document)")
    for line in matrix(decisions):
        local_stack.note(line)
    for agent, row in decisions.items():
        for decision in row.values():
            local_stack.note(f"{agent}: {decision.describe()}")
    assert outcomes(decisions) == EXPECTED

    assert signatures == ["verified"]

    # A support agent's token made to say finance: its signature no longer verifies, and the
    # authorizer refuses it before any policy reads the forged department.
    header, payload, signature = tokens["support-agent"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["department"] = "finance"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    refused = gateway.decide_token(
        f"{header}.{forged}.{signature}",
        tool="finance___issue_refund",
        input=TOOLS["finance___issue_refund"],
        discovery=discovery,
    )
    assert (refused.allowed, refused.stage) == (False, "authorizer")
    assert refused.signature != "verified"
    local_stack.note(f"the support agent's token edited to say finance: {refused.describe()}")


def test_an_unknown_machine_client_gets_no_token(local_stack: LocalStack) -> None:
    """A machine client missing from the client table gets no token at all"""
    client = local_stack.idp.create_user_pool_client(
        UserPoolId=local_stack.output("UserPoolId"),
        ClientName="stranger-agent",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["agents/invoke"],
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]["ClientId"]
    local_stack.note("an app client with client_credentials, made for this test, in no table")
    with local_stack.watch() as seen, pytest.raises(TokenRefused) as refused:
        local_stack.client_credentials(client, ["agents/invoke"])
    local_stack.note(str(refused.value))
    if (refused.value.status, refused.value.error) == (500, ""):
        local_stack.note("(AWS answers a refused token request 400 with an OAuth error)")
    denied = seen.fired("TokenGeneration_ClientCredentials", "denied")
    assert denied, "pre token generation refused the client"
    assert "UnknownMachineClient" in denied[0].metrics
