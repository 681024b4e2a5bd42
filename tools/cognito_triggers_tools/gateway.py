"""The gateway check: would Amazon Bedrock AgentCore Gateway let this token call this tool?

AgentCore Gateway puts two checks in front of every tool call:

1. its inbound JWT authorizer, configured as ``{"customJWTAuthorizer": {...}}``
   (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/inbound-jwt-authorizer.html,
   https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CustomJWTAuthorizerConfiguration.html):
   the signature against the keys the ``discoveryUrl`` names, ``client_id`` in
   ``allowedClients``, ``aud`` in ``allowedAudience``, at least one scope of the token in
   ``allowedScopes``, and each ``customClaims`` rule (``STRING`` with ``EQUALS``,
   ``STRING_ARRAY`` with ``CONTAINS`` or ``CONTAINS_ANY``);
2. the Cedar policies of the policy engine attached to it
   (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/policy-authorization-flow.html):
   principal ``AgentCore::OAuthUser::"<sub>"`` (for client credentials ``sub`` is the client id)
   with every claim of the token as a string tag, action ``AgentCore::Action::"<tool>"``,
   resource ``AgentCore::Gateway::"<gateway ARN>"``, context ``{"input": <the tool's arguments>}``;
   nothing permitted is denied and a ``forbid`` wins.

:class:`Gateway` plays both, the second with the Cedar engine itself (cedarpy, the ``gateway``
extra), on the claims a pre token generation handler produced (:meth:`Gateway.decide`, with
:func:`machine_token_claims`) or on a real token with its issuer's discovery document and JWKS
(:meth:`Gateway.decide_token`). Where AWS does not say what AgentCore does, the choice made here
is said where it is made.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .inputs import read_json, read_text
from .toolchain import ToolError

if TYPE_CHECKING:
    from cedarpy import pst

__all__ = [
    "EXAMPLE_GATEWAY_ARN",
    "Authorizer",
    "ClaimRule",
    "Decision",
    "Gateway",
    "GatewayError",
    "machine_token_claims",
    "matrix",
    "placeholders_in",
    "tags_of",
]

EXAMPLE_GATEWAY_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/example"
"""The resource of every request unless ``gateway_arn`` is given: policies that name their
gateway by ARN need the real one."""

WELL_KNOWN = "/.well-known/openid-configuration"
TARGET_SEPARATOR = "___"
"""A gateway names a target's tool ``<target>___<tool>`` (AWS's AgentCore Policy tutorial)."""

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")
# Keys of customJWTAuthorizer that do not take part in the decision (endpoints, advertising).
_NOT_DECIDING = frozenset({"advertisedScopeMapping", "privateEndpoint", "privateEndpointOverrides"})
_DECIDING = ("discoveryUrl", "allowedAudience", "allowedClients", "allowedScopes", "customClaims")
_OPERATORS = {"STRING": ("EQUALS",), "STRING_ARRAY": ("CONTAINS", "CONTAINS_ANY")}


class GatewayError(ToolError):
    """A configuration, policy, token or document that cannot be used; the message names the
    file or value and the fix."""


def _cedar() -> Any:
    try:
        import cedarpy
    except ImportError:
        raise GatewayError(
            "the gateway check needs the Cedar engine, the tools' gateway extra: "
            "uv add --dev 'cognito-triggers-tools[gateway]' (or pip install "
            "'cognito-triggers-tools[gateway]')"
        ) from None
    return cedarpy


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _kind(value: object) -> str:
    """A JSON value's type in JSON's words."""
    if value is None:
        return "null"
    names = {bool: "boolean", str: "string", list: "array", dict: "object"}
    return names.get(type(value), "number")


# -- the authorizer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRule:
    """One ``customClaims`` entry (CustomClaimValidationType). ``STRING`` wants a JSON string
    equal to ``matchValueString``; ``STRING_ARRAY`` wants a JSON array of strings that holds
    ``matchValueString`` (``CONTAINS``) or one of ``matchValueStringList`` (``CONTAINS_ANY``).
    AWS does not say whether AgentCore reads a single string as a one-item array or the other
    way round: here a claim of the other type fails its rule, and says so."""

    claim: str
    value_type: Literal["STRING", "STRING_ARRAY"]
    operator: Literal["EQUALS", "CONTAINS", "CONTAINS_ANY"]
    values: tuple[str, ...]

    def __str__(self) -> str:
        wanted = json.dumps(self.values[0] if len(self.values) == 1 else list(self.values))
        return f"customClaims {self.claim} {self.value_type} {self.operator} {wanted}"

    def mismatch(self, claims: Mapping[str, Any]) -> str | None:
        """Why the token's claim can never match this rule whatever its value (its JSON type),
        or ``None``."""
        if self.claim not in claims:
            return None
        value = claims[self.claim]
        if self.value_type == "STRING" and not isinstance(value, str):
            fix = " (a list needs STRING_ARRAY with CONTAINS or CONTAINS_ANY)"
            return (
                f"claim {self.claim!r} is a JSON {_kind(value)}, but {self} checks it as STRING: "
                f"it can never match{fix if isinstance(value, list) else ''}"
            )
        if self.value_type == "STRING_ARRAY" and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            fix = " (one value needs STRING with EQUALS)" if isinstance(value, str) else ""
            return (
                f"claim {self.claim!r} is a JSON {_kind(value)}, but {self} checks it as an "
                f"array of strings: it can never match{fix}"
            )
        return None

    def refusal(self, claims: Mapping[str, Any]) -> str | None:
        """Why this rule refuses the token, or ``None``."""
        if self.claim not in claims:
            return f"{self}: the token has no {self.claim!r} claim"
        mismatch = self.mismatch(claims)
        if mismatch is not None:
            return mismatch
        value = claims[self.claim]
        matched = (
            value == self.values[0]
            if self.value_type == "STRING"
            else set(value) & set(self.values)
        )
        return None if matched else f"{self}: the token's {self.claim} is {json.dumps(value)}"

    @classmethod
    def from_json(cls, entry: Any, where: str) -> ClaimRule:
        if not isinstance(entry, Mapping):
            raise GatewayError(f"{where} is a JSON {_kind(entry)}, not an object")
        name = entry.get("inboundTokenClaimName")
        value_type = entry.get("inboundTokenClaimValueType")
        match = entry.get("authorizingClaimMatchValue")
        if not isinstance(name, str) or not name:
            raise GatewayError(f"{where}: inboundTokenClaimName (the claim's name) is missing")
        if value_type not in _OPERATORS:
            raise GatewayError(f"{where}: inboundTokenClaimValueType is STRING or STRING_ARRAY")
        if not isinstance(match, Mapping) or not isinstance(match.get("claimMatchValue"), Mapping):
            raise GatewayError(
                f"{where}: authorizingClaimMatchValue needs claimMatchOperator and claimMatchValue"
            )
        operator = match.get("claimMatchOperator")
        if operator not in _OPERATORS[value_type]:
            raise GatewayError(
                f"{where}: a {value_type} claim is matched with "
                f"{' or '.join(_OPERATORS[value_type])}, not {operator}"
            )
        given = match["claimMatchValue"]
        key = "matchValueStringList" if operator == "CONTAINS_ANY" else "matchValueString"
        values = given.get(key)
        values = [values] if isinstance(values, str) else values
        if not (isinstance(values, list) and values and all(isinstance(v, str) for v in values)):
            raise GatewayError(f"{where}: {operator} takes claimMatchValue.{key}")
        return cls(name, value_type, operator, tuple(values))


@dataclass(frozen=True)
class Authorizer:
    """A gateway's ``customJWTAuthorizer``. An empty tuple is a rule not configured."""

    discovery_url: str
    allowed_audience: tuple[str, ...] = ()
    allowed_clients: tuple[str, ...] = ()
    allowed_scopes: tuple[str, ...] = ()
    custom_claims: tuple[ClaimRule, ...] = ()

    @property
    def issuer(self) -> str:
        """The ``iss`` the tokens must carry: an OpenID discovery URL is the issuer followed by
        ``/.well-known/openid-configuration`` (OpenID Connect Discovery 1.0, section 4)."""
        return self.discovery_url.removesuffix(WELL_KNOWN)

    @classmethod
    def from_json(cls, data: Any, where: str = "the authorizer") -> Authorizer:
        """From AgentCore's own JSON: ``{"customJWTAuthorizer": {...}}`` (the gateway's
        ``authorizerConfiguration``), or ``GetGateway``'s answer around it."""
        if isinstance(data, Mapping) and "authorizerConfiguration" in data:
            data = data["authorizerConfiguration"]
        if not (isinstance(data, Mapping) and isinstance(data.get("customJWTAuthorizer"), Mapping)):
            raise GatewayError(
                f'{where}: expected {{"customJWTAuthorizer": {{"discoveryUrl": ...}}}}, '
                "the gateway's authorizerConfiguration"
            )
        config = data["customJWTAuthorizer"]
        unknown = sorted(set(config) - set(_DECIDING) - _NOT_DECIDING)
        if unknown:
            raise GatewayError(
                f"{where}: unknown key {unknown[0]!r} in customJWTAuthorizer "
                f"({', '.join(_DECIDING)})"
            )
        url = config.get("discoveryUrl")
        if not isinstance(url, str) or not url.endswith(WELL_KNOWN) or url == WELL_KNOWN:
            raise GatewayError(f"{where}: discoveryUrl must end in {WELL_KNOWN}")

        def strings(key: str) -> tuple[str, ...]:
            value = config.get(key)
            if value is None:
                return ()
            if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                raise GatewayError(f"{where}: {key} is a non-empty list of strings, or absent")
            return tuple(value)

        claims = config.get("customClaims") or []
        if not isinstance(claims, list):
            raise GatewayError(f"{where}: customClaims is a list of rules")
        return cls(
            url,
            strings("allowedAudience"),
            strings("allowedClients"),
            strings("allowedScopes"),
            tuple(
                ClaimRule.from_json(rule, f"{where}: customClaims[{i}]")
                for i, rule in enumerate(claims)
            ),
        )

    def refusals(self, claims: Mapping[str, Any], now: float) -> list[str]:
        """Every rule the token fails, in the order they are listed here (AWS does not say in
        which order AgentCore checks them). Beyond what the configuration names, a token must
        come from the issuer and carry an ``exp`` still to come, as any JWT validation does; and a
        token with a ``token_use`` must be an access token: AWS does not document that check, but
        the gateway takes OAuth 2.0 bearer tokens, which a Cognito ID token is not."""
        refused = []
        if claims.get("iss") != self.issuer:
            refused.append(f"iss: {claims.get('iss')!r} is not the issuer {self.issuer!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            refused.append("exp: the token has no expiry")
        elif exp <= now:
            refused.append(f"exp: the token expired {now - exp:.0f} s ago")
        if "token_use" in claims and claims["token_use"] != "access":
            refused.append(f"token_use: {claims['token_use']!r}, not an access token")
        if self.allowed_audience:
            aud = claims.get("aud")
            audiences = aud if isinstance(aud, list) else [aud]
            if aud is None:
                refused.append(
                    "allowedAudience: the token has no aud claim (Cognito access tokens carry "
                    "none unless resource binding is used: check client_id with allowedClients)"
                )
            elif not set(audiences) & set(self.allowed_audience):
                refused.append(f"allowedAudience: aud {json.dumps(aud)} is not allowed")
        if self.allowed_clients and claims.get("client_id") not in self.allowed_clients:
            refused.append(
                f"allowedClients: client_id {claims.get('client_id')!r} is not allowed"
                if "client_id" in claims
                else "allowedClients: the token has no client_id claim"
            )
        if self.allowed_scopes:
            scope = claims.get("scope")
            scopes = scope.split() if isinstance(scope, str) else []
            if not set(scopes) & set(self.allowed_scopes):
                refused.append(
                    f"allowedScopes: none of the token's scopes ({scope or 'none'}) is one of "
                    f"{', '.join(self.allowed_scopes)}"
                )
        for rule in self.custom_claims:
            refusal = rule.refusal(claims)
            if refusal is not None:
                refused.append(refusal)
        return refused


# -- the policies ------------------------------------------------------------------------------


def tags_of(claims: Mapping[str, Any]) -> dict[str, str]:
    """The principal's tags as AgentCore Policy makes them from a token's claims: a string as it
    is, a null claim as no tag, every other value as its JSON text. AWS does not say how that
    text is spaced: here compactly (``["agents","support"]``), as most JSON writers do; a policy
    that reads a list with ``like "*\\"support\\"*"`` does not depend on it."""
    return {
        name: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for name, value in claims.items()
        if value is not None
    }


@dataclass(frozen=True)
class _Policy:
    label: str
    """Its ``@id("...")`` annotation, else ``<file>[<index>]``."""
    node: pst.Template


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        value = stack.pop()
        yield value
        if isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, tuple):
            stack.extend(value)
        elif hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
            stack.extend(getattr(value, name) for name in value.__dataclass_fields__)


def _tag_read(expr: Any, ops: tuple[str, ...] = ("get_tag", "has_tag")) -> str | None:
    """The tag ``principal.getTag("<name>")`` (or ``hasTag``, as ``ops`` say) reads, or
    ``None``."""
    from cedarpy import pst

    if (
        isinstance(expr, pst.BinaryOp)
        and expr.op in ops
        and expr.left == pst.Var("principal")
        and isinstance(expr.right, pst.StringLit)
    ):
        return expr.right.value
    return None


def _reads(policy: _Policy) -> set[str]:
    """The principal's tags the policy reads (``getTag`` or ``hasTag`` with a literal name)."""
    return {name for node in _walk(policy.node) if (name := _tag_read(node)) is not None}


def _compares_as_text(policy: _Policy) -> set[str]:
    """Tags the policy compares with ``==`` or ``!=`` to a string."""
    from cedarpy import pst

    found = set()
    for node in _walk(policy.node):
        if isinstance(node, pst.BinaryOp) and node.op in ("eq", "not_eq"):
            for tag, other in ((node.left, node.right), (node.right, node.left)):
                name = _tag_read(tag, ("get_tag",))
                if name is not None and isinstance(other, pst.StringLit):
                    found.add(name)
    return found


def _may_apply(policy: _Policy, actions: set[str]) -> bool:
    """Whether the policy's action scope names this tool (or its target, or any action)."""
    from cedarpy import pst

    scope = policy.node.action
    if isinstance(scope, pst.ActionEq):
        return scope.entity.id in actions
    if isinstance(scope, pst.ActionIn):
        return any(entity.id in actions for entity in scope.entities)
    return True


def _policy_files(policies: str | Path | Sequence[str | Path]) -> list[Path]:
    given = [policies] if isinstance(policies, str | Path) else list(policies)
    files: list[Path] = []
    for item in map(Path, given):
        if item.is_dir():
            found = sorted(item.glob("*.cedar"))
            if not found:
                raise GatewayError(f"{item}: no .cedar policy file in the folder")
            files += found
        elif item.is_file():
            files.append(item)
        else:
            raise GatewayError(f"{item}: no such policy file or folder")
    if not files:
        raise GatewayError("no policy file given: the gateway would deny every call")
    return files


def _load_policies(files: Sequence[Path], schema: Any) -> list[_Policy]:
    cedar = _cedar()
    loaded: list[_Policy] = []
    for path in files:
        text = read_text(path, "Cedar policy file")
        try:
            parsed = cedar.policies_to_pst(text)
        except ValueError as error:
            raise GatewayError(f"{path}: not a valid Cedar policy set: {error}") from None
        if parsed.templates:
            raise GatewayError(f"{path}: a template (?principal, ?resource) links no policy here")
        labels = []
        for index, node in enumerate(parsed.static_policies.values()):
            label = node.annotations.get("id") or f"{path.name}[{index}]"
            if any(label == p.label for p in loaded):
                raise GatewayError(f"{path}: two policies are called {label!r}")
            labels.append(label)
            loaded.append(_Policy(label, replace(node, id=label)))
        if schema is not None:
            problems = []
            for problem in cedar.validate_policies(text, schema).errors:
                # The validator names a policy by its place in the file: policy0, policy1...
                index = problem.policy_id.removeprefix("policy")
                known = index.isdigit() and int(index) < len(labels)
                problems.append(f"{labels[int(index)] if known else path}: {problem.error}")
            if problems:
                raise GatewayError(f"{path}: not valid against the schema: {'; '.join(problems)}")
    return loaded


# -- a decision --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What the gateway decides for one token and one tool call."""

    allowed: bool
    stage: Literal["authorizer", "policy"]
    """Where the call was decided: refused by the authorizer, or by the policies."""
    reason: str
    """The authorizer rules the token fails, or the policies that decided (by label)."""
    tool: str
    principal: str | None
    """``AgentCore::OAuthUser::"<sub>"``, once the authorizer let the token through."""
    signature: str
    """``verified``, ``not verified: <why>``, or ``not checked: claims, not a token``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    """Claims that cannot match the rule they feed, tags policies read that the token lacks."""

    def describe(self) -> str:
        """One line for a report."""
        verdict = _verdict(self)
        note = (
            "" if self.signature == "verified" else f" [signature {self.signature.split(':')[0]}]"
        )
        return f"{verdict} {self.tool}: {self.stage}: {self.reason}{note}"


def matrix(decisions: Mapping[str, Mapping[str, Decision]]) -> list[str]:
    """``{caller: {tool: decision}}`` as a table: one row per tool, one column per caller,
    ``allow`` or ``deny`` in each cell."""
    callers = list(decisions)
    tools = list(dict.fromkeys(tool for row in decisions.values() for tool in row))
    rows = [["", *callers]] + [
        [tool, *(_verdict(decisions[caller].get(tool)) for caller in callers)] for tool in tools
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(callers) + 1)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _verdict(decision: Decision | None) -> str:
    return "" if decision is None else "allow" if decision.allowed else "deny"


# -- the gateway -------------------------------------------------------------------------------


def placeholders_in(authorizer: str | Path | Mapping[str, Any]) -> set[str]:
    """The ``${Name}`` placeholders an authorizer (its JSON file, or its data) leaves to fill."""
    data = authorizer if isinstance(authorizer, Mapping) else read_json(authorizer, "authorizer")
    return set(_PLACEHOLDER.findall(json.dumps(data)))


def _fill(value: Any, placeholders: Mapping[str, str], where: str) -> Any:
    """``value`` with each ``${Name}`` of its strings replaced by ``placeholders[Name]``."""
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in placeholders:
                raise GatewayError(f"{where}: ${{{name}}} is not filled: give its value")
            return placeholders[name]

        return _PLACEHOLDER.sub(substitute, value)
    if isinstance(value, list):
        return [_fill(item, placeholders, where) for item in value]
    if isinstance(value, Mapping):
        return {key: _fill(item, placeholders, where) for key, item in value.items()}
    return value


def _document(source: Mapping[str, Any] | str | Path, what: str) -> Mapping[str, Any]:
    """A JSON object given as is, as a file, or at an http(s) URL."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=10) as answer:  # noqa: S310 - http(s) only
                data = json.loads(answer.read())
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise GatewayError(f"{source}: cannot read the {what}: {error}") from None
    else:
        data = read_json(source, what)
    if not isinstance(data, Mapping):
        raise GatewayError(f"{source}: the {what} is a JSON {_kind(data)}, not an object")
    return data


def _signature(token: str, jwks: Mapping[str, Any]) -> str:
    """``verified`` when a key of ``jwks`` verifies the token's signature (PyJWT), else
    ``not verified: <why>``."""
    import jwt

    header = jwt.get_unverified_header(token)
    algorithm, kid = header.get("alg"), header.get("kid")
    if not isinstance(algorithm, str) or algorithm[:2] not in ("RS", "PS", "ES"):
        return f"not verified: alg {algorithm!r} is not a public-key signature"
    listed = jwks.get("keys")
    keys = listed if isinstance(listed, list) else []
    named = [k for k in keys if isinstance(k, Mapping) and k.get("kid") == kid]
    if not named:
        return f"not verified: no key of the JWKS has the token's kid {kid!r}"
    try:
        key = jwt.PyJWK(dict(named[0]), algorithm)
    except jwt.PyJWTError as error:
        return f"not verified: key {kid!r} of the JWKS is no usable public key ({error})"
    try:
        # The signature only (JWS): the claims are the authorizer's rules, checked apart.
        jwt.PyJWS().decode(token, key.key, algorithms=[algorithm])
    except jwt.InvalidSignatureError:
        return f"not verified: the signature does not match key {kid!r} of the JWKS"
    except jwt.PyJWTError as error:
        return f"not verified: {error}"
    return "verified"


@dataclass(frozen=True)
class Gateway:
    """An authorizer and the policies of a policy engine, as one gateway applies them."""

    authorizer: Authorizer
    policies: tuple[_Policy, ...]
    gateway_arn: str = EXAMPLE_GATEWAY_ARN
    schema: str | None = None
    """The Cedar schema's text, when given: requests and entities are checked against it."""
    _policy_set: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        *,
        authorizer: str | Path | Mapping[str, Any],
        policies: str | Path | Sequence[str | Path],
        schema: str | Path | None = None,
        gateway_arn: str = EXAMPLE_GATEWAY_ARN,
        placeholders: Mapping[str, str] | None = None,
    ) -> Gateway:
        """``authorizer``: AgentCore's JSON (a file or its data), where ``${Name}`` is filled from
        ``placeholders`` (a stack's outputs, say; a name left unfilled is an error).
        ``policies``: ``.cedar`` files, or folders of them. ``schema``: a Cedar schema file
        (``.cedarschema``, or JSON), which the policies must then validate against."""
        where = "the authorizer" if isinstance(authorizer, Mapping) else str(authorizer)
        data = (
            authorizer if isinstance(authorizer, Mapping) else read_json(authorizer, "authorizer")
        )
        config = Authorizer.from_json(_fill(data, placeholders or {}, where), where)
        cedar = _cedar()
        schema_text = None
        if schema is not None:
            schema_text = read_text(schema, "Cedar schema")
            parse = (
                cedar.Schema.from_json_str
                if str(schema).endswith(".json")
                else cedar.Schema.from_str
            )
            try:
                parse(schema_text)
            except ValueError as error:
                raise GatewayError(f"{schema}: not a valid Cedar schema: {error}") from None
        loaded = _load_policies(_policy_files(policies), schema_text)
        from cedarpy import pst

        nodes = pst.FrozenMap({p.label: p.node for p in loaded})
        policy_set = cedar.PolicySet.from_pst(
            pst.PolicySet(templates=pst.FrozenMap(), static_policies=nodes, template_links=())
        )
        return cls(config, tuple(loaded), gateway_arn, schema_text, policy_set)

    def decide(
        self,
        claims: Mapping[str, Any],
        *,
        tool: str,
        input: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> Decision:
        """The decision for a token carrying ``claims`` (no signature to check) calling
        ``tool`` (``<target>___<tool>``, as the gateway names it) with ``input``."""
        return self._decide(claims, tool, input, now, "not checked: claims, not a token")

    def decide_token(
        self,
        token: str,
        *,
        tool: str,
        input: Mapping[str, Any] | None = None,
        discovery: Mapping[str, Any] | str | Path | None = None,
        jwks: Mapping[str, Any] | str | Path | None = None,
        now: float | None = None,
        allow_unverified_signature: bool = False,
    ) -> Decision:
        """The decision for a real token. Its signature is checked against ``jwks`` (a JWKS, a
        file or a URL), else against the keys the ``discovery`` document's ``jwks_uri`` names.
        A signature that does not verify is a deny, unless ``allow_unverified_signature`` (for
        an emulator whose keys do not verify its tokens): then the decision says so."""
        import jwt

        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise GatewayError(f"not a JWT: {error}") from None
        document = _document(discovery, "discovery document") if discovery is not None else None
        if document is not None and document.get("issuer") != self.authorizer.issuer:
            raise GatewayError(
                f"the discovery document names the issuer {document.get('issuer')!r}, the "
                f"authorizer's discoveryUrl the issuer {self.authorizer.issuer!r}: set "
                "discoveryUrl to the tokens' issuer (their iss) followed by "
                "/.well-known/openid-configuration; a local AWS serves that document at another "
                "address, which is what to read it from"
            )
        if jwks is None:
            if document is None or not isinstance(document.get("jwks_uri"), str):
                raise GatewayError("give the issuer's JWKS, or its discovery document (jwks_uri)")
            jwks = str(document["jwks_uri"])
        signature = _signature(token, _document(jwks, "JWKS"))
        if signature != "verified" and not allow_unverified_signature:
            return Decision(False, "authorizer", f"signature {signature}", tool, None, signature)
        return self._decide(claims, tool, input, now, signature)

    def _decide(
        self,
        claims: Mapping[str, Any],
        tool: str,
        input: Mapping[str, Any] | None,
        now: float | None,
        signature: str,
    ) -> Decision:
        tags = tags_of(claims)
        warnings = [m for rule in self.authorizer.custom_claims if (m := rule.mismatch(claims))]
        actions = {tool, tool.split(TARGET_SEPARATOR, 1)[0]}
        for policy in self.policies:
            if not _may_apply(policy, actions):
                continue
            for name in sorted(_reads(policy) - set(tags)):
                warnings.append(f"policy {policy.label} reads tag {name!r}, which the token lacks")
            for name in sorted(_compares_as_text(policy)):
                if isinstance(claims.get(name), list | dict):
                    warnings.append(
                        f"policy {policy.label} compares tag {name!r} with ==, but it is the JSON "
                        f"text of {_a(_kind(claims[name]))}: match it with like"
                    )
        refused = self.authorizer.refusals(claims, time.time() if now is None else now)
        if refused:
            return Decision(
                False,
                "authorizer",
                "; ".join(refused),
                tool,
                None,
                signature,
                tags,
                tuple(warnings),
            )
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            reason = "the token has no sub claim, which names the principal"
            return Decision(False, "policy", reason, tool, None, signature, tags, tuple(warnings))
        principal = {"type": "AgentCore::OAuthUser", "id": sub}
        action = {"type": "AgentCore::Action", "id": tool}
        resource = {"type": "AgentCore::Gateway", "id": self.gateway_arn}
        entities: list[dict[str, Any]] = [
            {"uid": principal, "attrs": {"id": sub}, "parents": [], "tags": tags},
            {"uid": resource, "attrs": {}, "parents": []},
        ]
        if self.schema is None and TARGET_SEPARATOR in tool:
            # A target is an action group of its tools (AgentCore Policy, "Policy scope"); with a
            # schema, the action hierarchy is the schema's.
            target = {"type": "AgentCore::Action", "id": tool.split(TARGET_SEPARATOR, 1)[0]}
            entities.append({"uid": action, "attrs": {}, "parents": [target]})
        request = {
            "principal": principal,
            "action": action,
            "resource": resource,
            "context": {"input": _cedar_values(dict(input or {}))},
        }
        result = _cedar().is_authorized(request, self._policy_set, entities, schema=self.schema)
        decided = list(result.diagnostics.reasons)
        errors = list(result.diagnostics.errors)
        principal_text = f'AgentCore::OAuthUser::"{sub}"'
        if result.allowed:
            reason = f"permitted by {', '.join(decided)}"
        elif decided:
            reason = f"forbidden by {', '.join(decided)}"
        elif errors and result.decision.name == "NoDecision":
            reason = f"the request does not fit the schema: {'; '.join(errors)}"
        else:
            reason = "no policy permits it"
            if errors:
                reason += f" ({'; '.join(errors)})"
        return Decision(
            result.allowed, "policy", reason, tool, principal_text, signature, tags, tuple(warnings)
        )


def _cedar_values(value: Any) -> Any:
    """A tool's arguments as Cedar values: a JSON number with a fraction is a Cedar ``decimal``
    (AgentCore maps JSON Schema's ``number`` to Decimal); the rest as JSON has them."""
    if isinstance(value, float):
        return {"__extn": {"fn": "decimal", "arg": f"{value:.4f}"}}
    if isinstance(value, list):
        return [_cedar_values(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _cedar_values(item) for key, item in value.items()}
    return value


# -- the claims a handler produced -------------------------------------------------------------


def machine_token_claims(
    event: Mapping[str, Any], reply: Mapping[str, Any], *, now: float | None = None
) -> dict[str, Any]:
    """The claims of the access token Cognito issues for a ``TokenGeneration_ClientCredentials``
    event and its pre token generation function's ``reply``: Cognito's own claims for a machine
    (``sub`` and ``client_id`` the app client's id, ``token_use`` ``access``, ``scope``, ``iss``,
    ``exp`` an hour on, ``iat``, ``auth_time``, ``jti``, ``version``; no ``aud``), the reply's
    scopes added and suppressed, its ``accessTokenGeneration`` claims added, then suppressed
    (suppress wins), as
    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
    describes."""
    if event.get("triggerSource") != "TokenGeneration_ClientCredentials":
        raise GatewayError(
            f"a machine token comes from a TokenGeneration_ClientCredentials event, not "
            f"{event.get('triggerSource')!r}"
        )
    issued = int(time.time() if now is None else now)
    client_id = str(event["callerContext"]["clientId"])
    details = (reply.get("response") or {}).get("claimsAndScopeOverrideDetails") or {}
    access = details.get("accessTokenGeneration") or {}
    scopes = [
        s
        for s in event["request"].get("scopes") or []
        if s not in (access.get("scopesToSuppress") or [])
    ]
    scopes += [s for s in access.get("scopesToAdd") or [] if s not in scopes]
    claims: dict[str, Any] = {
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": issued,
        "iss": f"https://cognito-idp.{event['region']}.amazonaws.com/{event['userPoolId']}",
        "exp": issued + 3600,
        "iat": issued,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }
    claims.update(access.get("claimsToAddOrOverride") or {})
    for name in access.get("claimsToSuppress") or []:
        claims.pop(name, None)
    return claims
