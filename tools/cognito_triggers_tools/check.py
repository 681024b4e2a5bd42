"""``cognito-triggers check``: the template and the code must tell the same story.

- every LambdaConfig key is a Cognito trigger, and the object-typed ones are objects, whether
  written by hand or by SAM's ``Events: Type: Cognito`` (which writes strings only);
- the legacy ``PreTokenGeneration`` key and ``PreTokenGenerationConfig`` name the same function;
- every handler is registered for a ``triggerSource`` Cognito sends (a misspelt one never runs);
- the custom senders come with the ``KMSKeyID`` that encrypts their codes;
- every trigger wired to a function has a handler in that function's router, and every family a
  router handles is wired to its function;
- a client-credentials handler needs ``PreTokenGenerationConfig`` with ``V3_0``, a V2/V3-typed
  handler needs ``V2_0``/``V3_0``, and a V1-typed one is not fed V2/V3 events;
- every function wired by hand has exactly one ``AWS::Lambda::Permission`` for
  ``cognito-idp.amazonaws.com`` with the pool as ``SourceArn`` and a ``SourceAccount`` (SAM writes
  the permission of a function wired by its Cognito event).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from cognito_triggers.router import Route, TriggerRouter
from cognito_triggers.sources import TriggerFamily, TriggerSource, unknown_name, unknown_source

from .cfn import CannotResolve, Functions, Template, TemplateError, load_template
from .lint import lint_errors
from .wiring import WIRING

__all__ = ["OBJECT_KEYS", "check_project", "check_template", "wiring"]

# How LambdaConfig wires each trigger is in wiring.py; these are views.
OBJECT_KEYS = {w.config_key: f for f, w in WIRING.items() if w.config_key}
"""Keys whose value is an object ``{LambdaArn, LambdaVersion}``, and the family each wires."""
NOT_TRIGGERS = {"KMSKeyID"}  # the custom senders' key, beside them in LambdaConfig
LAMBDA_CONFIG_KEYS = sorted(
    {f.lambda_config_key for f, w in WIRING.items() if w.arn_key} | set(OBJECT_KEYS) | NOT_TRIGGERS
)
"""Every key ``LambdaConfig`` takes, for the closest ones to a misspelt key."""


@dataclass
class Wire:
    pool: str
    key: str
    family: TriggerFamily
    function: str | None
    """The logical id of the function, ``None`` where the ARN cannot be resolved locally."""
    version: str | None
    """``LambdaVersion`` for object keys; ``None`` for a plain ARN (V1 for pre token)."""
    by_sam: bool = False
    """Wired by SAM's ``Events: Type: Cognito``, which also writes the function's permission."""
    unresolved: str | None = None
    """Why the function is unknown: ``cannot resolve !ImportValue shared-arn: ...``."""


def _string_key_family(key: str) -> TriggerFamily | None:
    """The family a string-valued ``LambdaConfig`` key (a plain ARN) wires, ``None`` if it is no
    such key."""
    family = TriggerFamily.named(key)
    if family is None or key != family.lambda_config_key or not WIRING[family].arn_key:
        return None
    return family


def _has_both_keys(family: TriggerFamily) -> bool:
    """A family wired by a plain ARN (its legacy key) or by an object key that adds a version:
    pre token generation. If both are set, the two must name one function (AWS::Cognito::UserPool
    LambdaConfig)."""
    record = WIRING[family]
    return record.arn_key and record.config_key is not None


def _sam_event_wires(template: Template, problems: list[str]) -> list[Wire]:
    """SAM's ``Events: Type: Cognito``: SAM writes ``LambdaConfig[Trigger] = !GetAtt Fn.Arn`` and a
    permission (without ``SourceAccount``). It can express only the string-valued keys."""
    pools = template.of_type("AWS::Cognito::UserPool")
    wires = []
    for fn, resource in template.of_type("AWS::Serverless::Function").items():
        for name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            if not isinstance(event, dict) or event.get("Type") != "Cognito":
                continue
            props = event.get("Properties") or {}
            ref = props.get("UserPool")
            pool = ref.get("Ref") if isinstance(ref, dict) else None
            if pool not in pools:
                problems.append(
                    f"{fn}: event {name}: UserPool must be !Ref to an AWS::Cognito::UserPool of "
                    "this template (SAM cannot wire a pool from elsewhere)"
                )
                continue
            config = (pools[pool].get("Properties") or {}).get("LambdaConfig") or {}
            triggers = props.get("Trigger")
            for trigger in triggers if isinstance(triggers, list) else [triggers]:
                where = f"{fn}: event {name}: Trigger {trigger}"
                family = _string_key_family(str(trigger))
                if str(trigger) in OBJECT_KEYS:
                    keyed = OBJECT_KEYS[str(trigger)]
                    problems.append(
                        f"{where}: SAM writes it as an ARN string, but CloudFormation needs an "
                        f"object {{LambdaArn, LambdaVersion}}: set {pool}.LambdaConfig.{trigger} "
                        "by hand"
                        + (
                            f" (and keep Trigger: {keyed.lambda_config_key} for the permission)"
                            if _has_both_keys(keyed)
                            else ""
                        )
                    )
                elif family is None:
                    known = [k for k in LAMBDA_CONFIG_KEYS if _string_key_family(k)]
                    problems.append(f"{where}: {unknown_name(str(trigger), known, 'a trigger')}")
                elif isinstance(config, dict) and trigger in config:
                    problems.append(
                        f"{where}: {pool}.LambdaConfig.{trigger} is also set by hand; SAM refuses "
                        "a trigger defined twice"
                    )
                else:
                    wires.append(Wire(pool, str(trigger), family, fn, None, by_sam=True))
    return wires


def _config_wires(template: Template, functions: Functions, problems: list[str]) -> list[Wire]:
    """The pools' hand-written ``LambdaConfig``, with shape problems noted."""
    wires: list[Wire] = []
    for pool, resource in template.of_type("AWS::Cognito::UserPool").items():
        config = (resource.get("Properties") or {}).get("LambdaConfig") or {}
        if not isinstance(config, dict):
            continue
        for key, value in config.items():
            if key in NOT_TRIGGERS:
                continue
            if key in OBJECT_KEYS:
                family = OBJECT_KEYS[key]
                if not isinstance(value, dict) or "LambdaArn" not in value:
                    problems.append(
                        f"{pool}.LambdaConfig.{key} must be an object "
                        "{LambdaArn, LambdaVersion}, not a string"
                    )
                    continue
                arn, version = value.get("LambdaArn"), value.get("LambdaVersion")
                versions = WIRING[family].config_versions
                if version is None:
                    problems.append(f"{pool}.LambdaConfig.{key} has no LambdaVersion")
                elif version not in versions:
                    problems.append(
                        f"{pool}.LambdaConfig.{key}.LambdaVersion is {version!r}; it takes "
                        + " or ".join(versions)
                    )
            else:
                valid = _string_key_family(key)
                if valid is None:
                    problems.append(
                        f"{pool}.LambdaConfig: {unknown_name(key, LAMBDA_CONFIG_KEYS, 'a trigger')}"
                    )
                    continue
                family, arn, version = valid, value, None
                if isinstance(value, dict) and "LambdaArn" in value:
                    problems.append(f"{pool}.LambdaConfig.{key} takes an ARN string, not an object")
                    continue
            try:
                target = functions.arn_of(arn)
            except CannotResolve as error:
                wires.append(Wire(pool, key, family, None, version, unresolved=str(error)))
                continue
            except TemplateError as error:
                problems.append(f"{pool}.LambdaConfig.{key}: {error}")
                continue
            if target is None:
                continue  # a function outside this template: nothing of ours to compare with
            wires.append(Wire(pool, key, family, target, version))
        senders = [key for key in ("CustomEmailSender", "CustomSMSSender") if key in config]
        if senders and "KMSKeyID" not in config:
            problems.append(
                f"{pool}.LambdaConfig.{senders[0]} needs KMSKeyID: Cognito encrypts the codes it "
                "hands the custom senders under that KMS key"
            )
        for family in filter(_has_both_keys, TriggerFamily):
            legacy, modern = (
                config.get(family.lambda_config_key),
                config.get(WIRING[family].config_key),
            )
            if legacy is not None and isinstance(modern, dict):
                arns = (legacy, modern.get("LambdaArn"))
                if len({_target_or_text(functions, a) for a in arns}) > 1:
                    problems.append(
                        f"{pool}: {family.lambda_config_key} and "
                        f"{WIRING[family].config_key}.LambdaArn differ"
                    )
        modern = config.get("PreTokenGenerationConfig")
        tier = (resource.get("Properties") or {}).get("UserPoolTier")
        v2_or_v3 = isinstance(modern, dict) and modern.get("LambdaVersion") in ("V2_0", "V3_0")
        if v2_or_v3 and tier == "LITE":
            problems.append(f"{pool}: pre token generation V2/V3 needs UserPoolTier ESSENTIALS")
    return wires


def _target_or_text(functions: Functions, arn: Any) -> str:
    """The function an ARN names, or the ARN as written: to tell whether two ARNs are one."""
    try:
        return functions.arn_of(arn) or str(arn)
    except (CannotResolve, TemplateError):
        return str(arn)


def _one_wire_per_function(
    template: Template, functions: Functions, wires: list[Wire], problems: list[str]
) -> list[Wire]:
    """A family's legacy plain key (by hand or from a SAM event) beside its object key names one
    function once: the object's version counts."""
    kept = []
    for wire in wires:
        config_key = WIRING[wire.family].config_key
        if wire.key != wire.family.lambda_config_key or not _has_both_keys(wire.family):
            kept.append(wire)
            continue
        pool = template.resources[wire.pool].get("Properties") or {}
        config = (pool.get("LambdaConfig") or {}).get(config_key)
        if not isinstance(config, dict):
            kept.append(wire)  # the plain key alone: V1
            continue
        target = _target_or_text(functions, config.get("LambdaArn"))
        if target != wire.function:
            if wire.by_sam:  # by hand, the two keys were compared with the pool
                problems.append(
                    f"{wire.pool}: {wire.function}'s SAM event wires {wire.key}, but "
                    f"{config_key}.LambdaArn is {target or config.get('LambdaArn')}"
                )
            continue
        for other in wires:
            if other.pool == wire.pool and other.key == config_key:
                other.by_sam = other.by_sam or wire.by_sam
    return kept


def wiring(template: Template, problems: list[str]) -> list[Wire]:
    """Every (pool, LambdaConfig key, function) of the template, with shape problems noted."""
    return _wiring(template, Functions(template), problems)


def _wiring(template: Template, functions: Functions, problems: list[str]) -> list[Wire]:
    wires = _config_wires(template, functions, problems) + _sam_event_wires(template, problems)
    return _one_wire_per_function(template, functions, wires, problems)


def _pool_of(template: Template, value: Any) -> str | None:
    """The pool a permission's ``SourceArn`` names: ``!GetAtt P.Arn``, or an ARN built with
    ``!Sub``/``!Join`` around ``${P}`` (a pool's Ref is its id, locally its logical id)."""
    pools = template.of_type("AWS::Cognito::UserPool")

    def get_att(logical_id: str, attribute: str) -> str:
        if logical_id in pools and attribute == "Arn":
            return (
                f"arn:aws:cognito-idp:{template.region}:{template.account_id}:userpool/{logical_id}"
            )
        raise CannotResolve({"Fn::GetAtt": [logical_id, attribute]}, "known once deployed")

    try:
        arn = template.evaluate(value, get_att)
    except CannotResolve:
        return None
    pool = arn.rpartition(":userpool/")[2]
    return pool if pool in pools else None


def _permissions(
    template: Template, functions: Functions, wires: list[Wire], problems: list[str]
) -> None:
    permissions = template.of_type("AWS::Lambda::Permission")
    for fn in sorted({w.function for w in wires if w.function is not None}):
        # SAM writes the permission of a function wired by its Cognito event.
        pools = {w.pool for w in wires if w.function == fn and not w.by_sam}
        mine = {}
        for pid, perm in permissions.items():
            props = perm.get("Properties") or {}
            try:
                names = functions.named_by(props.get("FunctionName"))
            except (CannotResolve, TemplateError):
                names = None
            if names == fn and props.get("Principal") == "cognito-idp.amazonaws.com":
                mine[pid] = props
        for pool in sorted(pools):
            matching = [
                p for p, props in mine.items() if _pool_of(template, props.get("SourceArn")) == pool
            ]
            if not matching:
                problems.append(
                    f"{fn} has no AWS::Lambda::Permission for cognito-idp.amazonaws.com with "
                    f"SourceArn !GetAtt {pool}.Arn: Cognito cannot invoke it"
                )
            elif len(matching) > 1:
                problems.append(
                    f"{fn} has {len(matching)} Cognito permissions for {pool}: {matching}"
                )
            for pid in matching:
                if mine[pid].get("SourceAccount") is None:
                    problems.append(
                        f"{pid}: no SourceAccount (add SourceAccount: !Ref AWS::AccountId)"
                    )


def check_template(template: Template) -> tuple[list[str], list[Wire]]:
    problems: list[str] = []
    functions = Functions(template)  # the template's functions by name, read once
    wires = _wiring(template, functions, problems)
    _permissions(template, functions, wires, problems)
    return problems, wires


@contextmanager
def _importable(code_dir: Path, environment: dict[str, str]) -> Iterator[None]:
    saved_path, saved_env = list(sys.path), dict(os.environ)
    sys.path.insert(0, str(code_dir))
    for name, value in environment.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)


# Hiding these would re-import them, and check's isinstance(..., TriggerRouter) would then fail.
_FRAMEWORK = {"cognito_triggers", "cognito_triggers_tools"}


def _code_folders(template: Template) -> list[str]:
    """Every function's code folder, as written and resolved (a module's file may be either)."""
    folders = set()
    for fn in template.of_type("AWS::Serverless::Function"):
        code_uri = template.function_property(fn, "CodeUri")
        if isinstance(code_uri, str):
            folder = template.path.parent / code_uri
            folders |= {os.path.normpath(folder.absolute()), str(folder.resolve())}
    return sorted(folders)


def _from_code_folder(name: str, module: ModuleType, folders: list[str]) -> bool:
    """Whether ``module`` was imported from one of ``folders`` as a ``sys.path`` entry (not from,
    say, a virtualenv inside it, whose packages Lambda would not see either)."""
    top = name.partition(".")[0]
    if top in _FRAMEWORK:
        return False
    file = getattr(module, "__file__", None)
    places = [file] if isinstance(file, str) else list(getattr(module, "__path__", None) or [])
    for place in places:
        for folder in folders:
            if place.startswith(folder + os.sep):
                first = place[len(folder) + 1 :].split(os.sep, 1)[0]
                if first.partition(".")[0] == top:
                    return True
    return False


@contextmanager
def _own_modules_only(folders: list[str]) -> Iterator[None]:
    """Lambda imports a function with only its own folder on the path: a module imported
    earlier from a project code folder (by another function's import, or by the caller) must
    not satisfy this function's imports, nor may this function's modules stay for the next.
    Installed packages stay cached; the caller's project modules are put back afterwards."""
    hidden = {n: m for n, m in list(sys.modules.items()) if _from_code_folder(n, m, folders)}
    for name in hidden:
        del sys.modules[name]
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):
            if _from_code_folder(name, module, folders):
                del sys.modules[name]
        sys.modules.update(hidden)


def _load_handler_module(template: Template, fn: str) -> tuple[ModuleType, str]:
    handler = template.function_property(fn, "Handler")
    code_uri = template.function_property(fn, "CodeUri")
    if not isinstance(handler, str) or "." not in handler or not isinstance(code_uri, str):
        raise ImportError(f"{fn}: Handler/CodeUri not set as literal strings")
    module_name, _, attribute = handler.rpartition(".")
    code_dir = (template.path.parent / code_uri).resolve()
    path = code_dir / (module_name.replace(".", "/") + ".py")
    if not path.is_file():
        raise ImportError(f"{fn}: handler module {path} does not exist")
    environment = {}
    for name, value in template.function_environment(fn).items():
        resolved = template.resolve(value)
        environment[str(name)] = resolved if resolved is not None else ""
    with _importable(code_dir, environment):
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return module, attribute


def _router_of(module: ModuleType, attribute: str) -> TriggerRouter | str:
    handler = getattr(module, attribute, None)
    if handler is None:
        return f"{module.__name__}.{attribute} does not exist"
    if isinstance(handler, TriggerRouter):
        return handler
    owner = getattr(handler, "__self__", None)
    if isinstance(owner, TriggerRouter):
        return owner
    routers = [v for v in vars(module).values() if isinstance(v, TriggerRouter)]
    if len(routers) == 1:
        return routers[0]
    if not routers:
        return f"{module.__name__} has no TriggerRouter"
    return f"{module.__name__} has {len(routers)} TriggerRouters; name one as the handler"


def _event_type_names(handler: Any) -> set[str]:
    try:
        hints = typing.get_type_hints(handler)
    except Exception:
        return set()
    params = [p for p in inspect.signature(handler).parameters if p in hints]
    if not params:
        return set()
    annotation = hints[params[0]]
    members = typing.get_args(annotation) or (annotation,)
    return {getattr(m, "__name__", str(m)) for m in members}


def _check_function(fn: str, router: TriggerRouter, wires: list[Wire], problems: list[str]) -> None:
    for route in router.routes:
        if route.source is not None and route.source not in TriggerSource.__members__:
            name = getattr(route.handler, "__qualname__", "handler")
            problems.append(f"{fn}: {name} never runs: {unknown_source(route.source)}")
    wired = {w.family: w for w in wires if w.function == fn}
    catch_all = any(r.family is None for r in router.routes)
    handled = {r.family for r in router.routes if r.family is not None}
    for family, entry in wired.items():
        if family not in handled and not catch_all:
            problems.append(
                f"{fn}: {entry.pool}.LambdaConfig.{entry.key} sends {family.value} events, "
                "but its router has no handler for them"
            )
    unknown = {w.family: w for w in wires if w.unresolved is not None}
    for family in sorted(handled - set(wired)):
        if family in unknown:  # never "not wired" for what could not be read
            entry = unknown[family]
            problems.append(
                f"{fn}: its router handles {family.value}; {entry.pool}.LambdaConfig."
                f"{entry.key}: {entry.unresolved}"
            )
            continue
        problems.append(
            f"{fn}: its router handles {family.value}, but the template does not wire "
            f"{family.lambda_config_key} to {fn}"
        )
    for route in router.routes:
        wire = wired.get(route.family) if route.family else None
        if wire is None:
            continue  # a catch-all, or a family not wired (reported above)
        record = WIRING[wire.family]
        # A plain ARN is the first version (V1_0); an object key says its own.
        version = wire.version or (record.config_versions or ("V1_0",))[0]
        needed = next((v for s, v in record.needs_version.items() if s == route.source), None)
        name = getattr(route.handler, "__qualname__", "handler")
        if needed and _older(version, needed, record.config_versions):
            problems.append(
                f"{fn}: {name} handles {route.source}, which Cognito sends only with "
                f"{record.config_key} LambdaVersion {needed} (wired: {version})"
            )
        elif wire.family is TriggerFamily.PreTokenGeneration:
            _check_pre_token_types(fn, name, route, version, problems)


def _older(version: str, needed: str, versions: tuple[str, ...]) -> bool:
    known = list(versions)
    return version not in known or needed not in known or known.index(version) < known.index(needed)


def _check_pre_token_types(
    fn: str, name: str, route: Route, version: str, problems: list[str]
) -> None:
    """A handler annotated for V2/V3 events is not fed V1 ones, nor a V1 one V2/V3 events."""
    types = _event_type_names(route.handler)
    if types and types <= {"PreTokenGenerationV2Event", "ClientCredentialsEvent"}:
        if version == "V1_0":
            problems.append(
                f"{fn}: {name} takes V2/V3 events but pre token generation is wired as V1 "
                "(use PreTokenGenerationConfig with LambdaVersion V2_0 or V3_0)"
            )
    elif types == {"PreTokenGenerationV1Event"} and version != "V1_0":
        problems.append(f"{fn}: {name} takes V1 events but the pool sends {version} events")


def _check_handler(template: Template, fn: str, wires: list[Wire], problems: list[str]) -> None:
    try:
        module, attribute = _load_handler_module(template, fn)
    except Exception as error:
        problems.append(f"{fn}: cannot import its handler: {type(error).__name__}: {error}")
        return
    router = _router_of(module, attribute)
    if isinstance(router, str):
        problems.append(f"{fn}: {router}")
        return
    _check_function(fn, router, wires, problems)


def check_project(
    template_path: Path,
    *,
    parameter_overrides: dict[str, str] | None = None,
    stack_name: str | None = None,
) -> tuple[list[str], str]:
    """Problems (empty when all agree) and a one-line summary; :class:`TemplateError` if the
    template cannot be read (that is no disagreement with the code). ``${AWS::StackName}`` is
    ``stack_name``, by default the project folder's name, as ``up`` and the plugin deploy it."""
    template = load_template(template_path)
    template.stack_name = stack_name or template.stack_name
    template.parameter_overrides = dict(parameter_overrides or {})
    template.check_parameter_overrides()
    problems, wires = check_template(template)
    lint, notes = lint_errors(template)
    problems += lint
    # Every function with a handler module, wired or not: an unwired router is a finding too.
    folders = _code_folders(template)
    for fn in sorted(template.of_type("AWS::Serverless::Function")):
        # The whole check inside: a class's type hints are read through its sys.modules entry.
        with _own_modules_only(folders):
            _check_handler(template, fn, wires, problems)
    resolved = [w for w in wires if w.function is not None]
    unresolved = [f"{w.pool}.LambdaConfig.{w.key}: {w.unresolved}" for w in wires if w.unresolved]
    if not resolved:  # "agree" after comparing nothing would pass CI having checked nothing
        problems.append(
            "no user pool of the template wires a trigger to a function of the template: "
            "nothing to check" + "".join(f"; {u}" for u in unresolved)
        )
    functions = len({w.function for w in resolved})
    summary = (
        f"{template_path}: {len(resolved)} trigger(s) wired to {functions} function(s); "
        "template and handlers agree"
    )
    if "AWS::StackName" in template.path.read_text(encoding="utf-8"):
        notes.append(f"evaluated as stack {template.stack_name} (--stack-name to change)")
    notes += [f"not checked: {u}" for u in unresolved]  # another stack's function, say
    summary += "".join(f"\n  {note}" for note in notes)
    return problems, summary
