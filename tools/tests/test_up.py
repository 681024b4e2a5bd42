"""`cognito-triggers up` before anything starts: a port in use, and the template AWS would refuse
that the local AWS would deploy. (Deployed and stopped: tools/tests/test_init.py, e2e.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cognito_triggers_tools.local_deploy import stop_and_remove
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


def test_a_second_ctrl_c_during_the_stop_leaves_nothing_behind(tmp_path: Path) -> None:
    """Under `uv run`, Ctrl-C reaches the tools twice; the second must not cut the cleanup
    short (it left ministack's unzipped functions in /dev/shm)."""
    scratch = tmp_path / "scratch"
    (scratch / "functions").mkdir(parents=True)
    stubborn = subprocess.Popen(  # a server slow to stop: it ignores SIGTERM
        [
            sys.executable,
            "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(flush=True)\ntime.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert stubborn.stdout is not None
    stubborn.stdout.readline()  # its SIGTERM handler is set
    ctrl_c = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    ctrl_c.start()
    try:
        stop_and_remove(stubborn, scratch, grace=1.0)  # no KeyboardInterrupt
    finally:
        ctrl_c.cancel()
    assert stubborn.poll() is not None
    assert not scratch.exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
