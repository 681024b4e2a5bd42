"""What CloudFormation would refuse in a template: cfn-lint's errors, on the template as written
and on SAM's translation of it.

cfn-lint reads SAM resources natively and skips cycles through them, because SAM splits one
resource into several (cfn-lint's rule E3004). But the usual cycle of a Cognito application runs
through what SAM generates: pool -> function (``LambdaConfig``) -> the function's role or
environment -> pool. So the translation, what CloudFormation receives, is linted too, for the
rules about the whole graph.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .cfn import Template

__all__ = ["lint_errors", "translate"]

# Rules on the whole graph, that SAM's generated resources can break (on the translation only).
_GRAPH_RULES = ("E3004",)  # circular dependencies
# Local paths SAM would upload; the translator wants S3 locations.
_ARTIFACTS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
}
_PLACEHOLDER = "s3://cognito-triggers-check/artifact.zip"


def translate(template: Template) -> dict[str, Any]:
    """SAM's own translation of the template (aws-sam-translator, as ``sam deploy`` runs it),
    with local artifact paths standing in as S3 locations. Raises what the translator raises."""
    import boto3
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.arn_generator import (  # type: ignore[import-untyped]
        ArnGenerator,
    )
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

    source = copy.deepcopy(template.data)
    common = (source.get("Globals") or {}).get("Function") or {}
    if isinstance(common.get("CodeUri"), str):
        common["CodeUri"] = _PLACEHOLDER
    for resource in source["Resources"].values():
        key = _ARTIFACTS.get(resource.get("Type"))
        properties = resource.get("Properties")
        if key and isinstance(properties, dict) and isinstance(properties.get(key), str):
            properties[key] = _PLACEHOLDER
    saved = ArnGenerator.BOTO_SESSION_REGION_NAME  # else it asks boto3 for a default region
    ArnGenerator.BOTO_SESSION_REGION_NAME = template.region
    try:
        session = boto3.session.Session(region_name=template.region)
        translator = Translator(None, Parser(), boto_session=session)
        parameters = dict(template.parameter_overrides)
        output: dict[str, Any] = translator.translate(
            source, parameters, get_managed_policy_map=dict
        )
    finally:
        ArnGenerator.BOTO_SESSION_REGION_NAME = saved
    return output


def _lint(text: str, region: str) -> list[Any]:
    from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped] # seconds to load

    matches: list[Any] = lint(text, config=ManualArgs(regions=[region]))
    return [m for m in matches if m.rule.id.startswith("E")]  # warnings are cfn-lint's own


def lint_errors(template: Template) -> tuple[list[str], list[str]]:
    """cfn-lint's errors (``template.yaml:12: E3012 ...``), and notes on what could not be
    checked. The template's own ``Metadata: cfn-lint`` settings apply."""
    text = template.path.read_text(encoding="utf-8")
    errors = [
        f"{template.path.name}:{m.linenumber}: {m.rule.id} {m.message}"
        for m in _lint(text, template.region)
    ]
    if errors or "Transform" not in template.data:
        return errors, []
    try:
        translated = translate(template)
    except Exception as error:  # the translator's own errors are many and untyped
        why = f"{type(error).__name__}: {error}".splitlines()[0]
        return errors, [f"not linted after SAM's translation: {why}"]
    for match in _lint(json.dumps(translated), template.region):
        if match.rule.id in _GRAPH_RULES:
            errors.append(
                f"{template.path.name} (after SAM's translation): {match.rule.id} {match.message}"
            )
    return errors, []
