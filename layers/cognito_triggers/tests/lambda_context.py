"""The Lambda context the example functions' tests hand them (Powertools reads these fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Context:
    function_name: str = "test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


CONTEXT: Any = Context()
