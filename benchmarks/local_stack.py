"""A project deployed to the local AWS as the tools deploy it (``cognito-triggers up``, the same
``sam deploy`` the pytest plugin's ``local_stack`` runs): how long until it is ready, and what a
sign-up and sign-in cost once the functions are warm. For a project made by ``init`` with three
triggers and for the example's 13 functions, in alternating rounds.

Per round and project: ``up`` is started afresh (ministack, ``sam deploy`` of the build) and
timed to its ``ready`` line; then one flow after another, each a new user's sign-up
(PreSignUp), confirmation by an administrator and password sign-in (pre token generation),
timed as the client waits. The first flow meets cold functions; the others are warm. Prints
medians and whether the targets are met; asserts nothing. Run: ``python -m
benchmarks.local_stack`` (after ``make build``), or ``make bench``.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from benchmarks.new_project import made_project

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_UP_ROUNDS", "3"))
FLOWS = int(os.environ.get("BENCH_FLOWS", "8"))
DEPLOY_TARGET = 15.0  # seconds, sam deploy to the local AWS
WARM_TARGET = 1.0  # seconds, a warm sign-up and sign-in
PASSWORD = "Correct-Horse-9-battery!"
_DEPLOY = re.compile(r"^sam deploy .*: (\d+) resources \((\d+) functions\) in ([\d.]+) s$")


@dataclass
class Figures:
    resources: int = 0
    functions: int = 0
    deploy: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    cold_flow: list[float] = field(default_factory=list)
    warm_flow: list[float] = field(default_factory=list)


def _start(cognito_triggers: Path, project: Path, env: dict[str, str]) -> tuple[Any, list[str]]:
    command = [str(cognito_triggers), "--project", str(project), "up", "--stack-name", "bench"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("ready in"):
            return process, lines
    process.wait()
    raise SystemExit(f"up failed in {project}:\n" + "\n".join(lines[-20:]))


def _flow(idp: Any, pool: str, web: str, tester: str, n: int) -> float:
    email = f"bench{n}-{time.monotonic_ns()}@example.com"
    started = time.perf_counter()
    signed_up = idp.sign_up(
        ClientId=web,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    if not signed_up["UserConfirmed"]:  # the example confirms example.com on the spot
        idp.admin_confirm_sign_up(UserPoolId=pool, Username=email)
    idp.initiate_auth(
        ClientId=tester,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return time.perf_counter() - started


def _round(
    name: str, cognito_triggers: Path, project: Path, env: dict[str, str], into: Figures
) -> None:
    started = time.perf_counter()
    process, lines = _start(cognito_triggers, project, env)
    ready = time.perf_counter() - started
    try:
        deploy = next(m for line in lines if (m := _DEPLOY.match(line)))
        into.resources, into.functions = int(deploy.group(1)), int(deploy.group(2))
        into.deploy.append(float(deploy.group(3)))
        into.ready.append(ready)
        values = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in lines
            if line.strip().startswith("export ")
        )
        pool = next(line.split()[-1] for line in lines if line.startswith("user pool "))
        web = re.search(r"app client web: (\w+)", "\n".join(lines))
        assert web, f"{name}: no web client printed"
        idp = boto3.client(
            "cognito-idp",
            endpoint_url=values["AWS_ENDPOINT_URL"],
            region_name=values["AWS_REGION"],
            aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
        )
        tester = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="bench",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        flows = [_flow(idp, pool, web.group(1), tester, n) for n in range(FLOWS)]
        into.cold_flow.append(flows[0])
        into.warm_flow += flows[1:]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        project, _ = made_project(Path(folder))
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV")}
        # Each project builds with its own tools (`up` builds when the build is stale).
        subjects = {
            "new project (3 triggers)": (project / ".venv" / "bin" / "cognito-triggers", project),
            "the example (13 functions)": (ROOT / ".venv" / "bin" / "cognito-triggers", ROOT),
        }
        figures = {name: Figures() for name in subjects}
        for round_ in range(ROUNDS):
            order = list(subjects) if round_ % 2 == 0 else list(reversed(subjects))
            for name in order:
                _round(name, *subjects[name], env, figures[name])
    print(
        f"Deployed to the local AWS with `cognito-triggers up` ({ROUNDS} rounds, medians; "
        f"{FLOWS - 1} warm flows a round):"
    )
    for name, got in figures.items():
        deploy = statistics.median(got.deploy)
        warm = statistics.median(got.warm_flow)
        print(
            f"  {name:<27} {got.resources} resources: sam deploy {deploy:5.1f} s "
            f"({'meets' if deploy <= DEPLOY_TARGET else 'MISSES'} {DEPLOY_TARGET:.0f} s), "
            f"ready {statistics.median(got.ready):5.1f} s; sign-up + sign-in: first "
            f"{statistics.median(got.cold_flow):4.2f} s, warm {warm:4.2f} s "
            f"({'meets' if warm <= WARM_TARGET else 'MISSES'} {WARM_TARGET:.0f} s)"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
