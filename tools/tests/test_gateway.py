"""The gateway check: AgentCore's inbound JWT authorizer rules, the claims as Cedar tags, the Cedar
decisions (through the Cedar engine, cedarpy) and token signatures (RSA keys made here)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cognito_triggers.testing import AGENT_CLIENT_ID, USER_POOL_ID, make_event
from cognito_triggers_tools.cli import main
from cognito_triggers_tools.gateway import (
    Authorizer,
    Decision,
    Gateway,
    GatewayError,
    machine_token_claims,
    matrix,
    tags_of,
)

ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{USER_POOL_ID}"
DISCOVERY_URL = f"{ISSUER}/.well-known/openid-configuration"
NOW = 1_800_000_000.0
OTHER_CLIENT = "0therc1ient0000000000000000"

POLICIES = {
    "tickets.cedar": """
        @id("support-reads-tickets")
        permit (principal is AgentCore::OAuthUser,
                action == AgentCore::Action::"support___lookup_ticket",
                resource is AgentCore::Gateway)
        when { principal.getTag("department") == "support" };
    """,
    "refunds.cedar": """
        permit (principal, action in AgentCore::Action::"finance", resource)
        when { principal.hasTag("groups") && principal.getTag("groups") like "*\\"finance\\"*"
               && context.input.amount <= 500 };
        forbid (principal, action == AgentCore::Action::"finance___issue_refund", resource)
        when { principal.hasTag("frozen") };
    """,
}


def claims(**changes: Any) -> dict[str, Any]:
    """A Cognito machine access token's claims (client credentials), with ``changes``; a change
    to ``None`` removes the claim."""
    base: dict[str, Any] = {
        "sub": AGENT_CLIENT_ID,
        "client_id": AGENT_CLIENT_ID,
        "token_use": "access",
        "scope": "agents/invoke agents/read",
        "iss": ISSUER,
        "exp": NOW + 600,
        "iat": NOW,
        "department": "support",
        "groups": ["agents", "support"],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def authorizer(**rules: Any) -> dict[str, Any]:
    return {"customJWTAuthorizer": {"discoveryUrl": DISCOVERY_URL, **rules}}


def claim_rule(name: str, value_type: str, operator: str, value: str | list[str]) -> dict[str, Any]:
    key = "matchValueStringList" if isinstance(value, list) else "matchValueString"
    return {
        "inboundTokenClaimName": name,
        "inboundTokenClaimValueType": value_type,
        "authorizingClaimMatchValue": {
            "claimMatchOperator": operator,
            "claimMatchValue": {key: value},
        },
    }


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    for name, text in POLICIES.items():
        (folder / name).write_text(text)
    return folder


def gateway_of(policies: Path, **rules: Any) -> Gateway:
    return Gateway.load(authorizer=authorizer(**rules), policies=policies)


def refusals(config: dict[str, Any], token: dict[str, Any]) -> list[str]:
    return Authorizer.from_json(config).refusals(token, NOW)


# -- the authorizer's rules ------------------------------------------------------------------------


def test_a_valid_machine_token_passes_every_rule() -> None:
    config = authorizer(
        allowedClients=[AGENT_CLIENT_ID],
        allowedScopes=["agents/invoke"],
        customClaims=[
            claim_rule("department", "STRING", "EQUALS", "support"),
            claim_rule("groups", "STRING_ARRAY", "CONTAINS", "agents"),
            claim_rule("groups", "STRING_ARRAY", "CONTAINS_ANY", ["admins", "support"]),
        ],
    )
    assert refusals(config, claims()) == []


@pytest.mark.parametrize(
    ("token", "refused"),
    [
        (claims(exp=NOW - 30), "exp: the token expired 30 s ago"),
        (claims(exp=None), "exp: the token has no expiry"),
        (claims(iss="https://elsewhere.example"), "iss: 'https://elsewhere.example' is not the"),
        (claims(token_use="id"), "token_use: 'id', not an access token"),
    ],
)
def test_expiry_issuer_and_token_use(token: dict[str, Any], refused: str) -> None:
    (reason,) = refusals(authorizer(), token)
    assert reason.startswith(refused)


def test_allowed_clients() -> None:
    config = authorizer(allowedClients=[OTHER_CLIENT])
    assert refusals(config, claims(sub=OTHER_CLIENT, client_id=OTHER_CLIENT)) == []
    assert refusals(config, claims()) == [
        f"allowedClients: client_id {AGENT_CLIENT_ID!r} is not allowed"
    ]


def test_allowed_scopes_want_one_of_them() -> None:
    config = authorizer(allowedScopes=["agents/invoke", "agents/admin"])
    assert refusals(config, claims(scope="agents/invoke")) == []
    assert refusals(config, claims(scope="agents/read")) == [
        "allowedScopes: none of the token's scopes (agents/read) is one of "
        "agents/invoke, agents/admin"
    ]


def test_allowed_audience_refuses_cognito_access_tokens_which_have_no_aud() -> None:
    config = authorizer(allowedAudience=["https://api.example.com"])
    (reason,) = refusals(config, claims())
    assert reason.startswith("allowedAudience: the token has no aud claim")
    assert "allowedClients" in reason  # the fix
    assert refusals(config, claims(aud=["https://api.example.com"])) == []  # resource binding
    assert refusals(config, claims(aud="https://other.example.com")) == [
        'allowedAudience: aud "https://other.example.com" is not allowed'
    ]


@pytest.mark.parametrize(
    ("rule", "passes", "fails", "said"),
    [
        (
            ("department", "STRING", "EQUALS", "support"),
            "support",
            "finance",
            'the token\'s department is "finance"',
        ),
        (
            ("groups", "STRING_ARRAY", "CONTAINS", "agents"),
            ["agents"],
            ["finance"],
            'the token\'s groups is ["finance"]',
        ),
        (
            ("groups", "STRING_ARRAY", "CONTAINS_ANY", ["support", "finance"]),
            ["agents", "finance"],
            ["agents"],
            'the token\'s groups is ["agents"]',
        ),
    ],
)
def test_custom_claims_rules(rule: tuple[Any, ...], passes: Any, fails: Any, said: str) -> None:
    config = authorizer(customClaims=[claim_rule(*rule)])
    name = rule[0]
    assert refusals(config, claims(**{name: passes})) == []
    (reason,) = refusals(config, claims(**{name: fails}))
    assert reason.startswith(f"customClaims {name} {rule[1]} {rule[2]}")
    assert reason.endswith(said)
    (missing,) = refusals(config, claims(**{name: None}))
    assert missing.endswith(f"the token has no {name!r} claim")


def test_a_list_claim_checked_as_string_is_named(policies: Path) -> None:
    rules = [claim_rule("groups", "STRING", "EQUALS", "agents")]
    decision = gateway_of(policies, customClaims=rules).decide(
        claims(), tool="support___lookup_ticket", now=NOW
    )
    assert not decision.allowed
    assert decision.stage == "authorizer"
    expected = (
        "claim 'groups' is a JSON array, but customClaims groups STRING EQUALS \"agents\" checks "
        "it as STRING: it can never match (a list needs STRING_ARRAY with CONTAINS or CONTAINS_ANY)"
    )
    assert decision.reason == expected
    assert expected in decision.warnings


def test_a_string_claim_checked_as_an_array_is_named() -> None:
    config = authorizer(customClaims=[claim_rule("department", "STRING_ARRAY", "CONTAINS", "x")])
    (reason,) = refusals(config, claims())
    assert "is a JSON string" in reason
    assert reason.endswith("it can never match (one value needs STRING with EQUALS)")


def test_every_failed_rule_is_said() -> None:
    config = authorizer(allowedClients=[OTHER_CLIENT], allowedScopes=["agents/admin"])
    assert [r.split(":")[0] for r in refusals(config, claims(exp=NOW))] == [
        "exp",
        "allowedClients",
        "allowedScopes",
    ]


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ({"discoveryUrl": DISCOVERY_URL}, 'expected {"customJWTAuthorizer"'),
        (authorizer(discoveryUrl=ISSUER), "discoveryUrl must end in /.well-known/"),
        (authorizer(allowedClient=["x"]), "unknown key 'allowedClient'"),
        (authorizer(allowedScopes=[]), "allowedScopes is a non-empty list of strings"),
        (
            authorizer(customClaims=[claim_rule("groups", "STRING_ARRAY", "EQUALS", "a")]),
            "customClaims[0]: a STRING_ARRAY claim is matched with CONTAINS or CONTAINS_ANY",
        ),
        (
            authorizer(customClaims=[claim_rule("groups", "STRING_ARRAY", "CONTAINS_ANY", "a")]),
            "CONTAINS_ANY takes claimMatchValue.matchValueStringList",
        ),
    ],
)
def test_a_configuration_aws_would_refuse_is_an_error(config: Any, said: str) -> None:
    with pytest.raises(GatewayError) as raised:
        Authorizer.from_json(config)
    assert said in str(raised.value)


def test_placeholders_are_filled_or_named(policies: Path) -> None:
    config = {"customJWTAuthorizer": {"discoveryUrl": "${Url}", "allowedClients": ["${Client}"]}}
    values = {"Url": DISCOVERY_URL, "Client": AGENT_CLIENT_ID}
    gateway = Gateway.load(authorizer=config, policies=policies, placeholders=values)
    assert gateway.authorizer.allowed_clients == (AGENT_CLIENT_ID,)
    with pytest.raises(GatewayError, match=r"\$\{Client\} is not filled"):
        Gateway.load(authorizer=config, policies=policies, placeholders={"Url": DISCOVERY_URL})


# -- claims as tags --------------------------------------------------------------------------------


def test_every_claim_is_a_string_tag_and_nulls_are_none() -> None:
    assert tags_of(
        {
            "department": "support",
            "level": 3,
            "ratio": 0.5,
            "active": True,
            "groups": ["agents", "support"],
            "limits": {"refund": 500},
            "manager": None,
        }
    ) == {
        "department": "support",
        "level": "3",
        "ratio": "0.5",
        "active": "true",
        "groups": '["agents","support"]',
        "limits": '{"refund":500}',
    }


# -- the Cedar decision ----------------------------------------------------------------------------


def test_a_permit_allows_and_names_its_policy(policies: Path) -> None:
    decision = gateway_of(policies).decide(claims(), tool="support___lookup_ticket", now=NOW)
    assert decision.allowed
    assert decision.stage == "policy"
    assert decision.reason == "permitted by support-reads-tickets"
    assert decision.principal == f'AgentCore::OAuthUser::"{AGENT_CLIENT_ID}"'
    assert decision.tags["groups"] == '["agents","support"]'
    assert decision.describe() == (
        "allow support___lookup_ticket: policy: permitted by support-reads-tickets "
        "[signature not checked]"
    )


def test_nothing_permitted_is_denied(policies: Path) -> None:
    decision = gateway_of(policies).decide(claims(), tool="finance___issue_refund", now=NOW)
    assert (decision.allowed, decision.reason) == (False, "no policy permits it")


def test_a_target_groups_its_tools_and_context_input_is_read(policies: Path) -> None:
    finance = claims(department="finance", groups=["agents", "finance"])
    gateway = gateway_of(policies)
    small = gateway.decide(finance, tool="finance___issue_refund", input={"amount": 120}, now=NOW)
    assert small.allowed
    assert small.reason == "permitted by refunds.cedar[0]"  # no @id: the file and index
    large = gateway.decide(finance, tool="finance___issue_refund", input={"amount": 900}, now=NOW)
    assert not large.allowed


def test_a_forbid_wins(policies: Path) -> None:
    frozen = claims(department="finance", groups=["finance"], frozen=True)
    decision = gateway_of(policies).decide(
        frozen, tool="finance___issue_refund", input={"amount": 120}, now=NOW
    )
    assert not decision.allowed
    assert decision.reason == "forbidden by refunds.cedar[1]"


def test_a_missing_tag_denies_and_is_named(policies: Path) -> None:
    decision = gateway_of(policies).decide(
        claims(department=None), tool="support___lookup_ticket", now=NOW
    )
    assert not decision.allowed
    assert decision.stage == "policy"
    assert "support-reads-tickets" in decision.reason
    assert "does not have the tag `department`" in decision.reason
    assert decision.warnings == (
        "policy support-reads-tickets reads tag 'department', which the token lacks",
    )


def test_a_list_compared_with_equals_is_named(tmp_path: Path) -> None:
    (tmp_path / "p.cedar").write_text(
        'permit (principal, action, resource) when { principal.getTag("groups") == "agents" };'
    )
    decision = gateway_of(tmp_path).decide(claims(), tool="support___lookup_ticket", now=NOW)
    assert not decision.allowed
    assert decision.warnings == (
        "policy p.cedar[0] compares tag 'groups' with ==, but it is the JSON text of an array: "
        "match it with like",
    )


def test_the_authorizer_decides_first(policies: Path) -> None:
    gateway = gateway_of(policies, allowedClients=[OTHER_CLIENT])
    decision = gateway.decide(claims(), tool="support___lookup_ticket", now=NOW)
    assert (decision.allowed, decision.stage, decision.principal) == (False, "authorizer", None)
    assert decision.reason.startswith("allowedClients")


SCHEMA = """
namespace AgentCore {
  entity OAuthUser = { id: String } tags String;
  entity Gateway;
  action "finance";
  action "finance___issue_refund" in ["finance"] appliesTo {
    principal: [OAuthUser], resource: [Gateway], context: { input: { amount: Long } }
  };
  action "support___lookup_ticket" appliesTo {
    principal: [OAuthUser], resource: [Gateway], context: { input: {} }
  };
}
"""


def test_a_schema_checks_the_policies_and_the_request(policies: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema.cedarschema"
    schema.write_text(SCHEMA)
    # getTag without hasTag first may fail at run time: the validator refuses it, named.
    with pytest.raises(GatewayError, match=r"tickets.cedar: .*support-reads-tickets: .*department"):
        Gateway.load(authorizer=authorizer(), policies=policies, schema=schema)
    refunds = tmp_path / "refunds.cedar"
    refunds.write_text(POLICIES["refunds.cedar"])
    gateway = Gateway.load(authorizer=authorizer(), policies=[refunds], schema=schema)
    finance = claims(groups=["finance"])
    tool = "finance___issue_refund"
    assert gateway.decide(finance, tool=tool, input={"amount": 10}, now=NOW).allowed
    odd = gateway.decide(finance, tool=tool, input={"amount": "ten"}, now=NOW)
    assert not odd.allowed
    assert odd.reason.startswith("the request does not fit the schema")


def test_a_bad_policy_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.cedar").write_text("permit (principal, action, resource) when {")
    with pytest.raises(GatewayError, match=r"bad.cedar: not a valid Cedar policy set"):
        gateway_of(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(GatewayError, match=r"empty: no .cedar policy file in the folder"):
        gateway_of(empty)
    with pytest.raises(GatewayError, match=r"missing: no such policy file or folder"):
        gateway_of(tmp_path / "missing")


def test_without_cedarpy_the_error_names_the_extra(
    policies: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cedarpy", None)
    with pytest.raises(GatewayError, match=r"pip install 'cognito-triggers-tools\[gateway\]'"):
        gateway_of(policies)


def test_matrix() -> None:
    def decided(allowed: bool) -> Decision:
        return Decision(allowed, "policy", "", "t", None, "verified")

    table = {"a": {"t1": decided(True), "t2": decided(False)}, "b": {"t1": decided(False)}}
    assert matrix(table) == ["    a      b", "t1  allow  deny", "t2  deny"]


# -- the claims of a handler's reply ---------------------------------------------------------------


def test_machine_token_claims_from_a_handlers_reply() -> None:
    event = make_event("TokenGeneration_ClientCredentials")
    reply = json.loads(json.dumps(event))
    reply["response"]["claimsAndScopeOverrideDetails"] = {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"department": "support", "level": 2},
            "claimsToSuppress": ["level"],
            "scopesToAdd": ["agents/admin"],
            "scopesToSuppress": ["agents/read"],
        }
    }
    token = machine_token_claims(event, reply, now=NOW)
    assert token["sub"] == token["client_id"] == AGENT_CLIENT_ID
    assert token["iss"] == ISSUER
    assert (token["exp"], token["token_use"]) == (NOW + 3600, "access")
    assert token["scope"] == "agents/invoke agents/admin"
    assert token["department"] == "support"
    assert "level" not in token  # suppress wins
    assert "aud" not in token
    with pytest.raises(GatewayError, match="TokenGeneration_ClientCredentials event"):
        machine_token_claims(make_event("TokenGeneration_Authentication"), reply)


# -- signatures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def jwks_of(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}


def signed(key: rsa.RSAPrivateKey, token: dict[str, Any], kid: str = "k1") -> str:
    return jwt.encode(token, key, algorithm="RS256", headers={"kid": kid})


def test_a_token_signed_with_a_key_of_the_jwks_verifies(
    policies: Path, keys: tuple[rsa.RSAPrivateKey, ...], tmp_path: Path
) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_of(keys[0])))
    discovery = {"issuer": ISSUER, "jwks_uri": str(jwks)}
    decision = gateway_of(policies).decide_token(
        signed(keys[0], claims()), tool="support___lookup_ticket", discovery=discovery, now=NOW
    )
    assert decision.allowed
    assert decision.signature == "verified"
    assert decision.describe().endswith("permitted by support-reads-tickets")


def test_a_token_signed_with_another_key_is_unverifiable_and_denied(
    policies: Path, keys: tuple[rsa.RSAPrivateKey, ...]
) -> None:
    gateway = gateway_of(policies)
    token = signed(keys[1], claims())
    denied = gateway.decide_token(
        token, tool="support___lookup_ticket", jwks=jwks_of(keys[0]), now=NOW
    )
    said = "not verified: the signature does not match key 'k1' of the JWKS"
    assert (denied.allowed, denied.stage, denied.signature) == (False, "authorizer", said)
    assert denied.reason == f"signature {said}"
    allowed = gateway.decide_token(
        token,
        tool="support___lookup_ticket",
        jwks=jwks_of(keys[0]),
        now=NOW,
        allow_unverified_signature=True,
    )
    assert allowed.allowed
    assert allowed.signature == said
    assert allowed.describe().endswith("[signature not verified]")


def test_a_token_whose_key_is_not_in_the_jwks_is_named(
    policies: Path, keys: tuple[rsa.RSAPrivateKey, ...]
) -> None:
    decision = gateway_of(policies).decide_token(
        signed(keys[0], claims(), kid="rotated"),
        tool="support___lookup_ticket",
        jwks=jwks_of(keys[0]),
        now=NOW,
    )
    assert decision.signature == "not verified: no key of the JWKS has the token's kid 'rotated'"


def test_a_key_that_is_no_public_key_is_named(
    policies: Path, keys: tuple[rsa.RSAPrivateKey, ...]
) -> None:
    jwks = jwks_of(keys[0])
    jwks["keys"][0]["n"] = jwks["keys"][0]["n"][:-1]  # no longer base64url of a modulus
    decision = gateway_of(policies).decide_token(
        signed(keys[0], claims()), tool="support___lookup_ticket", jwks=jwks, now=NOW
    )
    assert decision.signature.startswith(
        "not verified: key 'k1' of the JWKS is no usable public key (Unable to construct key"
    )


def test_an_unsigned_token_is_not_verified(policies: Path) -> None:
    token = jwt.encode(claims(), "", algorithm="none")
    decision = gateway_of(policies).decide_token(
        token, tool="support___lookup_ticket", jwks={"keys": []}, now=NOW
    )
    assert decision.signature == "not verified: alg 'none' is not a public-key signature"


def test_a_discovery_document_of_another_issuer_is_an_error(policies: Path) -> None:
    with pytest.raises(
        GatewayError,
        match=r"discovery document names the issuer .https://elsewhere.example., the authorizer.s discoveryUrl the issuer .*: set discoveryUrl to the tokens. issuer",
    ):
        gateway_of(policies).decide_token(
            jwt.encode(claims(), "k" * 32, algorithm="HS256"),
            tool="t",
            discovery={"issuer": "https://elsewhere.example", "jwks_uri": "x"},
        )


# -- the command -----------------------------------------------------------------------------------


def test_the_command_exits_0_on_allow_1_on_deny_2_on_bad_input(
    policies: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "authorizer.json"
    config.write_text(json.dumps(authorizer(allowedClients=["${Client}"])))
    token = tmp_path / "claims.json"
    token.write_text(json.dumps(claims(exp=time.time() + 600)))
    args = ["gateway", "--authorizer", str(config), "--policies", str(policies)]
    args += ["--claims", str(token), "--set", f"Client={AGENT_CLIENT_ID}"]
    assert main([*args, "--tool", "support___lookup_ticket"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("allow support___lookup_ticket: policy: permitted by support-reads-")
    assert "  tag groups = " + '["agents","support"]' in out
    assert main([*args, "--tool", "finance___issue_refund", "--input", '{"amount": 5}']) == 1
    assert capsys.readouterr().out.startswith("deny finance___issue_refund: policy: no policy")
    assert main([*args, "--tool", "x", "--input", "[1]"]) == 2
    assert "--input: the tool's arguments are a JSON object" in capsys.readouterr().err
    assert main([*args[:-2], "--tool", "x"]) == 2  # ${Client} left unfilled
    assert "${Client} is not filled" in capsys.readouterr().err
    assert main([*args, "--set", "Clinet=x", "--tool", "support___lookup_ticket"]) == 2
    err = capsys.readouterr().err
    assert f"--set Clinet: 'Clinet' is not a placeholder of {config}; did you mean 'Client'?" in err
