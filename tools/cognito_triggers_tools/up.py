"""``cognito-triggers up``: the project built, deployed with ``sam deploy`` to a local AWS
(ministack) and kept running for trying things by hand, until Ctrl-C.

It prints what a client needs (the user pools, their app clients with their secrets, the hosted
UI's and the OpenID endpoints, the stack's outputs) and the environment a boto3 client or the AWS
CLI needs to reach it; then one line per trigger call as the functions' logs tell it.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cfn import stack_name_of
from .host_build import built_template
from .local_deploy import (
    DeployedStack,
    Ministack,
    ministack,
    sam_deploy,
    sigterm_as_interrupt,
)
from .toolchain import MINISTACK_VERSION, ToolError

__all__ = ["describe_stack", "up"]

_LOGS = Path(".aws-sam") / "local"
_POOL = "AWS::Cognito::UserPool"
POLL_SECONDS = 1.0


def _port_is_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ToolError(f"port {port} is in use: choose another with --port") from None
            raise ToolError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None


def describe_stack(deployed: DeployedStack) -> list[str]:
    """What a client of the deployed stack needs, a line each: pools, app clients (with their
    secrets: a local stack's), endpoints, identity pools, functions, outputs, environment."""
    aws = deployed.aws
    idp = aws.client("cognito-idp")
    lines = [f"stack {deployed.name}: {len(deployed.resources)} resources"]
    pools = _of_type(deployed, _POOL)
    for logical_id, pool_id in pools.items():
        lines += _pool_lines(aws, idp, logical_id, pool_id)
    identity_pools = _of_type(deployed, "AWS::Cognito::IdentityPool")
    for logical_id, identity_pool_id in identity_pools.items():
        lines.append(f"identity pool {logical_id}: {identity_pool_id}")
    functions = deployed.functions
    if functions:
        lines.append(f"functions ({len(functions)}):")
        lines += [f"  {logical_id}: {name}" for logical_id, name in sorted(functions.items())]
    if deployed.outputs:
        lines.append("outputs:")
        lines += [f"  {key}: {value}" for key, value in sorted(deployed.outputs.items())]
    lines.append("environment for boto3 and the AWS CLI (paste into a shell):")
    lines += [f"  export {name}={value}" for name, value in aws.environment().items()]
    first = next(iter(pools.values()), None)
    if first:
        lines.append(f"  then: aws cognito-idp describe-user-pool --user-pool-id {first}")
    return lines


def _of_type(deployed: DeployedStack, kind: str) -> dict[str, str]:
    return {k: v for k, v in deployed.resources.items() if deployed.types[k] == kind}


def _pool_lines(aws: Ministack, idp: Any, logical_id: str, pool_id: str) -> list[str]:
    lines = [f"user pool {logical_id}: {pool_id}"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    if pool.get("Domain"):
        lines.append(
            f"  hosted UI (domain {pool['Domain']}): {aws.url}/oauth2/authorize, "
            f"{aws.url}/login, token endpoint {aws.url}/oauth2/token"
        )
    base = f"{aws.url}/{pool_id}/.well-known"
    issuer = aws.get(f"/{pool_id}/.well-known/openid-configuration").get("issuer", "?")
    lines.append(
        f"  issuer (the tokens' iss; a JWT authorizer's discoveryUrl is "
        f"<issuer>/.well-known/openid-configuration): {issuer}"
    )
    lines.append(
        f"  served here: OpenID discovery {base}/openid-configuration, JWKS {base}/jwks.json"
    )
    pages = idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id)
    for page in pages:
        for summary in page["UserPoolClients"]:
            client = idp.describe_user_pool_client(
                UserPoolId=pool_id, ClientId=summary["ClientId"]
            )["UserPoolClient"]
            lines.append(_client_line(client))
    return lines


def _client_line(client: dict[str, Any]) -> str:
    line = f"  app client {client.get('ClientName', '?')}: {client['ClientId']}"
    if client.get("ClientSecret"):
        line += f", secret {client['ClientSecret']} (local only)"
    flows = client.get("AllowedOAuthFlows") or []
    if flows:
        line += f"; OAuth {', '.join(flows)}"
        if client.get("AllowedOAuthScopes"):
            line += f" ({' '.join(client['AllowedOAuthScopes'])})"
    auth = [f.removeprefix("ALLOW_").lower() for f in client.get("ExplicitAuthFlows") or []]
    if auth:
        line += f"; auth flows {', '.join(auth)}"
    return line


def up(
    root: Path,
    *,
    stack_name: str | None,
    parameters: dict[str, str],
    port: int,
    say: Callable[[str], None] = print,
    until: Callable[[], bool] = lambda: False,
) -> int:
    """Build if needed, deploy, print, then follow the trigger calls until Ctrl-C or SIGTERM
    (or ``until()``, for tests); 1 if the local AWS stops on its own."""
    name = stack_name or stack_name_of(root)
    if port:
        _port_is_free(port)
    started = time.perf_counter()
    # What AWS would refuse, ministack may deploy: cfn-lint's errors (what `check` runs) are
    # read beside the build and the deploy, and a template with any is not called ready.
    lint = _Lint(root / "template.yaml", parameters)
    lint.start()
    with sigterm_as_interrupt():
        try:
            built_template(root, root / _LOGS / "sam-build.log")
            with ministack(root, log=root / _LOGS / "ministack.log", port=port) as aws:
                say(f"local AWS: ministack {MINISTACK_VERSION} on {aws.url}")
                deployed = sam_deploy(
                    root,
                    aws,
                    stack_name=name,
                    parameters=parameters,
                    log=root / _LOGS / "sam-deploy.log",
                )
                say(
                    f"sam deploy --stack-name {name}: {len(deployed.resources)} resources "
                    f"({len(deployed.functions)} functions) in {deployed.seconds:.1f} s"
                )
                lint.join()
                if lint.problems:
                    raise ToolError(
                        "the local AWS took the template, but AWS would refuse it (cfn-lint, "
                        "as `cognito-triggers check` runs it):\n"
                        + "\n".join(f"  - {problem}" for problem in lint.problems)
                    )
                for line in describe_stack(deployed):
                    say(line)
                say(f"ready in {time.perf_counter() - started:.1f} s; Ctrl-C stops everything")
                sys.stdout.flush()
                return _follow(deployed, say, until)
        except KeyboardInterrupt:
            say("stopped: the local AWS and its functions")
            return 0


class _Lint(threading.Thread):
    """cfn-lint's errors on the template, in the background (a few seconds of CPU)."""

    def __init__(self, template: Path, parameters: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.template, self.parameters = template, parameters
        self.problems: list[str] = []

    def run(self) -> None:
        from .cfn import load_template
        from .lint import lint_errors

        try:
            template = load_template(self.template)
            template.parameter_overrides = dict(self.parameters)
            self.problems = lint_errors(template)[0]
        except ToolError:  # an unreadable template: the build says so, in its own words
            self.problems = []
        except Exception as error:  # cfn-lint itself failed: said, never a thread's traceback
            self.problems = [f"cfn-lint could not check it: {type(error).__name__}: {error}"]


def _follow(deployed: DeployedStack, say: Callable[[str], None], until: Callable[[], bool]) -> int:
    """One line per trigger call, read from the functions' logs, until interrupted. A call is
    told once it has ended (its ``REPORT`` line) or failed."""
    mark = int(time.time() * 1000)
    seen: set[str] = set()
    told: set[tuple[str, int]] = set()
    while not until():
        time.sleep(POLL_SECONDS)
        why = deployed.aws.exited()
        if why:
            say(f"cognito-triggers: error: {why}")
            return 1
        runs = [r for r in deployed.runs_since(mark) if (r.logical_id, r.timestamp) not in told]
        ended = [run for run in runs if run.duration_ms is not None or run.failed]
        for run in ended:
            run.cold = run.cold or run.logical_id not in seen
            seen.add(run.logical_id)
            told.add((run.logical_id, run.timestamp))
            say(f"trigger  {run.describe()}")
        running = [run.timestamp for run in runs if run.duration_ms is None and not run.failed]
        if running:
            mark = min(running)
        elif ended:
            mark = max(run.timestamp for run in ended) + 1
        told = {key for key in told if key[1] >= mark}
        sys.stdout.flush()
    return 0
