"""Pre token generation on the pool deployed to a local AWS (ministack): a user signs in and
their tokens carry the tenant claim. `make run` runs these (`cognito-triggers flows`)."""

from __future__ import annotations

import secrets

import pytest

from cognito_triggers_tools.pytest_plugin import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def password_client(local_stack: LocalStack) -> str:
    """An app client with password sign-in, for these tests only: the template's web client
    signs in with SRP, which a test would have to compute."""
    created = local_stack.idp.create_user_pool_client(
        UserPoolId=local_stack.output("UserPoolId"),
        ClientName="tests-password-sign-in",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    client_id: str = created["UserPoolClient"]["ClientId"]
    return client_id


def test_sign_in_puts_the_tenant_in_both_tokens(
    local_stack: LocalStack, password_client: str
) -> None:
    """A user of the tenant acme signs in: both tokens carry tenant=acme"""
    pool = local_stack.output("UserPoolId")
    email, password = "ann@example.com", secrets.token_urlsafe(16) + "-Aa1"
    attributes = [
        {"Name": "email", "Value": email},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "custom:tenant", "Value": "acme"},
    ]
    local_stack.idp.admin_create_user(
        UserPoolId=pool, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS"
    )
    local_stack.idp.admin_set_user_password(
        UserPoolId=pool, Username=email, Password=password, Permanent=True
    )
    local_stack.note("user created by an administrator, with a permanent password")
    with local_stack.watch() as seen:
        signed_in = local_stack.sign_in(password_client, email, password)
    assert seen.fired("TokenGeneration_Authentication", "handled")
    tokens = signed_in["AuthenticationResult"]
    assert local_stack.claims("ID token", tokens["IdToken"])["tenant"] == "acme"
    assert local_stack.claims("access token", tokens["AccessToken"])["tenant"] == "acme"
