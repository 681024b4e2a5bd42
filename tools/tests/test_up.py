"""`cognito-triggers up` before anything starts: a port in use, and the template AWS would refuse
that the local AWS would deploy. (Deployed and stopped: tools/tests/test_init.py, e2e.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cognito_triggers_tools.toolchain import ToolError
from cognito_triggers_tools.up import _Lint, up

POOL = """\
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UsernameAttribute: [email]
"""


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ToolError, match=rf"port {port} is in use: choose another with --port"):
            up(tmp_path, stack_name=None, parameters={}, port=port)


def test_what_aws_would_refuse_is_found_beside_the_deploy(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(POOL, encoding="utf-8")
    lint = _Lint(tmp_path / "template.yaml", {})
    lint.start()
    lint.join()
    assert any("UsernameAttribute" in problem for problem in lint.problems), lint.problems
