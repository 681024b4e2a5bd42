"""SAM's and CloudFormation's own verdict on a template, for tests that call a template valid or
invalid: cfn-lint's errors, and aws-sam-translator's translation (what CloudFormation receives)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

from cognito_triggers_tools.cfn import load_template
from cognito_triggers_tools.lint import translate

__all__ = ["deployable", "lint_errors"]


def lint_errors(template: Path) -> list[str]:
    """cfn-lint's errors (rules E...), as ``E3004: message``, on the template as written."""
    matches = lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
    return [f"{m.rule.id}: {m.message}" for m in matches if m.rule.id.startswith("E")]


def deployable(template: Path) -> dict[str, Any]:
    """What CloudFormation would receive (SAM's own translation), after cfn-lint found no error
    in the SAM template nor in its translation: the proof that a template a test calls valid is
    valid."""
    errors = lint_errors(template)
    assert errors == [], errors
    output = translate(load_template(template))
    after = lint(json.dumps(output), config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in after if m.rule.id.startswith("E")] == []
    return output
