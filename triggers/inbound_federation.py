"""InboundFederation: shape a federated user's attributes before Cognito stores them.

Runs on every federated sign-in, new and returning users alike. The attributes come from the
identity provider's ID token and UserInfo answer (OIDC and social providers) or from the SAML
assertion. A non-empty ``userAttributesToMap`` *replaces* what Cognito would store, so the map
holds every attribute to keep: e-mail, names, locale, and the tenant the provider belongs to
(``PROVIDER_TENANTS``, ``ProviderName=tenant`` pairs). ``email_verified`` passes only when the
provider asserts it. No AWS calls: no boto3, no X-Ray SDK on this function's path.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from cognito_triggers import InboundFederationEvent, Metrics, TriggerRouter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)

# Cognito stores an attribute value of 2,048 characters at most.
MAX_VALUE = 2048
OIDC_ATTRIBUTES = ("email", "given_name", "family_name", "name", "locale", "zoneinfo")
_CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
SAML_ATTRIBUTES = {
    f"{_CLAIMS}emailaddress": "email",
    f"{_CLAIMS}givenname": "given_name",
    f"{_CLAIMS}surname": "family_name",
    "http://schemas.microsoft.com/identity/claims/displayname": "name",
    "email": "email",  # many IdPs send plain names too
    "firstName": "given_name",
    "lastName": "family_name",
}
TRUE = ("true", "1")


def provider_tenants() -> dict[str, str]:
    pairs = (p.partition("=") for p in os.environ.get("PROVIDER_TENANTS", "").split(","))
    return {name.strip(): tenant.strip() for name, _, tenant in pairs if name.strip() and tenant}


def _from_oidc(id_token: dict[str, str], user_info: dict[str, str]) -> dict[str, str]:
    # The ID token is signed and checked by Cognito: it wins over the UserInfo answer, which may
    # be empty when that call failed.
    claims = {**user_info, **id_token}
    mapped = {name: claims[name] for name in OIDC_ATTRIBUTES if claims.get(name)}
    if "email" in mapped and claims.get("email_verified", "").lower() in TRUE:
        mapped["email_verified"] = "true"
    return mapped


def _from_saml(assertion: dict[str, str]) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for key, value in assertion.items():
        name = SAML_ATTRIBUTES.get(key)
        if name and value and name not in mapped:
            mapped[name] = value
    return mapped


@app.inbound_federation
def map_attributes(event: InboundFederationEvent) -> None:
    request = event.request
    found = request.attributes
    if found.saml_response is not None:
        mapped = _from_saml(found.saml_response)
    else:
        mapped = _from_oidc(found.id_token or {}, found.user_info or {})
    if not mapped.get("email"):
        # Nothing to build a profile from: {} keeps what Cognito maps itself.
        logger.warning("no e-mail from the provider; attributes left to Cognito's mapping")
        return
    tenant = provider_tenants().get(request.provider_name)
    if tenant:
        mapped["custom:tenant"] = tenant
    event.response.user_attributes_to_map = {k: v[:MAX_VALUE] for k, v in mapped.items()}
    metrics.add_metric(name="FederatedSignIn", unit="Count", value=1)
    logger.info(
        "federated attributes mapped",
        extra={"provider": request.provider_name, "attributes": sorted(mapped)},
    )


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
