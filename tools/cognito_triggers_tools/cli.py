"""``cognito-triggers``: the development command line.

cognito-triggers init DIR                   a new project: template, triggers, tests, Makefile
cognito-triggers build                      sam build for this machine's architecture
cognito-triggers invoke FUNCTION --event F  run a built function under the Lambda emulator
cognito-triggers run                        every sample event through its wired function
cognito-triggers flows                      deploy to a local AWS and play the Cognito flows
cognito-triggers up                         deploy to a local AWS and keep it running
cognito-triggers start-lambda               the Lambda Invoke API for every built function
cognito-triggers check                      template.yaml and the handlers' routers agree
cognito-triggers events list                the triggerSources Cognito sends
cognito-triggers events new SOURCE          a sample event for one of them
cognito-triggers gateway --tool NAME ...    would an agent gateway let this token call it
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from .toolchain import ToolError, find_project_root

__all__ = ["main"]


def _parameters(values: Sequence[str], option: str) -> dict[str, str]:
    overrides = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise ToolError(f"{option} {value!r}: expected NAME=VALUE")
        overrides[name] = setting
    return overrides


def _port(value: str) -> int:
    port = int(value) if value.isdigit() else -1
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is no TCP port (0-65535; 0 picks a free one)")
    return port


def _root(args: argparse.Namespace) -> Path:
    return find_project_root(Path(args.project) if args.project else None)


def cmd_build(args: argparse.Namespace) -> int:
    from .host_build import sam_build_for_host

    root = _root(args)
    template = Path(args.template) if args.template else root / "template.yaml"
    return sam_build_for_host(
        root, template, _parameters(args.parameter, "--parameter"), args.sam_args
    )


def cmd_init(args: argparse.Namespace) -> int:
    from .init import main as init

    return init(args.folder, args.trigger)


def cmd_lambda_build(args: argparse.Namespace) -> int:
    from .lambda_build import main as lambda_build

    return lambda_build(args.logical_id, args.source, args.artifacts, _root(args))


def cmd_invoke(args: argparse.Namespace) -> int:
    from .emulator import EmulatedFunction, find_built_function
    from .inputs import read_event_file
    from .outcome import NO_HANDLER, outcome_of
    from .run import LocalAws, seeded_local_aws

    root = _root(args)
    event = read_event_file(args.event)
    overrides = _parameters(args.parameter, "--parameter")
    extra_environment = _parameters(args.env, "--env")
    function = find_built_function(root, args.function, parameter_overrides=overrides)
    with ExitStack() as stack:
        aws = stack.enter_context(seeded_local_aws(root)) if args.local_aws else LocalAws({}, {})
        environment = {**aws.environment_of(args.function), **extra_environment}
        emulated = stack.enter_context(
            EmulatedFunction(root, function, extra_environment=environment)
        )
        sent = aws.event(event)
        result = emulated.invoke(sent)
    for line in result.log:
        print(line, file=sys.stderr)
    print(json.dumps(result.payload, indent=2))
    outcome = outcome_of(sent, result)
    say = f"cognito-triggers: {args.function}"
    if outcome.handler:
        handler = outcome.handler if outcome.handler == NO_HANDLER else f"ran {outcome.handler}"
        print(f"{say}: {handler}", file=sys.stderr)
    if outcome.result.startswith("denied"):  # as `run` says it; an error to Lambda all the same
        print(f"{say}: {outcome.result} (Deny: what Cognito shows the user)", file=sys.stderr)
        return 1
    if result.error:
        if outcome.cause:
            print(f"{say}: logged cause: {outcome.cause}", file=sys.stderr)
        print(f"{say} failed: {result.error}", file=sys.stderr)
        return 1
    for change in outcome.changes or ["response unchanged"]:
        print(f"{say}: {change}", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .run import run_samples

    return run_samples(
        _root(args),
        events_dir=Path(args.events) if args.events else None,
        local_aws_server=not args.no_local_aws,
    )


def cmd_flows(args: argparse.Namespace) -> int:
    from .flows import play_flows

    return play_flows(
        _root(args), cognito_local=not args.no_cognito_local, pytest_args=args.pytest_args
    )


def cmd_up(args: argparse.Namespace) -> int:
    from .up import up

    return up(
        _root(args),
        stack_name=args.stack_name,
        parameters=_parameters(args.parameter, "--parameter"),
        port=args.port,
    )


def cmd_start_lambda(args: argparse.Namespace) -> int:
    from .start_lambda import serve

    return serve(
        _root(args),
        host=args.host,
        port=args.port,
        local_aws=args.local_aws,
        endpoints=_parameters(args.endpoint, "--endpoint"),
        environment=_parameters(args.env, "--env"),
        parameter_overrides=_parameters(args.parameter, "--parameter"),
    )


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check_project

    root = _root(args)
    template = Path(args.template) if args.template else root / "template.yaml"
    problems, summary = check_project(
        template,
        parameter_overrides=_parameters(args.parameter, "--parameter"),
        stack_name=args.stack_name,
    )
    if problems:
        print(f"{template}: {len(problems)} problem(s) in the template or with the code:")
        for problem in problems:
            print(f"  - {problem}")
        for note in summary.splitlines()[1:]:  # the stack name, say, may be why
            if not any(note.strip().removeprefix("not checked: ") in p for p in problems):
                print(note)
        return 1
    print(summary)
    return 0


def cmd_events_list(args: argparse.Namespace) -> int:
    from cognito_triggers.sources import TriggerFamily

    for family in TriggerFamily:
        print(f"{family.lambda_config_key}:")
        for source in family.sources:
            print(f"  {source.value}")
    return 0


def cmd_events_new(args: argparse.Namespace) -> int:
    from cognito_triggers.sources import TriggerSource, unknown_source
    from cognito_triggers.testing import make_event

    if args.source not in TriggerSource.__members__:
        raise ToolError(unknown_source(args.source))
    event = make_event(args.source)
    print(json.dumps(event, indent=2))
    return 0


def cmd_gateway(args: argparse.Namespace) -> int:
    from cognito_triggers.sources import unknown_name

    from .gateway import EXAMPLE_GATEWAY_ARN, Gateway, placeholders_in
    from .inputs import read_json

    placeholders = _parameters(args.set, "--set")
    used = placeholders_in(args.authorizer)
    for name in sorted(
        placeholders.keys() - used
    ):  # a misspelt name would leave the right one unset
        where = f"a placeholder of {args.authorizer}"
        raise ToolError(f"--set {name}: {unknown_name(name, sorted(used), where)}")
    gateway = Gateway.load(
        authorizer=args.authorizer,
        policies=args.policies,
        schema=args.schema,
        gateway_arn=args.gateway_arn or EXAMPLE_GATEWAY_ARN,
        placeholders=placeholders,
    )
    try:
        tool_input = json.loads(args.input)
    except ValueError as error:
        raise ToolError(f"--input: not JSON ({error})") from None
    if not isinstance(tool_input, dict):
        raise ToolError("--input: the tool's arguments are a JSON object")
    if args.claims:
        claims = read_json(args.claims, "claims file")
        if not isinstance(claims, dict):
            raise ToolError(f"{args.claims}: a token's claims are a JSON object")
        decision = gateway.decide(claims, tool=args.tool, input=tool_input)
    else:
        decision = gateway.decide_token(
            sys.stdin.read().strip() if args.token == "-" else args.token,
            tool=args.tool,
            input=tool_input,
            discovery=args.discovery,
            jwks=args.jwks,
            allow_unverified_signature=args.allow_unverified_signature,
        )
    print(decision.describe())
    print(f"  signature {decision.signature}")
    for name, value in decision.tags.items():
        print(f"  tag {name} = {value}")
    for warning in decision.warnings:
        print(f"  warning: {warning}")
    return 0 if decision.allowed else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cognito-triggers",
        description="Develop Cognito user pool triggers locally, without Docker or AWS. What a "
        "command needs and does not find (SAM CLI, Python 3.13, ministack, cognito-local) it "
        "installs, pinned, into the per-user cache (~/.cache/cognito-triggers, or "
        "$COGNITO_TRIGGERS_CACHE), never into your environment.",
    )
    parser.add_argument("--project", help="the SAM project folder (default: found from here up)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser(
        "init", help="make a new project: template, triggers, tests, events, Makefile"
    )
    init.add_argument("folder", metavar="DIR", help="a new or empty folder")
    init.add_argument(
        "--trigger",
        action="append",
        default=[],
        metavar="NAME",
        help="pre-sign-up, post-confirmation or pre-token-generation (repeat; default: all three)",
    )
    init.set_defaults(run=cmd_init)

    build = commands.add_parser(
        "build",
        help="sam build for this machine's architecture (what invoke and run use)",
        description="Runs SAM CLI's `sam build` (installed with uv into the cache if missing, "
        "with Python 3.13 from PATH or pyenv, else from uv) for this machine's architecture.",
    )
    build.add_argument("--template", help="default: template.yaml of the project")
    build.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter"
    )
    build.add_argument("sam_args", nargs=argparse.REMAINDER, help="more `sam build` arguments")
    build.set_defaults(run=cmd_build)

    lambda_build = commands.add_parser(
        "lambda-build",
        help="what `sam build` runs for a function or layer (its folder's Makefile calls it)",
    )
    lambda_build.add_argument("logical_id", metavar="LOGICAL_ID")
    lambda_build.add_argument("--source", required=True, help="the folder SAM builds")
    lambda_build.add_argument("--artifacts", help="default: $ARTIFACTS_DIR, as SAM sets it")
    lambda_build.set_defaults(run=cmd_lambda_build)

    invoke = commands.add_parser(
        "invoke",
        help="run a built function on an event, like sam local invoke",
        description="Runs one function of the build under AWS's runtime emulator "
        "(aws-lambda-rie, from SAM CLI) on Python 3.13, without Docker; exits 1 on a function "
        "error, a Deny included (Lambda reports it as an error), or a timeout. With "
        "--local-aws, its AWS calls go to a moto server seeded by "
        "scripts/seed_local_aws.py (moto, not ministack: seconds to start).",
    )
    invoke.add_argument("function", metavar="FUNCTION", help="the function's logical id")
    invoke.add_argument("--event", "-e", required=True, help="a JSON event file")
    invoke.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment"
    )
    invoke.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter"
    )
    invoke.add_argument(
        "--local-aws",
        action="store_true",
        help="start the seeded local AWS (moto) that `run` gives the functions",
    )
    invoke.set_defaults(run=cmd_invoke)

    run = commands.add_parser(
        "run",
        help="invoke every sample event through its wired function",
        description="Every events/*.json through the function the template wires for its "
        "trigger, under AWS's runtime emulator, with a moto server for their AWS calls (seeded "
        "by scripts/seed_local_aws.py); exits 1 if any function failed or any event reached "
        "no function, and if nothing ran.",
    )
    run.add_argument("--events", help="the folder of sample events (default: events/)")
    run.add_argument(
        "--no-local-aws", action="store_true", help="do not start a local AWS (moto) server"
    )
    run.set_defaults(run=cmd_run)

    flows = commands.add_parser(
        "flows",
        help="the project's e2e tests (pytest -m e2e, deployed to a local AWS, ministack) with "
        "a report of the triggers each one fired",
        description="Runs the project's tests marked e2e (pytest -m e2e) with the pytest "
        "plugin's report: your template deployed once with `sam deploy` to ministack (pinned, "
        "installed with uv into the cache); the triggers ministack does not fire play through "
        "cognito-local (pinned, from npm: needs node and npm on PATH).",
    )
    flows.add_argument(
        "--no-cognito-local",
        action="store_true",
        help="skip the tests on cognito-local",
    )
    flows.add_argument(
        "pytest_args", nargs="*", metavar="PYTEST_ARG", help="passed to pytest (after --)"
    )
    flows.set_defaults(run=cmd_flows)

    up = commands.add_parser(
        "up",
        help="build, deploy to a local AWS (ministack) and keep it running until Ctrl-C",
        description="Builds the project if its build is missing or older than its sources, "
        "starts ministack (pinned, installed with uv into the cache) on 127.0.0.1, runs `sam "
        "deploy` of your template to it and keeps it running: prints the user pools, app "
        "clients and their secrets (a local stack's), the hosted UI and OpenID endpoints, the "
        "stack's outputs and the environment variables for boto3 and the AWS CLI, then a line "
        "per trigger call. Ctrl-C (or SIGTERM) stops ministack and every function it started; "
        "exits 1 if the local AWS stops on its own, 2 if the deploy fails.",
    )
    up.add_argument("--stack-name", help="default: the project folder's name")
    up.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter"
    )
    up.add_argument(
        "--port", type=_port, default=0, help="the local AWS's port (default: a free one)"
    )
    up.set_defaults(run=cmd_up)

    start = commands.add_parser(
        "start-lambda",
        help="serve the Lambda Invoke API for the built functions (no Docker)",
        description="The Lambda Invoke API on HTTP for every built function, each under AWS's "
        "runtime emulator, like `sam local start-lambda`. With --local-aws, the functions' AWS "
        "calls go to the seeded moto server that `run` uses.",
    )
    start.add_argument("--host", default="127.0.0.1")
    start.add_argument("--port", type=_port, default=3001, help="default 3001, as SAM's")
    start.add_argument(
        "--local-aws",
        action="store_true",
        help="start the seeded local AWS (moto) that `run` and `invoke --local-aws` use",
    )
    start.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="SERVICE=URL",
        help="a service's endpoint for the functions, e.g. cognito-idp=http://127.0.0.1:9229",
    )
    start.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment"
    )
    start.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter"
    )
    start.set_defaults(run=cmd_start_lambda)

    check = commands.add_parser(
        "check",
        help="check template.yaml against the handlers (and cfn-lint's errors)",
        description="Reads the template as CloudFormation and SAM do, imports each function's "
        "handler module and compares: every wired trigger has a handler, every handler's "
        "trigger is wired, versions and permissions agree; adds cfn-lint's errors, on the "
        "template and on SAM's translation. Installs nothing; exits 1 on any problem.",
    )
    check.add_argument("--template", help="default: template.yaml of the project")
    check.add_argument(
        "--stack-name",
        help="what ${AWS::StackName} evaluates to (default: the project folder's name, the "
        "stack `up` and the plugin deploy)",
    )
    check.add_argument(
        "--parameter", action="append", default=[], metavar="NAME=VALUE", help="template parameter"
    )
    check.set_defaults(run=cmd_check)

    events = commands.add_parser("events", help="sample events")
    events_commands = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    listing = events_commands.add_parser("list", help="list the triggerSources, by trigger")
    listing.set_defaults(run=cmd_events_list)
    new = events_commands.add_parser("new", help="print a sample event for a triggerSource")
    new.add_argument("source", metavar="SOURCE", help="e.g. PreSignUp_SignUp (see `events list`)")
    new.set_defaults(run=cmd_events_new)

    gateway = commands.add_parser(
        "gateway",
        help="would an AgentCore gateway let this token (or these claims) call this tool?",
        description="Applies an Amazon Bedrock AgentCore Gateway's inbound JWT authorizer "
        "(customJWTAuthorizer, AgentCore's JSON) and its Cedar policies (with the Cedar engine, "
        "the tools' gateway extra) to a token or to a token's claims; prints the decision and "
        "why. Exits 0 on allow, 1 on deny, 2 on unusable input.",
    )
    gateway.add_argument("--authorizer", required=True, help="the customJWTAuthorizer JSON file")
    gateway.add_argument(
        "--policies", required=True, nargs="+", metavar="PATH", help=".cedar files or folders"
    )
    gateway.add_argument("--schema", help="a Cedar schema the policies must validate against")
    gateway.add_argument("--tool", required=True, help="the tool as the gateway names it")
    gateway.add_argument("--input", default="{}", help="the tool's arguments, a JSON object")
    gateway.add_argument("--gateway-arn", help="the policies' resource (default: an example)")
    gateway.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="fills ${NAME}"
    )
    given = gateway.add_mutually_exclusive_group(required=True)
    given.add_argument("--claims", metavar="FILE", help="a JSON file of a token's claims")
    given.add_argument("--token", help="an access token (- reads it from standard input)")
    gateway.add_argument("--discovery", help="the issuer's discovery document (URL or file)")
    gateway.add_argument("--jwks", help="the issuer's JWKS (URL or file; default: jwks_uri)")
    gateway.add_argument(
        "--allow-unverified-signature",
        action="store_true",
        help="decide on a token whose signature does not verify (an emulator's), and say so",
    )
    gateway.set_defaults(run=cmd_gateway)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except ToolError as error:
        print(f"cognito-triggers: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] == "cognito_triggers":
            raise
        print(
            f"cognito-triggers: error: {error.name} is not installed: reinstall the tools "
            "(pip install cognito-triggers-tools)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code


if __name__ == "__main__":
    sys.exit(main())
