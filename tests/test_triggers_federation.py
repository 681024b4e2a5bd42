"""The inbound federation function, called like Lambda calls it, on OIDC, social and SAML sign-ins."""

from __future__ import annotations

from typing import Any

import pytest

import inbound_federation
from cognito_triggers.testing import lambda_context, make_event

CONTEXT = lambda_context()


CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
    monkeypatch.setenv("PROVIDER_TENANTS", "CorporateIdP=acme, PartnerSaml=globex")


def _mapped(attributes: dict[str, Any] | None = None, **request: Any) -> Any:
    event = make_event("InboundFederation_ExternalProvider", request=request)
    if attributes is not None:  # what this provider sent, instead of the sample's
        event["request"]["attributes"] = attributes
    return inbound_federation.lambda_handler(event, CONTEXT)["response"]["userAttributesToMap"]


def test_oidc_claims_are_mapped_with_the_providers_tenant() -> None:
    # The sample: e-mail and its verification in the ID token, names in UserInfo.
    assert _mapped() == {
        "email": "jane.doe@example.com",
        "email_verified": "true",
        "given_name": "Jane",
        "family_name": "Doe",
        "custom:tenant": "acme",
    }


def test_the_signed_id_token_wins_over_userinfo() -> None:
    mapped = _mapped(
        providerName="Google",
        providerType="Google",
        attributes={
            "idToken": {"email": "jane@gmail.example", "email_verified": True, "locale": "pt"},
            "userInfo": {"email": "other@example.com", "name": "Jane Doe"},
        },
    )
    assert mapped["email"] == "jane@gmail.example"
    assert mapped["email_verified"] == "true"  # a JSON true, read as Cognito's string
    assert mapped["name"] == "Jane Doe"
    assert mapped["locale"] == "pt"
    assert "custom:tenant" not in mapped  # no tenant for a social provider


def test_email_verified_only_when_the_provider_asserts_it() -> None:
    mapped = _mapped(
        attributes={
            "idToken": {"email": "j@example.com", "email_verified": "false"},
            "userInfo": {},
        }
    )
    assert "email_verified" not in mapped


def test_saml_assertions_are_mapped() -> None:
    mapped = _mapped(
        providerName="PartnerSaml",
        providerType="SAML",
        attributes={
            "samlResponse": {
                f"{CLAIMS}emailaddress": "jane@partner.example",
                f"{CLAIMS}givenname": "Jane",
                f"{CLAIMS}surname": "Doe",
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": "staff",
            }
        },
    )
    assert mapped == {
        "email": "jane@partner.example",
        "given_name": "Jane",
        "family_name": "Doe",
        "custom:tenant": "globex",
    }


def test_without_an_email_cognitos_own_mapping_stays() -> None:
    # A non-empty map would drop every attribute left out of it; {} keeps Cognito's.
    assert _mapped(attributes={"idToken": {"sub": "x"}, "userInfo": {}}) == {}


def test_values_are_cut_to_cognitos_limit() -> None:
    mapped = _mapped(attributes={"idToken": {"email": "j@example.com", "name": "x" * 3000}})
    assert len(mapped["name"]) == 2048
