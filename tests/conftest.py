"""Fixtures shared by the example's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cognito_triggers_tools.host_build import built_template
from cognito_triggers_tools.local_deploy import Ministack

ROOT = Path(__file__).resolve().parents[1]

# The example functions make their Metrics when imported, as in Lambda, where the template gives
# them a namespace; without one, Metrics() raises.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Test")

# The pool sends through SES from the template's SenderEmail (no-reply@example.com): the domain
# is the identity to verify, as a real account does once before deploying.
SES_DOMAIN = "example.com"


@pytest.fixture(scope="session")
def build() -> Path:
    """The SAM build for this machine (`make test` builds first; building here otherwise)."""
    return built_template(ROOT)


@pytest.fixture(scope="session")
def cognito_triggers_parameters(local_aws: Ministack) -> dict[str, str]:
    """The account as the stack expects it (its SES identity), and the stack's parameter."""
    local_aws.client("ses").verify_domain_identity(Domain=SES_DOMAIN)
    return {"SesIdentity": SES_DOMAIN}
