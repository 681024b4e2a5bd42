"""Fixtures shared by the runtime's tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]  # the distribution's folder (its pyproject.toml)


def uv() -> str:
    """The uv running these tests (``uv run`` says which), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail("uv is needed to build the wheel: run the tests with `uv run pytest`")
    return found


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`uv build` of this distribution, once per run: the sdist, then the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = [uv(), "build", "--quiet", "--out-dir", str(out), str(PROJECT)]
    result = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def silent_endpoint() -> Iterator[tuple[str, list[socket.socket]]]:
    """A local HTTP endpoint that accepts every connection and never answers: its URL, and the
    connections it accepted (one per attempt: botocore drops a connection that timed out)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)  # closing a socket does not wake a blocked accept(): poll instead
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(connection)  # held open, never read, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    finally:
        done.set()
        thread.join()
        server.close()
        for connection in accepted:
            connection.close()
