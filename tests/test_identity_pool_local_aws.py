"""The example's identity pool on the local AWS (ministack): an editor's ID token exchanged for
AWS credentials (``GetId``, ``GetCredentialsForIdentity``), the claims the identity pool reads in
it, and the role the credentials carry.

ministack stores the role mapping (``Type: Token``) and the principal tags but applies neither,
and puts no ``cognito:roles`` or ``cognito:preferred_role`` in its tokens. So the tests show the
role the local AWS gave and, named as evaluations, what AWS's documented rules choose
(``cognito_triggers_tools.identity_pool``): from the token the local AWS issued, and from the
token as AWS would issue it, its groups' roles passed through the deployed pre token generation
function with the event AWS would send it.

The tests are one story in file order, with a user of their own (``ida@example.com``).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from cognito_triggers.testing import make_event
from cognito_triggers_tools.identity_pool import (
    PREFERRED_ROLE_CLAIM,
    ROLES_CLAIM,
    GroupRoles,
    RoleChoice,
    principal_tags,
    role_from_token,
    token_roles,
)
from cognito_triggers_tools.pytest_plugin import LocalStack, decode

from .flows import ATTRIBUTES, PASSWORD

pytestmark = pytest.mark.e2e

EDITOR = "ida@example.com"  # the trusted domain: confirmed on sign-up, the address unverified
GROUPS = ("members", "editors")
READ = ("cognito:groups", ROLES_CLAIM, PREFERRED_ROLE_CLAIM)  # and the principal tags' claims
EVALUATED = "evaluated from the token (AWS's documented rule), not applied by the local AWS"


class IdentityPool:
    """The deployed identity pool, as the local AWS describes it."""

    def __init__(self, stack: LocalStack, web: str) -> None:
        self.api = stack.client("cognito-identity")
        self.id = stack.output("IdentityPoolId")
        described = self.api.describe_identity_pool(IdentityPoolId=self.id)
        (provider,) = described["CognitoIdentityProviders"]
        self.provider: str = provider["ProviderName"]  # the Logins key of its ID tokens
        roles = self.api.get_identity_pool_roles(IdentityPoolId=self.id)
        self.authenticated: str = roles["Roles"]["authenticated"]
        self.unauthenticated: str = roles["Roles"]["unauthenticated"]
        # AWS keys a role mapping by its provider (the template's IdentityProvider).
        provider_and_client = f"{self.provider}:{web}"
        mappings = roles["RoleMappings"]
        self.mapping_keyed = ""
        if provider_and_client not in mappings:
            (key,) = mappings
            self.mapping_keyed = (
                f"(the local AWS keys the role mapping {key!r}, the template's name for it, "
                f"not {provider_and_client}, its IdentityProvider)"
            )
        self.mapping = mappings.get(provider_and_client) or next(iter(mappings.values()))
        tags = self.api.get_principal_tag_attribute_map(
            IdentityPoolId=self.id, IdentityProviderName=self.provider
        )
        self.tags: dict[str, str] = tags.get("PrincipalTags", {})

    def choose(self, claims: dict[str, Any]) -> RoleChoice:
        return role_from_token(
            claims,
            ambiguous_role_resolution=self.mapping["AmbiguousRoleResolution"],
            authenticated_role=self.authenticated,
        )


@pytest.fixture(scope="module")
def pool(local_stack: LocalStack) -> str:
    return local_stack.output("UserPoolId")


@pytest.fixture(scope="module")
def web(local_stack: LocalStack) -> str:
    return local_stack.output("WebClientId")


@pytest.fixture(scope="module")
def identities(local_stack: LocalStack, web: str) -> IdentityPool:
    return IdentityPool(local_stack, web)


def _named(stack: LocalStack, arn: str | None) -> str:
    """A role ARN by the template's logical id, which the report reads better."""
    if arn is None:
        return "none (denied)"
    name = arn.rsplit("/", 1)[-1]
    logical = {physical: logical for logical, physical in stack.deployed.resources.items()}
    return logical.get(name, name)


def _role_claims(stack: LocalStack, roles: GroupRoles) -> str:
    named = [_named(stack, r) for r in roles.roles]
    preferred = _named(stack, roles.preferred_role) if roles.preferred_role else "(absent)"
    return f"{ROLES_CLAIM} {named or '(absent)'}, {PREFERRED_ROLE_CLAIM} {preferred}"


def _group_roles_as_aws_issues_them(stack: LocalStack, pool: str, web: str) -> GroupRoles:
    """The role claims AWS would put in the editor's ID token: their groups' (the user pool's
    rule, evaluated), then whatever the deployed pre token generation function makes of them,
    invoked with the event AWS would send (ministack's has no roles in groupConfiguration)."""
    groups = stack.idp.admin_list_groups_for_user(UserPoolId=pool, Username=EDITOR)["Groups"]
    sent = token_roles(groups)
    stack.note(
        f"the groups' roles in the token, evaluated (RoleArn, Precedence): {_role_claims(stack, sent)}"
    )
    found = stack.user(pool, EDITOR)
    event = make_event(
        "TokenGeneration_Authentication", userPoolId=pool, userName=found["Username"]
    )
    event["callerContext"]["clientId"] = web
    event["request"]["userAttributes"] = found["attributes"]
    event["request"]["groupConfiguration"] = {
        "groupsToOverride": [g["GroupName"] for g in groups],
        "iamRolesToOverride": list(sent.roles),
        "preferredRole": sent.preferred_role,
    }
    reply = stack.invoke("PreTokenGenerationFunction", event)
    assert "errorMessage" not in reply, reply["errorMessage"]
    details = reply["response"].get("claimsAndScopeOverrideDetails") or {}
    override = details.get("groupOverrideDetails")
    if override is None:
        stack.note("PreTokenGenerationFunction, invoked with them: no group override")
        return sent
    kept = GroupRoles(
        tuple(override.get("iamRolesToOverride") or ()), override.get("preferredRole")
    )
    stack.note(
        f"PreTokenGenerationFunction, invoked with them, overrides: {_role_claims(stack, kept)}"
    )
    return kept


def _caller(stack: LocalStack, credentials: dict[str, Any]) -> str:
    """Whom the credentials make the caller: STS GetCallerIdentity signed with them."""
    sts = boto3.client(
        "sts",
        endpoint_url=stack.url,
        region_name=stack.aws.region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return str(sts.get_caller_identity()["Arn"])


def _role_of(caller: str) -> str:
    """The role name of an assumed-role ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)."""
    _, _, rest = caller.partition(":assumed-role/")
    assert rest, f"not an assumed role: {caller}"
    return rest.split("/", 1)[0]


def test_an_editor_joins_their_groups(local_stack: LocalStack, pool: str, web: str) -> None:
    """An editor of a tenant (ida@example.com): signed up, then made an editor"""
    with local_stack.watch() as seen:
        reply = local_stack.sign_up(web, EDITOR, PASSWORD, {"email": EDITOR, **ATTRIBUTES})
    assert reply["UserConfirmed"]
    assert seen.fired("PreSignUp_SignUp", "handled")
    for group in GROUPS:
        local_stack.idp.admin_add_user_to_group(UserPoolId=pool, Username=EDITOR, GroupName=group)
    local_stack.note(f"AdminAddUserToGroup: {', '.join(GROUPS)}")
    for group in local_stack.idp.admin_list_groups_for_user(UserPoolId=pool, Username=EDITOR)[
        "Groups"
    ]:
        role = _named(local_stack, group["RoleArn"]) if group.get("RoleArn") else "no role"
        local_stack.note(f"  {group['GroupName']}: Precedence {group.get('Precedence')}, {role}")
    assert set(local_stack.groups(pool, EDITOR)) == set(GROUPS)


def test_an_unverified_address_gets_no_group_role(
    local_stack: LocalStack, pool: str, web: str, identities: IdentityPool
) -> None:
    """Until the address is verified, pre token generation withholds the groups' roles"""
    assert local_stack.user(pool, EDITOR)["attributes"].get("email_verified") != "true"
    roles = _group_roles_as_aws_issues_them(local_stack, pool, web)
    assert roles == GroupRoles(), "no role for an unproven address"
    choice = identities.choose(roles.claims())
    local_stack.note(f"{EVALUATED}: {_named(local_stack, choice.role)} ({choice.reason})")
    assert choice.role == identities.authenticated


def test_a_verified_editors_credentials(
    local_stack: LocalStack, pool: str, web: str, identities: IdentityPool
) -> None:
    """A verified editor's ID token at the identity pool: GetId, GetCredentialsForIdentity"""
    local_stack.idp.admin_update_user_attributes(
        UserPoolId=pool,
        Username=EDITOR,
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    local_stack.note("email_verified set by an admin, as VerifyUserAttribute would")
    with local_stack.watch() as seen:
        token = local_stack.sign_in(web, EDITOR, PASSWORD)["AuthenticationResult"]["IdToken"]
    assert seen.fired("TokenGeneration_Authentication", "handled")
    claims = decode(token)
    read = {k: claims[k] for k in (*READ, *identities.tags.values()) if k in claims}
    local_stack.note(f"ID token, the claims the identity pool reads: {json.dumps(read)}")
    if not {ROLES_CLAIM, PREFERRED_ROLE_CLAIM} & set(claims):
        local_stack.note(
            f"(the local AWS puts no {ROLES_CLAIM} or {PREFERRED_ROLE_CLAIM} in ID tokens; "
            "AWS puts the groups' roles there)"
        )

    logins = {identities.provider: token}
    identity = identities.api.get_id(IdentityPoolId=identities.id, Logins=logins)["IdentityId"]
    local_stack.note(f"GetId (Logins {identities.provider}): {identity}")
    credentials = identities.api.get_credentials_for_identity(IdentityId=identity, Logins=logins)
    assert credentials["IdentityId"] == identity
    caller = _caller(local_stack, credentials["Credentials"])
    given = _role_of(caller)
    local_stack.note(f"GetCredentialsForIdentity: credentials of {caller} (GetCallerIdentity)")

    if identities.mapping_keyed:
        local_stack.note(identities.mapping_keyed)
    issued = identities.choose(claims)
    local_stack.note(
        f"{EVALUATED}, as issued: {_named(local_stack, issued.role)} ({issued.reason})"
    )
    roles = _group_roles_as_aws_issues_them(local_stack, pool, web)
    as_aws = identities.choose(
        {k: v for k, v in claims.items() if k not in (ROLES_CLAIM, PREFERRED_ROLE_CLAIM)}
        | roles.claims()
    )
    local_stack.note(
        f"{EVALUATED}, as AWS issues it: {_named(local_stack, as_aws.role)} ({as_aws.reason})"
    )
    assert as_aws.reason == PREFERRED_ROLE_CLAIM
    assert _named(local_stack, as_aws.role) == "EditorsRole"
    if as_aws.role is not None and given == as_aws.role.rsplit("/", 1)[-1]:
        local_stack.note("the local AWS applied the role mapping")
    else:
        assert given == identities.authenticated.rsplit("/", 1)[-1], caller
        local_stack.note(
            "the local AWS does not apply role mappings: it gave the authenticated role "
            f"({_named(local_stack, identities.authenticated)})"
        )

    tags = principal_tags(claims, identities.tags)
    local_stack.note(
        f"principal tags {EVALUATED}: {json.dumps(tags)} (the map: {json.dumps(identities.tags)});"
        " the local AWS stores the map but tags no session"
    )
    assert tags == {"tenant": ATTRIBUTES["custom:tenant"]}


def test_a_guest_gets_the_unauthenticated_role(
    local_stack: LocalStack, identities: IdentityPool
) -> None:
    """A guest (no sign-in) at the identity pool: the unauthenticated role"""
    identity = identities.api.get_id(IdentityPoolId=identities.id)["IdentityId"]
    local_stack.note(f"GetId without Logins: {identity}")
    credentials = identities.api.get_credentials_for_identity(IdentityId=identity)
    caller = _caller(local_stack, credentials["Credentials"])
    local_stack.note(f"GetCredentialsForIdentity: credentials of {caller}")
    assert _role_of(caller) == identities.unauthenticated.rsplit("/", 1)[-1]
    assert _named(local_stack, identities.unauthenticated) == "GuestRole"
