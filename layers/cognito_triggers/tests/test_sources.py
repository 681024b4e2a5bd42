"""The table of trigger sources and families."""

from __future__ import annotations

import pytest

from cognito_triggers import TriggerFamily, TriggerSource


def test_all_41_sources_aws_documents() -> None:
    assert len(TriggerSource) == 41
    assert all(member.name == member.value for member in TriggerSource)


@pytest.mark.parametrize(
    ("source", "family", "config_key"),
    [
        ("PreSignUp_ExternalProvider", TriggerFamily.PreSignUp, "PreSignUp"),
        (
            "TokenGeneration_ClientCredentials",
            TriggerFamily.PreTokenGeneration,
            "PreTokenGeneration",
        ),
        ("UserMigration_ForgotPassword", TriggerFamily.UserMigration, "UserMigration"),
        (
            "VerifyAuthChallengeResponse_Authentication",
            TriggerFamily.VerifyAuthChallengeResponse,
            "VerifyAuthChallengeResponse",
        ),
        ("CustomSMSSender_AdminCreateUser", TriggerFamily.CustomSMSSender, "CustomSMSSender"),
        (
            "InboundFederation_ExternalProvider",
            TriggerFamily.InboundFederation,
            "InboundFederation",
        ),
    ],
)
def test_each_source_knows_its_family_and_lambda_config_key(
    source: str, family: TriggerFamily, config_key: str
) -> None:
    member = TriggerSource(source)
    assert member.family is family
    assert member.lambda_config_key == config_key


def test_every_family_has_sources_and_every_source_a_family() -> None:
    assert sum(len(f.sources) for f in TriggerFamily) == 41
    assert all(f.sources for f in TriggerFamily)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("PreSignUp_SomethingNew", TriggerFamily.PreSignUp),  # a future source still routes
        ("CustomSmsSender_SignUp", TriggerFamily.CustomSMSSender),  # AWS's other spelling
        ("VerifyAuthChallenge_Authentication", TriggerFamily.VerifyAuthChallengeResponse),
        ("PreTokenGen", None),
        ("CustomMessage_SignUp/CustomMessage_ResendCode", None),
        ("testTrigger", None),
        ("", None),
        ("trigger_source", None),
        ("PreSignUp_", None),
    ],
)
def test_family_of_a_source_name(name: str, family: TriggerFamily | None) -> None:
    assert TriggerFamily.of(name) is family


def test_families_by_lambda_config_key_or_prefix() -> None:
    assert TriggerFamily.named("PreTokenGeneration") is TriggerFamily.PreTokenGeneration
    assert TriggerFamily.named("TokenGeneration") is TriggerFamily.PreTokenGeneration
    assert TriggerFamily.named("Nope") is None
    assert TriggerFamily.PreTokenGeneration.source_prefix == "TokenGeneration"


def test_a_prefix_is_ascii() -> None:
    # The Kelvin sign lower-cases to "k": without the check this named TokenGeneration.
    assert TriggerFamily.of("To\u212aenGeneration_HostedAuth") is None
    assert TriggerFamily.of("TokenGeneration_HostedAuth") is TriggerFamily.PreTokenGeneration
