"""Cold start of every example function as Lambda pays it, as built and as shipped, beside the
router alone and the same PreSignUp written three other ways, in one interleaved run.

Prints figures and whether each target is met; asserts nothing. Run: ``make bench`` (it builds), or
``python -m benchmarks.functions`` after ``make build``.

Each scenario is a fresh Python 3.13 with the runtime's boto3, in the shape Lambda runs a built
function (benchmarks/lambda_shape.py: its folder and layer first on the path, read-only, the
template's environment, what `Tracing: Active` adds). It imports the handler module (Lambda's
init) and handles the function's sample event: what a user waits for on a cold start. "as built"
is the build without its bytecode, which is what SAM's own Python builder ships; "as shipped" is
what `sam build` makes now. The runtime's own packages are compiled, as in Lambda's images.

Figures are CPU time (user + system), medians of round-robin rounds. Each process measures
itself from its first line, so a figure is what Lambda pays above a bare interpreter start:
first the runtime's interface client (awslambdaric, which the python3.13 runtime
loads before it imports a handler, with the json, logging, decimal... it imports), part of every
cold start, the router alone's too; then the function. The function's part alone ("above the
runtime alone") is printed beside, the stricter view of what its own code costs. A process ends
with ``os._exit`` once the event is handled: a cold start never pays for the teardown. Timing
inside the process leaves out the interpreter's own start, the same for every scenario and the
noisiest part of a process on a shared machine.
A cold start is CPU-bound, and Lambda gives a function a
share of a vCPU in proportion to its memory (one vCPU at 1,769 MB, a seventh of one at 256 MB), so
the work done is what a user waits for; on this shared machine, wall time would mostly measure
the neighbours.

Functions that call AWS call a local one (a moto server, seeded as for ``make run``). Beside each,
boto3 alone makes the same calls (the senders also decrypt their code with the Encryption SDK):
what calling AWS costs by itself, which they must not exceed by more than the budget of a
function that makes no call.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.lambda_shape import LambdaCopy, copy_build, lambda_environment
from cognito_triggers_tools.run import LocalAws, seeded_local_aws
from cognito_triggers_tools.toolchain import runtime_python

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = Path(__file__).resolve().parent / "variants"

# Each example function's sample events: the ones a user meets first. UserMigration's reset path
# calls DynamoDB like its sign-in path but leaves out the argon2 verification, which is slow on
# purpose and not a cold-start cost.
SAMPLES = {
    "PreSignUpFunction": ["PreSignUp_SignUp"],
    "PostConfirmationFunction": ["PostConfirmation_ConfirmSignUp"],
    "PreAuthenticationFunction": ["PreAuthentication_Authentication"],
    "PostAuthenticationFunction": ["PostAuthentication_Authentication"],
    "DefineAuthChallengeFunction": ["DefineAuthChallenge_Authentication"],
    "CreateAuthChallengeFunction": ["CreateAuthChallenge_Authentication"],
    "VerifyAuthChallengeFunction": ["VerifyAuthChallengeResponse_Authentication"],
    "PreTokenGenerationFunction": ["TokenGeneration_Authentication"],
    "CustomMessageFunction": ["CustomMessage_SignUp"],
    "UserMigrationFunction": ["UserMigration_ForgotPassword"],
    "CustomEmailSenderFunction": ["CustomEmailSender_SignUp"],
    "CustomSMSSenderFunction": ["CustomSMSSender_SignUp"],
    "InboundFederationFunction": ["InboundFederation_ExternalProvider"],
}
MACHINE_TOKEN = ("PreTokenGenerationFunction", "TokenGeneration_ClientCredentials")
SIGN_IN = ["PreAuthentication_Authentication", "TokenGeneration_Authentication",
           "PostAuthentication_Authentication"]  # fmt: skip
# The senders' codes, decrypted as Cognito's encryption requires (cognito_triggers.sender_code).
DECRYPT = (
    "import base64, aws_encryption_sdk as sdk\n"
    "sdk.EncryptionSDKClient(commitment_policy=sdk.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)"
    ".decrypt(source=base64.b64decode(EVENT['request']['code']),"
    " key_provider=sdk.StrictAwsKmsMasterKeyProvider(key_ids=[os.environ['KEY_ARN']]))\n"
)
# The calls each function makes, by boto3 (and the senders' Encryption SDK) alone, in that
# function's environment.
BOTO3_CALLS = {
    "PostConfirmationFunction": (
        "boto3.client('cognito-idp').admin_add_user_to_group(UserPoolId=EVENT['userPoolId'],"
        " Username=EVENT['userName'], GroupName=os.environ['DEFAULT_GROUP'])"
    ),
    "CreateAuthChallengeFunction": (
        "boto3.client('ses').send_email(Source=os.environ['SENDER_EMAIL'],"
        " Destination={'ToAddresses': [EVENT['request']['userAttributes']['email']]},"
        " Message={'Subject': {'Data': 'code'}, 'Body': {'Text': {'Data': '123456'}}})"
    ),
    "UserMigrationFunction": (
        "boto3.client('dynamodb').get_item(TableName=os.environ['LEGACY_USERS_TABLE'],"
        " Key={'username': {'S': EVENT['userName']}}, ConsistentRead=True)"
    ),
    "PreTokenGenerationFunction": (
        "boto3.client('ssm').get_parameter(Name=os.environ['CLIENT_CLAIMS_PARAMETER'])"
    ),
    "CustomEmailSenderFunction": DECRYPT
    + (
        "boto3.client('ses').send_email(Source=os.environ['SENDER_EMAIL'],"
        " Destination={'ToAddresses': [EVENT['request']['userAttributes']['email']]},"
        " Message={'Subject': {'Data': 'code'}, 'Body': {'Text': {'Data': 'code'}}})"
    ),
    "CustomSMSSenderFunction": DECRYPT
    + (
        "boto3.client('sns').publish(PhoneNumber=EVENT['request']['userAttributes']"
        "['phone_number'], Message='code')"
    ),
}
# Every process times itself, in CPU, from its first line: Lambda's runtime interface client
# (awslambdaric, which loads json, logging, decimal, re...) as the python3.13 runtime imports it
# before the handler, then the scenario. What comes before the first line is a bare interpreter
# start, the same for every scenario; what would come after, the teardown, no cold start pays
# (``os._exit`` once the output is flushed).
START = (
    "import time as _time\n_t0 = _time.process_time()\nimport awslambdaric.bootstrap\n"
    "_t1 = _time.process_time()\n"
)
END = (
    "\n_t2 = _time.process_time()\nimport os as _os, sys as _sys\n"
    "print('CPU', _t1 - _t0, _t2 - _t1)\n_sys.stdout.flush()\n_os._exit(0)\n"
)
ROUTER_ALONE = (
    "from cognito_triggers import TriggerRouter\n"
    "app = TriggerRouter()\n"
    "@app.pre_sign_up\n"
    "def handle(event):\n"
    "    event.response.auto_confirm_user = True\n"
    "app.lambda_handler(EVENTS[0])\n"
)
# What Powertools' Logger and Metrics would cost the examples, which log through `logging` and
# write metrics with cognito_triggers.Metrics instead.
POWERTOOLS = "Powertools Logger and Metrics alone"
POWERTOOLS_ALONE = "from aws_lambda_powertools import Logger, Metrics\nLogger(), Metrics()\n"
TARGETS = {"no AWS call, / router alone": 1.6, "PreSignUp / Powertools parser": 0.5}

# What a scenario runs after EVENTS (the sample events, pasted in as Python literals).
HANDLE = """
class Context:
    function_name = "function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:function"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
import {module} as function
for event in EVENTS:
    function.lambda_handler(event, Context())
"""
# Appended in the first, unmeasured, round: what the scenario loaded.
REPORT = """
import sys, json
botocore = sys.modules.get("botocore.client")
print("REPORT " + json.dumps({
    "aws": "boto3" in sys.modules,
    "xray": "aws_xray_sdk" in sys.modules,
    "botocore": botocore and botocore.__file__,
}))
"""


@dataclass
class Scenario:
    name: str
    env: dict[str, str]
    code: str
    function: str | None = None
    shipped: bool = True


def _events(names: list[str], aws: LocalAws) -> str:
    """The sample events as the seeded local AWS's stack would send them, as Python literals."""
    events = [aws.event(json.loads((ROOT / "events" / f"{n}.json").read_text())) for n in names]
    return f"EVENTS = {events!r}\nEVENT = EVENTS[0]\n"


def _scenarios(
    built: dict[str, LambdaCopy],
    shipped: dict[str, LambdaCopy],
    variants: LambdaCopy,
    aws: LocalAws,
) -> list[Scenario]:
    def env(function: LambdaCopy, like: str | None = None) -> dict[str, str]:
        """``function``'s environment, with the local AWS and, for a variant, the template's
        environment of the function ``like`` it."""
        template = shipped[like].environment if like else {}
        name = like or function.logical_id
        return {**lambda_environment(function), **template, **aws.environment_of(name)}

    def handle(function: LambdaCopy | str, samples: list[str]) -> str:
        module = function if isinstance(function, str) else function.handler_module
        return _events(samples, aws) + HANDLE.format(module=module)

    scenarios: list[Scenario] = []
    presign = ["PreSignUp_SignUp"]
    router = _events(presign, aws) + ROUTER_ALONE
    scenarios.append(Scenario("router alone", env(variants, "PreSignUpFunction"), router))
    scenarios.append(Scenario(POWERTOOLS, env(variants, "PreSignUpFunction"), POWERTOOLS_ALONE))
    for module, label in (
        ("pre_sign_up_dict", "PreSignUp, plain-dict if-chain"),
        ("pre_sign_up_data_class", "PreSignUp, Powertools data classes"),
        ("pre_sign_up_parser", "PreSignUp, Powertools parser"),
    ):
        code = handle(module, presign)
        scenarios.append(Scenario(label, env(variants, "PreSignUpFunction"), code))
    for name, samples in SAMPLES.items():
        for folder, is_shipped in ((built, False), (shipped, True)):
            code = handle(folder[name], samples)
            scenarios.append(Scenario(name, env(folder[name]), code, name, is_shipped))
    name, sample = MACHINE_TOKEN
    code = handle(shipped[name], [sample])
    scenarios.append(Scenario(f"{name}, machine token", env(shipped[name]), code, name))
    code = handle("sign_in", SIGN_IN)
    scenarios.append(Scenario("sign-in, one function", env(variants, name), code))
    for name, call in BOTO3_CALLS.items():
        samples = [MACHINE_TOKEN[1]] if name == MACHINE_TOKEN[0] else SAMPLES[name]
        code = _events(samples, aws) + "import os, boto3\n" + call
        scenarios.append(Scenario(f"boto3 alone, for {name}", env(shipped[name]), code))
    name = "CreateAuthChallengeFunction"
    traced = {**env(shipped[name]), "POWERTOOLS_TRACE_DISABLED": "false"}
    code = handle(shipped[name], SAMPLES[name])
    scenarios.append(Scenario(f"{name}, AWS calls traced (opt-in)", traced, code))
    return scenarios


def run_once(python: str, scenario: Scenario, extra: str = "") -> tuple[float, float, str]:
    """One fresh process running ``scenario``: the CPU seconds of its runtime's client and of the
    scenario after it, and its output."""
    done = subprocess.run(
        [python, "-c", START + scenario.code + extra + END],
        env=scenario.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{scenario.name} failed:\n{done.stderr[-3000:]}")
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("CPU "))
    runtime, spent = map(float, line.split()[1:])
    return runtime, spent, done.stdout


def _variants(shipped: dict[str, LambdaCopy], python: str, destination: Path) -> LambdaCopy:
    """The PreSignUp variants and the one-function sign-in, compiled, beside the trigger modules
    and on the built layer."""
    source = shipped["PreTokenGenerationFunction"]
    task = destination / "variants"
    shutil.copytree(source.task, task)
    for module in VARIANTS.glob("*.py"):
        shutil.copy(module, task)
    subprocess.run(
        [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(task)],
        check=True,
    )
    return LambdaCopy("Variants", "", task, source.layers, {})


def measure(
    rounds: int,
) -> tuple[float, dict[tuple[str, bool], float], dict[str, dict[str, Any]]]:
    """The runtime's client (median over every process) and each scenario after it, CPU ms."""
    python = runtime_python()
    # Lambda's images ship the runtime's packages compiled.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", purelib], check=True)
    with tempfile.TemporaryDirectory() as tmp, seeded_local_aws(ROOT) as aws:
        built = copy_build(ROOT, Path(tmp) / "built", bytecode=False)
        shipped = copy_build(ROOT, Path(tmp) / "shipped")
        variants = _variants(shipped, python, Path(tmp))
        scenarios = _scenarios(built, shipped, variants, aws)
        reports = {}
        for scenario in scenarios:  # warms the file cache and the local AWS; says what ran
            *_, out = run_once(python, scenario, REPORT)
            line = next(x for x in out.splitlines() if x.startswith("REPORT "))
            reports[scenario.name] = json.loads(line.removeprefix("REPORT "))
        runtime: list[float] = []
        times: dict[tuple[str, bool], list[float]] = {}
        order = list(scenarios)
        # Round-robin, so drift hits every scenario alike; in an order of its own each round
        # (seeded, repeatable), so no scenario always follows the same neighbour.
        for round_ in range(rounds):
            random.Random(round_).shuffle(order)  # noqa: S311 - an order, not a secret
            for scenario in order:
                client, spent, _ = run_once(python, scenario)
                runtime.append(client)
                times.setdefault((scenario.name, scenario.shipped), []).append(spent)
        keys = [(scenario.name, scenario.shipped) for scenario in scenarios]  # in their order
        figures = {key: statistics.median(times[key]) * 1e3 for key in keys}
        return statistics.median(runtime) * 1e3, figures, reports


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "31"))
    runtime, figures, reports = measure(rounds)

    def above(name: str, shipped: bool = True) -> float:
        """``name``'s cold start above a bare interpreter start: the runtime's client, then it."""
        return runtime + figures[(name, shipped)]

    def own(name: str, shipped: bool = True) -> float:
        """What ``name`` costs above the runtime alone."""
        return figures[(name, shipped)]

    def strict(name: str) -> float:
        """``name`` over the router alone, both above the runtime alone."""
        return own(name) / own("router alone")

    router = above("router alone")
    budget = TARGETS["no AWS call, / router alone"]
    print(f"Cold start as Lambda pays it: CPU ms above a bare interpreter start, the runtime's "
          f"client included ({runtime:.0f} ms of it); "
          f"median of {rounds} rounds.\nEach imports the handler and handles the sample event; "
          "as built: no bytecode (SAM's builder); as shipped: `sam build` now. The last column:\n"
          "/ router with both above the runtime alone.\n")  # fmt: skip
    print(f"{'function':<30}{'as built':>9}{'as shipped':>11}{'built/shipped':>14}"
          f"{'/ router':>9}{'strict':>8}  calls AWS")  # fmt: skip
    for name in SAMPLES:
        as_built, as_shipped = above(name, False), above(name)
        calls = "yes" if reports[name]["aws"] else "no"
        print(f"{name:<30}{as_built:>9.0f}{as_shipped:>11.0f}{as_built / as_shipped:>13.2f}x"
              f"{as_shipped / router:>8.2f}x{strict(name):>7.2f}x  {calls}")  # fmt: skip
    print(f"\n{'as shipped':<55}{'ms':>5}{'/ router':>10}{'strict':>8}")
    for name, _ in figures:
        if name not in SAMPLES:
            print(f"{name:<55}{above(name):>5.0f}{above(name) / router:>9.2f}x"
                  f"{strict(name):>7.2f}x")  # fmt: skip

    # Each target in both views: with the runtime's client in every figure (a cold start as
    # Lambda pays it, above a bare interpreter) and above the runtime alone (the functions' own
    # code only). A target counts as met when it is met in both.
    print("\nTargets (with the runtime / above the runtime alone)")
    met = []

    def verdict(label: str, ratios: tuple[float, float], target: float, ok: bool = True) -> None:
        views = [ratio <= target for ratio in ratios]
        met.append(ok and all(views))
        shown = " / ".join(f"{r:.2f}x {_verdict(v)}" for r, v in zip(ratios, views, strict=True))
        print(f"- {label}: {shown} (target <= {target}x)")

    for name in SAMPLES:
        if not reports[name]["aws"]:
            verdict(f"{name} (no AWS call) / router alone", (above(name) / router, strict(name)),
                    budget)  # fmt: skip
    parser = "PreSignUp, Powertools parser"
    verdict(
        "PreSignUpFunction / the same on Powertools' parser",
        (above("PreSignUpFunction") / above(parser),
         own("PreSignUpFunction") / own(parser)),
        TARGETS["PreSignUp / Powertools parser"],
    )  # fmt: skip
    # Pay for boto3 only: no X-Ray, no second botocore, and once what its calls cost by
    # themselves (boto3 alone making them, over the runtime alone) is taken away, within the
    # budget of a function that makes no call.
    for name in BOTO3_CALLS:
        label = f"{name}, machine token" if name == MACHINE_TOKEN[0] else name
        report = reports[label]
        alone = own(f"boto3 alone, for {name}")
        ratios = ((above(label) - alone) / router,
                  (own(label) - alone) / own("router alone"))  # fmt: skip
        bundled = not report["aws"] or report["botocore"].startswith(tempfile.gettempdir())
        verdict(f"{label}, less its AWS calls' own cost / router alone", ratios, budget,
                not bundled and not report["xray"])  # fmt: skip
        print(f"  botocore: {'BUNDLED' if bundled else 'the runtime'}'s; X-Ray loaded: "
              f"{'YES' if report['xray'] else 'no'}")  # fmt: skip
    traced = "CreateAuthChallengeFunction, AWS calls traced (opt-in)"
    print(f"  (AWS calls opted in to X-Ray cost CreateAuthChallengeFunction "
          f"{above(traced) - above('CreateAuthChallengeFunction'):+.0f} ms)")  # fmt: skip
    print(f"{sum(met)} of {len(met)} targets met in both views.")

    sign_in = ("PreAuthenticationFunction", "PreTokenGenerationFunction",
               "PostAuthenticationFunction")  # fmt: skip
    three, one = sum(above(n) for n in sign_in), above("sign-in, one function")
    print(f"\nA first sign-in after idle (PreAuthentication, pre token generation, "
          f"PostAuthentication): {three:.0f} ms in three cold functions, {one:.0f} ms in one "
          f"({one / three:.2f}x).")  # fmt: skip


if __name__ == "__main__":
    main()
