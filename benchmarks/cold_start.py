"""Cold start, per-event cost and peak memory, beside the floors and Powertools, in one run.

Prints figures; asserts nothing (machines here are noisy: read the ratios, which compare runs made
side by side, round-robin, in the same minute). Run: ``make bench``.

Every cold start is a fresh interpreter with bytecode already compiled, as a built Lambda layer
ships it. Times are medians of wall time as the parent sees it; each ratio is taken above a bare
interpreter start, which no framework can remove.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

ROOTS = [Path(sysconfig.get_paths()["purelib"]), Path(__file__).resolve().parents[1] / "layers"]
EVENT_FILE = Path(__file__).resolve().parents[1] / "events" / "PreSignUp_SignUp.json"
TARGETS = {"pydantic floor": 1.15, "Powertools parser": 0.65}

# The event is pasted in as a Python literal so no scenario pays for importing json.
EVENT = json.loads(EVENT_FILE.read_text())
SCENARIOS: dict[str, str] = {
    "bare interpreter": "pass",
    "pydantic floor": "from pydantic import BaseModel",
    "one trivial pydantic model": (
        "from pydantic import BaseModel\n"
        "class M(BaseModel):\n    a: int\n"
        "M.model_validate({'a': 1})"
    ),
    "cognito-triggers parse": (f"import cognito_triggers\ncognito_triggers.parse_event({EVENT!r})"),
    "cognito-triggers router": (
        "from cognito_triggers import TriggerRouter\n"
        "app = TriggerRouter()\n"
        "@app.pre_sign_up\n"
        "def handle(event):\n"
        "    event.response.auto_confirm_user = True\n"
        f"app.lambda_handler({EVENT!r})"
    ),
    "Powertools parser": (
        "from aws_lambda_powertools.utilities.parser import parse\n"
        "from aws_lambda_powertools.utilities.parser.models import CognitoPreSignupTriggerModel\n"
        f"parse(event={EVENT!r}, model=CognitoPreSignupTriggerModel)"
    ),
    "Powertools data class": (
        "from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import "
        "PreSignUpTriggerEvent\n"
        f"PreSignUpTriggerEvent({EVENT!r}).request.user_attributes"
    ),
    # What a custom sender's first decrypt_code() adds (imported then, never at cold start).
    "Encryption SDK import": "import aws_encryption_sdk",
}
# What must not be imported on our path: the check rides along in the same processes.
NOT_ON_OUR_PATH = (
    "\nimport sys\nassert not [m for m in sys.modules"
    " if m.split('.')[0] in ('aws_lambda_powertools', 'pydantic')]"
)


# Each child reports its own peak RSS: rusage would carry the parent's high-water mark over exec.
PEAK_RSS = (
    "\nfor line in open('/proc/self/status'):\n"
    "    if line.startswith('VmHWM'): print(line.split()[1])"
)


def run_once(code: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one fresh interpreter running ``code``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + PEAK_RSS], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"scenario failed:\n{code}\n{done.stderr}")
    return elapsed, int(done.stdout.split()[-1])


def cold_starts(rounds: int) -> dict[str, tuple[float, float]]:
    for root in ROOTS:
        compileall.compile_dir(root, quiet=2, workers=0)
    times: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    memory: dict[str, list[int]] = {name: [] for name in SCENARIOS}
    for name, code in SCENARIOS.items():  # warm the file cache, check our path
        run_once(code + (NOT_ON_OUR_PATH if name.startswith("cognito") else ""))
    for _ in range(rounds):  # round-robin, so drift hits every scenario alike
        for name, code in SCENARIOS.items():
            elapsed, rss = run_once(code)
            times[name].append(elapsed)
            memory[name].append(rss)
    return {n: (statistics.median(times[n]), statistics.median(memory[n])) for n in SCENARIOS}


def per_event(rounds: int = 40, batch: int = 500) -> list[tuple[str, dict[str, float]]]:
    """Best time per event of ``app.lambda_handler`` beside the same work done by hand.

    Floors, on the same models: validate + dump (a model layer's least), and validate + the same
    handler + dump (so the router's overhead is what it adds: routing, change detection, rules,
    the faithful round trip). Batches run round-robin so a slow spell hits every variant alike.
    """
    from cognito_triggers import TriggerRouter
    from cognito_triggers.events.sign_up import PreSignUpEvent
    from cognito_triggers.events.token_generation import (
        PreTokenGenerationEvent,
        PreTokenGenerationV2Event,
    )
    from cognito_triggers.testing import make_event

    def sign_up(event: PreSignUpEvent) -> None:
        event.response.auto_confirm_user = True

    def token(event: PreTokenGenerationEvent) -> None:
        event.add_claim("tenant", "acme")

    app = TriggerRouter()
    app.pre_sign_up(sign_up)
    app.pre_token_generation(token)
    cases: list[tuple[str, dict[str, Any], Any, Any]] = [
        ("PreSignUp", make_event("PreSignUp_SignUp"), PreSignUpEvent, sign_up),
        ("pre-token V2", make_event("TokenGeneration_Authentication", version="2"),
         PreTokenGenerationV2Event, token),
    ]  # fmt: skip
    results = []
    for label, event, model, handler in cases:

        def dump_only(event: dict[str, Any] = event, model: Any = model) -> Any:
            return model.model_validate(event).model_dump()

        def by_hand(
            event: dict[str, Any] = event, model: Any = model, handler: Any = handler
        ) -> Any:
            parsed = model.model_validate(event)
            handler(parsed)
            return parsed.model_dump()

        def ours(event: dict[str, Any] = event) -> Any:
            return app.lambda_handler(event)

        variants = {"validate + dump": dump_only, "+ handler": by_hand, "router": ours}
        best = dict.fromkeys(variants, float("inf"))
        for _ in range(rounds):
            for name, function in variants.items():
                start = time.perf_counter()
                for _ in range(batch):
                    function()
                best[name] = min(best[name], (time.perf_counter() - start) / batch)
        results.append((label, best))
    return results


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "15"))
    print(f"Cold start: fresh interpreter, bytecode compiled, median of {rounds} rounds")
    figures = cold_starts(rounds)
    bare = figures["bare interpreter"][0]
    print(f"{'scenario':<26}{'wall ms':>9}{'above bare':>12}{'peak RSS MiB':>14}")
    for name, (seconds, rss) in figures.items():
        print(f"{name:<26}{seconds * 1e3:>9.1f}{(seconds - bare) * 1e3:>12.1f}{rss / 1024:>14.1f}")
    for path in ("cognito-triggers parse", "cognito-triggers router"):
        for reference, target in TARGETS.items():
            ratio = (figures[path][0] - bare) / (figures[reference][0] - bare)
            verdict = "meets" if ratio <= target else "MISSES"
            print(f"{path} / {reference}: {ratio:.2f}x (target <= {target}x, {verdict})")
    memory = figures["cognito-triggers router"][1] / figures["Powertools parser"][1]
    print(f"peak memory, router / Powertools parser: {memory:.2f}x")
    print(
        "Neither Powertools nor pydantic (only pydantic-core) was imported on our paths (checked)."
    )
    print()
    print("Per event, in process (best of 40 round-robin batches of 500), microseconds")
    print(f"{'event':<14}{'validate+dump':>15}{'+ handler':>11}{'router':>9}"
          f"{'overhead':>10}{'strict':>8}")  # fmt: skip
    for label, best in per_event():
        floor, by_hand, ours = best.values()
        overhead, strict = ours / by_hand - 1, ours / floor - 1
        verdict = "meets" if overhead <= 0.5 else "MISSES"
        print(
            f"{label:<14}{floor * 1e6:>15.1f}{by_hand * 1e6:>11.1f}{ours * 1e6:>9.1f}"
            f"{overhead:>9.2f}x{strict:>7.2f}x  (target <= 0.5x, {verdict})"
        )
    print("overhead: the router above validate + the same handler + dump; strict: above validate +")
    print("dump alone, which leaves the handler's own work (add_claim, an assignment) in it.")


if __name__ == "__main__":
    main()
