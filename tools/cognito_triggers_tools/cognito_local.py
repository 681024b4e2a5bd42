"""cognito-local (npm, pinned, installed into the tools' cache): a Cognito user pool API
on 127.0.0.1 that fires the triggers the local AWS does not (PostConfirmation,
PostAuthentication, UserMigration), calling the functions through the Lambda Invoke API that
``start-lambda`` serves.

Its configuration is written from the template's LambdaConfig: each trigger it can fire is mapped
to the function's LambdaConfig key (``PreSignUp``), a name ``start-lambda`` answers to, so that
its errors read as Cognito's (``PreSignUp failed with error <text>.``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cfn import Template
from .check import wiring
from .emulator import _free_port
from .local_deploy import stop_and_remove
from .toolchain import COGNITO_LOCAL_VERSION, ToolError, cognito_local_command

__all__ = ["FIRES", "CognitoLocal", "cognito_local", "cognito_local_config"]

# The triggers cognito-local 5.3 calls, by its own names (its TriggerFunctions keys). It sends
# V1-shaped pre token generation events only, and custom sender codes need a KMS it cannot reach.
FIRES = (
    "PreSignUp",
    "PostConfirmation",
    "PostAuthentication",
    "UserMigration",
    "CustomMessage",
    "PreTokenGeneration",
)
# It ignores these values (the SDK's Lambda client wants some), and never calls AWS with them.
_DUMMY_CREDENTIALS = {"accessKeyId": "local", "secretAccessKey": "local"}


def cognito_local_config(template: Template, lambda_endpoint: str, port: int) -> dict[str, Any]:
    """cognito-local's ``.cognito/config.json``: its Lambda client at ``lambda_endpoint``, each
    trigger it fires that the template wires, by LambdaConfig key."""
    triggers = {}
    for wire in wiring(template, []):
        key = wire.family.lambda_config_key
        if key in FIRES and wire.function is not None:
            triggers[key] = key
    return {
        "LambdaClient": {
            "endpoint": lambda_endpoint,
            "region": "local",
            "credentials": _DUMMY_CREDENTIALS,
        },
        "TriggerFunctions": triggers,
        "ServerConfig": {"hostname": "127.0.0.1", "port": port},
        "TokenConfig": {"IssuerDomain": f"http://127.0.0.1:{port}"},
    }


@dataclass(frozen=True)
class CognitoLocal:
    url: str
    folder: Path
    """Its working folder: ``.cognito/config.json`` and the pools in ``.cognito/db``."""
    config: dict[str, Any]

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        """The sign-up code it would have sent: it only logs it and keeps it in its pool file."""
        path = self.folder / ".cognito" / "db" / f"{pool_id}.json"
        users = json.loads(path.read_text(encoding="utf-8")).get("Users", {})
        for key, user in users.items():
            if username in (key, user.get("Username")) or any(
                a.get("Value") == username for a in user.get("Attributes", [])
            ):
                code = user.get("ConfirmationCode")
                return str(code) if code else None
        return None


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def cognito_local(
    root: Path,
    template: Template,
    *,
    lambda_endpoint: str,
    port: int | None = None,
    log: Path | None = None,
    timeout: float = 30.0,
) -> Iterator[CognitoLocal]:
    """cognito-local in a fresh folder on ``port`` (default: a free one), for the ``with``."""
    command = cognito_local_command()
    port = port or _free_port()
    folder = Path(tempfile.mkdtemp(prefix="cognito-triggers-cognito-local-"))
    config = cognito_local_config(template, lambda_endpoint, port)
    (folder / ".cognito").mkdir()
    (folder / ".cognito" / "config.json").write_text(json.dumps(config, indent=2))
    log = log or folder / "cognito-local.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command,
            cwd=folder,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                raise ToolError(f"cognito-local {COGNITO_LOCAL_VERSION} did not start:\n{tail}")
            time.sleep(0.1)
        yield CognitoLocal(f"http://127.0.0.1:{port}", folder, config)
    finally:
        stop_and_remove(process, folder)
