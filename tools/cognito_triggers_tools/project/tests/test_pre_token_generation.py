from __future__ import annotations

import pre_token_generation
from cognito_triggers import PreTokenGenerationV2Event
from cognito_triggers.testing import invoke, make_event


def test_the_tenant_goes_into_both_tokens() -> None:
    result = invoke(pre_token_generation.app, make_event("TokenGeneration_Authentication"))
    assert isinstance(result, PreTokenGenerationV2Event)  # V3_0 pools send version "3"
    details = result.response.claims_and_scope_override_details
    assert details is not None
    assert details.id_token_generation is not None
    assert details.access_token_generation is not None
    assert details.id_token_generation.claims_to_add_or_override == {"tenant": "acme"}
    assert details.access_token_generation.claims_to_add_or_override == {"tenant": "acme"}


def test_a_user_without_a_tenant_gets_no_claim() -> None:
    event = make_event(
        "TokenGeneration_RefreshTokens", request={"userAttributes": {"custom:tenant": " "}}
    )
    assert pre_token_generation.lambda_handler(event, None) == event


def test_machine_tokens_are_left_alone() -> None:
    event = make_event("TokenGeneration_ClientCredentials")
    assert pre_token_generation.lambda_handler(event, None) == event
