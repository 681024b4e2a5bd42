"""Pre token generation (V3): tenant and role claims for users, per-client claims for machines.

Users get ``tenant`` (from ``custom:tenant``) and ``role`` (from their highest group, and only once
their e-mail address is verified: until then ``guest``) in both tokens (the ID token only, for a
V1 event). Until then their groups' IAM roles are withheld too (``cognito:roles``,
``cognito:preferred_role``), so the identity pool gives them its default authenticated role.
Users marked ``custom:blocked`` get no tokens at all, on a refresh too.
Machine-to-machine tokens (``TokenGeneration_ClientCredentials``) get the claims configured for
their app client in the SSM parameter named by ``CLIENT_CLAIMS_PARAMETER``, a JSON object
``{"<client id>": {"department": "<text>", "groups": ["<group>", ...]}}`` (both keys optional).
A client missing from it, or a table that is not of this shape, gets no token at all: the same
as when SSM cannot be read. A claim never comes from a value of the wrong type.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from accounts import SUSPENDED, is_blocked
from cognito_triggers import (
    ClientCredentialsEvent,
    Deny,
    Metrics,
    PreTokenGenerationEvent,
    PreTokenGenerationV1Event,
    TriggerRouter,
    aws,
)
from cognito_triggers.rules import TokenUse

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_ssm import SSMClient

# Group -> role, highest first: a user's role is that of their highest group.
ROLES = (("admins", "admin"), ("editors", "editor"), ("members", "member"))
CLIENT_CLAIMS_MAX_AGE = 300  # seconds a warm function keeps the client table

logger = logging.getLogger(__name__)
metrics = Metrics()
app = TriggerRouter(logger=logger, metrics=metrics)


def verified(attributes: Mapping[str, str]) -> bool:
    # An address confirmed without a code (the trusted domain) is not proven until the user
    # verifies it: no role from groups before that.
    return attributes.get("email_verified", "").strip().lower() == "true"


def role_of(groups: list[str], attributes: Mapping[str, str]) -> str:
    if not verified(attributes):
        return "guest"
    for group, role in ROLES:
        if group in groups:
            return role
    return "guest"


@app.pre_token_generation
def user_claims(event: PreTokenGenerationEvent) -> None:
    # Users only: machine tokens never reach a pre_token_generation handler (client_claims below).
    attributes = event.request.user_attributes
    if is_blocked(attributes):  # PreAuthentication does not run on a refresh; this does
        metrics.add_metric(name="BlockedTokens", unit="Count", value=1)
        raise Deny(SUSPENDED)
    groups = event.request.group_configuration
    role = role_of(groups.groups_to_override if groups else [], attributes)
    if (
        groups
        and (groups.iam_roles_to_override or groups.preferred_role)
        and not verified(attributes)
    ):
        # No IAM role from groups either (the identity pool reads cognito:roles and
        # cognito:preferred_role). The override replaces all three claims: same groups, no roles.
        event.override_groups(groups.groups_to_override, iam_roles=[])
    # V1 events can only change the ID token; V2/V3 change both.
    tokens: TokenUse | Literal["both"] = "both"
    if isinstance(event, PreTokenGenerationV1Event):
        tokens = "id"
    tenant = attributes.get("custom:tenant")
    if tenant:
        event.add_claim("tenant", tenant, token=tokens)
    event.add_claim("role", role, token=tokens)


@aws.lazy_client
def ssm() -> SSMClient:
    import boto3  # the runtime's, loaded on the first call

    return boto3.client("ssm", config=aws.client_config())


NO_TOKEN = "This client gets no token"  # what the machine sees; the log says why


class ClientClaims(NamedTuple):
    """One client's entry of the table: ``None`` where the table sets no such claim."""

    department: str | None = None
    groups: list[str] | None = None


class ClientTableError(ValueError):
    """The client table cannot be used; the message says what is wrong, never a value."""


def parse_client_table(text: str) -> dict[str, ClientClaims]:
    """The table in the parameter's JSON text, checked: a str ``department`` and a list of str
    ``groups`` (a str would become one claim per letter, ``null`` the text "None")."""
    try:
        table = json.loads(text)
    except ValueError:
        raise ClientTableError("the client table is not JSON") from None
    if not isinstance(table, dict):
        raise ClientTableError(f"the client table is a JSON {_kind(table)}, not an object")
    parsed: dict[str, ClientClaims] = {}
    for client_id, entry in table.items():
        where = f"client table entry {client_id!r}"
        if not isinstance(entry, dict):
            raise ClientTableError(f"{where} is a JSON {_kind(entry)}, not an object")
        unknown = sorted(set(entry) - set(ClientClaims._fields))
        if unknown:
            raise ClientTableError(f"{where}: unknown key {unknown[0]!r} (department, groups)")
        department, groups = entry.get("department"), entry.get("groups")
        if "department" in entry and not isinstance(department, str):
            raise ClientTableError(f"{where}: department is a JSON {_kind(department)}, not text")
        if "groups" in entry and not (
            isinstance(groups, list) and all(isinstance(g, str) for g in groups)
        ):
            raise ClientTableError(f"{where}: groups is not a list of text")
        parsed[client_id] = ClientClaims(department, groups)
    return parsed


def _kind(value: object) -> str:
    """A JSON value's type in JSON's words, for messages that must not quote the value."""
    if value is None:
        return "null"
    names = {bool: "boolean", str: "string", list: "array", dict: "object"}
    return names.get(type(value), "number")


# Parameter name -> (when read, the table). boto3 directly rather than Powertools' parameters
# utility, whose imports would cost a machine's cold start about a third more than boto3 alone.
_client_tables: dict[str, tuple[float, dict[str, ClientClaims]]] = {}


def client_table() -> dict[str, ClientClaims]:
    """The client table, read again once it is ``CLIENT_CLAIMS_MAX_AGE`` seconds old. A table
    that cannot be used is not kept: the next token reads the fixed one."""
    name = os.environ.get("CLIENT_CLAIMS_PARAMETER", "")
    if not name:
        raise ClientTableError("CLIENT_CLAIMS_PARAMETER (the client table's SSM name) is not set")
    now = time.monotonic()
    cached = _client_tables.get(name)
    if cached is None or now - cached[0] >= CLIENT_CLAIMS_MAX_AGE:
        text = ssm().get_parameter(Name=name)["Parameter"].get("Value", "")
        cached = _client_tables[name] = (now, parse_client_table(text))
    return cached[1]


@app.client_credentials
def client_claims(event: ClientCredentialsEvent) -> None:
    client_id = event.caller_context.client_id or ""
    try:
        claims = client_table().get(client_id)
    except ClientTableError as error:
        metrics.add_metric(name="InvalidClientTable", unit="Count", value=1)
        logger.error("no machine token: %s", error)  # the cause is said: no traceback
        raise Deny(NO_TOKEN) from None
    if claims is None:
        metrics.add_metric(name="UnknownMachineClient", unit="Count", value=1)
        logger.warning(
            "no machine token: the client table has no entry for this client",
            extra={"client_id": client_id},
        )
        raise Deny(NO_TOKEN)
    if claims.department is not None:
        event.add_claim("department", claims.department)
    if claims.groups is not None:
        event.add_claim("groups", claims.groups)
    metrics.add_metric(name="MachineToken", unit="Count", value=1)


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.lambda_handler(event, context)
