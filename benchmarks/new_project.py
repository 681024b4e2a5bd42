"""Cold start of a function made by ``cognito-triggers init``, as ``sam build`` ships it, beside
the router alone (on the new project's own layer) and the example's PreSignUp, in one interleaved
run; then how long the new project's ``make test`` takes.

The new project is made as a user makes one: this workspace's wheels built, ``init`` run into a
temporary folder, ``make test`` there (which installs the project), ``cognito-triggers build``.
Each scenario is a fresh Python 3.13 in the shape Lambda runs a built function (functions.py says
how it is timed: CPU from the process's first line, round-robin rounds in a new order each,
medians). Prints figures and whether the target is met; asserts nothing. Run:
``python -m benchmarks.new_project`` (after ``make build``), or ``make bench``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.functions import HANDLE, ROUTER_ALONE, Scenario, run_once
from benchmarks.lambda_shape import copy_build, lambda_environment
from cognito_triggers_tools.init import DEFAULT_TRIGGERS, init_project
from cognito_triggers_tools.toolchain import runtime_python, uv

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.1  # a new project's PreSignUp over the router alone
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "21"))


def made_project(tmp: Path) -> tuple[Path, float]:
    """A project made by ``init`` in ``tmp``, installed and built as a user does; how long its
    ``make test`` took."""
    wheels = tmp / "wheels"
    subprocess.run(
        [uv(), "build", "--all-packages", "--quiet", "--out-dir", str(wheels)], cwd=ROOT, check=True
    )
    project = tmp / "new-project"
    init_project(project, list(DEFAULT_TRIGGERS))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV")}
    env |= {"PATH": "/usr/local/bin:/usr/bin:/bin", "UV_FIND_LINKS": str(wheels)}
    start = time.perf_counter()
    subprocess.run(["make", "test"], cwd=project, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    build = [str(project / ".venv" / "bin" / "cognito-triggers"), "build"]
    subprocess.run(build, cwd=project, env=env, check=True, capture_output=True)
    return project, seconds


def main() -> None:
    python = runtime_python()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        project, test_seconds = made_project(tmp)
        new = copy_build(project, tmp / "new")["PreSignUpFunction"]
        example = copy_build(ROOT, tmp / "example")["PreSignUpFunction"]
        event = json.loads((project / "events" / "PreSignUp_SignUp.json").read_text())
        events = f"EVENTS = {[event]!r}\nEVENT = EVENTS[0]\n"
        scenarios = [
            Scenario("router alone", lambda_environment(new), events + ROUTER_ALONE),
            Scenario(
                "new project's PreSignUp",
                lambda_environment(new),
                events + HANDLE.format(module=new.handler_module),
            ),
            Scenario(
                "example's PreSignUp",
                {**lambda_environment(example), "POWERTOOLS_METRICS_NAMESPACE": "Bench"},
                events + HANDLE.format(module=example.handler_module),
            ),
        ]
        for scenario in scenarios:  # warms the file cache
            run_once(python, scenario)
        times: dict[str, list[float]] = {s.name: [] for s in scenarios}
        order = list(scenarios)
        for round_ in range(ROUNDS):
            random.Random(round_).shuffle(order)  # noqa: S311 - an order, not a secret
            for scenario in order:
                times[scenario.name].append(run_once(python, scenario)[1])
    median = {name: statistics.median(values) * 1e3 for name, values in times.items()}
    router = median["router alone"]
    print(f"A new project's function, cold, as sam build ships it ({ROUNDS} rounds, CPU ms):")
    for name, figure in median.items():
        print(f"  {name:<26} {figure:7.1f} ms  {figure / router:5.2f}x the router alone")
    ratio = median["new project's PreSignUp"] / router
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"  target: at most {TARGET}x the router alone: {ratio:.2f}x, {verdict}")
    print(f"make test of a new project with {len(DEFAULT_TRIGGERS)} triggers: {test_seconds:.1f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
