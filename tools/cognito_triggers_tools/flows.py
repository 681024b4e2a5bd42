"""``cognito-triggers flows`` (``make run``): the project's integration tests (``pytest -m e2e``,
on the tools' pytest plugin) with the plugin's report: each test, the triggers it fired (from
the functions' own logs in the local AWS, or cognito-local's calls through ``start-lambda``),
what it noted, and a last line with counts.

The plugin deploys the project to ministack once, starts cognito-local when a test asks for it,
and stops every process at the end. The exit status is pytest's: non-zero when a test failed, a
trigger function failed (at init too), no test was collected or no function ran.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["play_flows"]


def play_flows(root: Path, *, cognito_local: bool = True, pytest_args: Sequence[str] = ()) -> int:
    """pytest on ``root``'s e2e tests with the flows report; pytest's exit status."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "e2e",
        "-p",
        "no:cacheprovider",
        "--cognito-triggers-report",
        "--cognito-triggers-project",
        str(root),
        *([] if cognito_local else ["--cognito-triggers-no-cognito-local"]),
        *pytest_args,
    ]
    return subprocess.run(command, cwd=root, check=False).returncode  # noqa: S603 - our pytest
