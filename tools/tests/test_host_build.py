"""The local build's architecture: what the template declares, rewritten to this machine's where
SAM reads it, and a deploy of that build given the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cognito_triggers_tools.cfn import Template
from cognito_triggers_tools.host_build import _rewrite, declared_architectures, host_parameters
from cognito_triggers_tools.toolchain import ToolError

FUNCTION: dict[str, Any] = {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "a.h"}}


def _function(**properties: Any) -> dict[str, Any]:
    return {**FUNCTION, "Properties": {**FUNCTION["Properties"], **properties}}


def _template(data: dict[str, Any]) -> Template:
    return Template(Path("template.yaml"), data)


@pytest.mark.parametrize(
    "data",
    [
        {"Globals": {"Function": {"Architectures": ["arm64"]}}, "Resources": {"F": FUNCTION}},
        {
            "Resources": {
                "F": {
                    **FUNCTION,
                    "Properties": {**FUNCTION["Properties"], "Architectures": ["arm64"]},
                }
            }
        },
        {"Resources": {"F": FUNCTION}},  # SAM's default, x86_64
    ],
    ids=["in-globals", "in-the-function", "unwritten"],
)
def test_a_literal_architecture_is_rewritten_where_sam_reads_it(data: dict[str, Any]) -> None:
    rewritten = _template(_rewrite(_template(data), {"F"}, "riscv64"))
    # SAM adds a function's list to Globals': one architecture, the host's, once merged.
    assert rewritten.function_property("F", "Architectures") == ["riscv64"]


def test_two_architectures_are_refused_with_where_they_come_from() -> None:
    data = {
        "Globals": {"Function": {"Architectures": ["arm64"]}},
        "Resources": {"F": _function(Architectures=["x86_64"])},
    }
    with pytest.raises(ToolError, match=r"F: Architectures \['arm64', 'x86_64'\] names 2.*Globals"):
        declared_architectures(_template(data))


def test_a_deploy_gives_every_architecture_parameter_the_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cognito_triggers_tools.host_build.host_architecture", lambda: "x86_64")
    data = {
        "Parameters": {"Arch": {"Type": "String", "Default": "arm64"}, "Other": {"Type": "String"}},
        "Resources": {
            "F": {
                **FUNCTION,
                "Properties": {**FUNCTION["Properties"], "Architectures": [{"Ref": "Arch"}]},
            }
        },
    }
    template = _template(data)
    template.parameter_overrides = {"Other": "kept"}
    assert host_parameters(template) == {"Other": "kept", "Arch": "x86_64"}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"AllowedEmailDomain": "x"},
            r"declares no parameter 'AllowedEmailDomain'; did you mean 'AllowedEmailDomains'\?",
        ),
        ({"Zzz": "x"}, r"declares no parameter 'Zzz'; it declares: AllowedEmailDomains, Arch"),
        ({"Arch": "mips"}, r"parameter Arch='mips': the template allows arm64, x86_64"),
    ],
)
def test_a_parameter_cloudformation_would_refuse_is_refused(
    overrides: dict[str, str], error: str
) -> None:
    template = _template(
        {
            "Parameters": {
                "Arch": {"Type": "String", "AllowedValues": ["arm64", "x86_64"]},
                "AllowedEmailDomains": {"Type": "String", "Default": "example.com"},
            },
            "Resources": {"F": FUNCTION},
        }
    )
    template.parameter_overrides = overrides
    with pytest.raises(ToolError, match=error):
        host_parameters(template)
