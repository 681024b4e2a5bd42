"""SAM's and CloudFormation's own verdict on a template, for tests that call a template valid or
invalid: cfn-lint's errors, and aws-sam-translator's translation (what CloudFormation receives)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import boto3
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.arn_generator import ArnGenerator  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

from cognito_triggers_tools.cfn import load_template

__all__ = ["deployable", "lint_errors"]


def lint_errors(template: Path) -> list[str]:
    """cfn-lint's errors (rules E...), as ``E3004: message``."""
    matches = lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
    return [f"{m.rule.id}: {m.message}" for m in matches if m.rule.id.startswith("E")]


def deployable(template: Path) -> dict[str, Any]:
    """What CloudFormation would receive (SAM's own translation), after cfn-lint found no error
    in the SAM template: the proof that a template a test calls valid is valid."""
    errors = lint_errors(template)
    assert errors == [], errors
    source = copy.deepcopy(load_template(template).data)
    common = (source.get("Globals") or {}).get("Function") or {}
    if "CodeUri" in common:
        common["CodeUri"] = "s3://bucket/fn.zip"
    for resource in source["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" not in common:
            resource["Properties"]["CodeUri"] = "s3://bucket/fn.zip"
    saved = ArnGenerator.BOTO_SESSION_REGION_NAME
    ArnGenerator.BOTO_SESSION_REGION_NAME = "us-east-1"
    try:
        translator = Translator(
            None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1")
        )
        output: dict[str, Any] = translator.translate(source, {}, get_managed_policy_map=dict)
    finally:
        ArnGenerator.BOTO_SESSION_REGION_NAME = saved
    return output
