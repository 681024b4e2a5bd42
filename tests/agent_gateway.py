"""The example's agent gateway (``gateway/``), one table for both its tests: the two machine
clients, the tools each is asked about (with the arguments used), and what the gateway decides.
``test_gateway_policies.py`` gets the decisions from the claims the pre token generation handler
produces, with no server; ``test_gateway_local_aws.py`` from the tokens the local AWS issues."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cognito_triggers_tools.gateway import Decision, Gateway

GATEWAY = Path(__file__).resolve().parents[1] / "gateway"
CLIENTS = {"support-agent": "SupportAgentClientId", "finance-agent": "FinanceAgentClientId"}
"""Each agent's name, and the stack output that holds its app client id."""
SCOPES = ["agents/invoke", "agents/read"]

TOOLS: dict[str, dict[str, Any]] = {
    "support___lookup_ticket": {"ticket_id": "T-1042"},
    "finance___issue_refund": {"order_id": "O-77", "amount": 120},
    "directory___find_colleague": {"name": "Ann"},
    "directory___export_all": {},
}

SUPPORT_ONLY = "permitted by support-looks-up-tickets"
FINANCE_ONLY = "permitted by finance-issues-refunds"
EVERY_AGENT = "permitted by agents-use-the-directory"
NOT_PERMITTED = "no policy permits it"
EXPECTED: dict[str, dict[str, tuple[bool, str]]] = {
    "support-agent": {
        "support___lookup_ticket": (True, SUPPORT_ONLY),
        "finance___issue_refund": (False, NOT_PERMITTED),
        "directory___find_colleague": (True, EVERY_AGENT),
        "directory___export_all": (False, "forbidden by only-finance-exports-the-directory"),
    },
    "finance-agent": {
        "support___lookup_ticket": (False, NOT_PERMITTED),
        "finance___issue_refund": (True, FINANCE_ONLY),
        "directory___find_colleague": (True, EVERY_AGENT),
        "directory___export_all": (True, EVERY_AGENT),
    },
}
"""Agent -> tool -> (allowed, why)."""


def load_gateway(outputs: Mapping[str, str]) -> Gateway:
    """The gateway of ``gateway/``, its ``${...}`` placeholders filled from the stack's outputs
    (in AWS, the deployed stack's; here the local one's, or the template's evaluated locally)."""
    return Gateway.load(
        authorizer=GATEWAY / "authorizer.json",
        policies=GATEWAY / "policies",
        schema=GATEWAY / "schema.cedarschema",
        placeholders=outputs,
    )


def outcomes(decisions: Mapping[str, Mapping[str, Decision]]) -> dict[str, dict[str, Any]]:
    """Agent -> tool -> (allowed, why), to compare with :data:`EXPECTED`."""
    return {
        agent: {tool: (d.allowed, d.reason) for tool, d in row.items()}
        for agent, row in decisions.items()
    }
