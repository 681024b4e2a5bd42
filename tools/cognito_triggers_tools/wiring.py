"""How a user pool's ``LambdaConfig`` wires each trigger family (AWS::Cognito::UserPool
LambdaConfig, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cognito-userpool-lambdaconfig.html):
facts the template tools need and a Lambda function never does, so they live here, not in the
runtime's family records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cognito_triggers.sources import TriggerFamily, TriggerSource

__all__ = ["WIRING", "Wiring"]


@dataclass(frozen=True)
class Wiring:
    arn_key: bool = True
    """Whether ``LambdaConfig.<family>`` may be a plain function ARN."""
    config_key: str | None = None
    """The key whose value is an object ``{LambdaArn, LambdaVersion}``, if there is one."""
    config_versions: tuple[str, ...] = ()
    """The ``LambdaVersion`` values that object takes."""
    needs_version: Mapping[TriggerSource, str] = field(default_factory=dict)
    """Sources Cognito sends only with a given ``LambdaVersion`` or later."""


_OBJECT_ONLY = {
    # Cognito hands these their input under a version; there is no plain-ARN key.
    TriggerFamily.CustomEmailSender: Wiring(
        arn_key=False, config_key="CustomEmailSender", config_versions=("V1_0",)
    ),
    TriggerFamily.CustomSMSSender: Wiring(
        arn_key=False, config_key="CustomSMSSender", config_versions=("V1_0",)
    ),
    TriggerFamily.InboundFederation: Wiring(
        arn_key=False, config_key="InboundFederation", config_versions=("V1_0",)
    ),
}

WIRING: Mapping[TriggerFamily, Wiring] = MappingProxyType(
    {
        family: _OBJECT_ONLY.get(family, Wiring())
        for family in TriggerFamily
        if family is not TriggerFamily.PreTokenGeneration
    }
    | {
        # The flat key is V1; PreTokenGenerationConfig picks the version, and machine tokens
        # (client credentials) reach only a V3_0 trigger.
        TriggerFamily.PreTokenGeneration: Wiring(
            config_key="PreTokenGenerationConfig",
            config_versions=("V1_0", "V2_0", "V3_0"),
            needs_version={TriggerSource.TokenGeneration_ClientCredentials: "V3_0"},
        )
    }
)
