"""What an identity pool reads in a user pool's ID token, evaluated by AWS's documented rules: the
roles a user's groups put in the token, the role a ``Type: Token`` role mapping then chooses,
and the principal tags a claim mapping gives the session.

These are evaluations, for tests and reports where the real identity pool is not at hand (a local
AWS stores role mappings and principal tags but does not apply them): they say what AWS documents,
and a caller must name them as such. Nothing here calls AWS.

The rules, in AWS's words (Amazon Cognito Developer Guide, "Role-based access control", "Using
tokens to assign roles to users"; the user pool API's ``CreateGroup`` ``Precedence``):

- A user pool puts the role ARNs of the user's groups in ``cognito:roles``, and in
  ``cognito:preferred_role`` the role of the group with the best (lowest) ``Precedence``; when
  there is only one role, that one; when groups tie for the best precedence with different roles,
  no preferred role. A null precedence ranks below every number.
- An identity pool with a ``Token`` role mapping takes the ``CustomRoleArn`` of
  ``GetCredentialsForIdentity`` if it is one of ``cognito:roles`` (and denies if it is not), else
  ``cognito:preferred_role``, else applies the mapping's ``AmbiguousRoleResolution``: the pool's
  authenticated role, or ``Deny``. That setting is also "the default behavior when the correct
  role cannot be determined from the token" (the guide's best practices): a token with no role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AmbiguousRoleResolution",
    "GroupRoles",
    "RoleChoice",
    "principal_tags",
    "role_from_token",
    "token_roles",
]

AmbiguousRoleResolution = Literal["AuthenticatedRole", "Deny"]

ROLES_CLAIM = "cognito:roles"
PREFERRED_ROLE_CLAIM = "cognito:preferred_role"


@dataclass(frozen=True)
class GroupRoles:
    """The role claims of an ID token: ``cognito:roles`` and ``cognito:preferred_role``."""

    roles: tuple[str, ...] = ()
    preferred_role: str | None = None

    def claims(self) -> dict[str, Any]:
        """The claims as the ID token carries them: none that has no value."""
        claims: dict[str, Any] = {}
        if self.roles:
            claims[ROLES_CLAIM] = list(self.roles)
        if self.preferred_role is not None:
            claims[PREFERRED_ROLE_CLAIM] = self.preferred_role
        return claims


@dataclass(frozen=True)
class RoleChoice:
    """The role an identity pool gives, or ``None`` when it denies, and the rule that decided."""

    role: str | None
    reason: str

    @property
    def denied(self) -> bool:
        return self.role is None


def token_roles(groups: Iterable[Mapping[str, Any]]) -> GroupRoles:
    """The role claims a user pool puts in the ID token of a member of ``groups``: the group
    records as the user pool API gives them (``AdminListGroupsForUser``: ``RoleArn`` and
    ``Precedence``, either absent). Groups without a role name none."""
    with_roles = [g for g in groups if g.get("RoleArn")]
    # Best precedence first; a null precedence ranks below every number.
    with_roles.sort(key=lambda g: (g.get("Precedence") is None, g.get("Precedence") or 0))
    roles = tuple(dict.fromkeys(str(g["RoleArn"]) for g in with_roles))
    if len(roles) <= 1:
        return GroupRoles(roles, roles[0] if roles else None)
    best = with_roles[0].get("Precedence")
    tied = {str(g["RoleArn"]) for g in with_roles if g.get("Precedence") == best}
    return GroupRoles(roles, tied.pop() if len(tied) == 1 else None)


def _roles_of(claims: Mapping[str, Any]) -> list[str]:
    # The guide calls cognito:roles a comma-separated string; ID tokens carry a JSON array.
    value = claims.get(ROLES_CLAIM)
    if isinstance(value, str):
        return [role.strip() for role in value.split(",") if role.strip()]
    if isinstance(value, list):
        return [str(role) for role in value]
    return []


def role_from_token(
    claims: Mapping[str, Any],
    *,
    ambiguous_role_resolution: AmbiguousRoleResolution,
    authenticated_role: str,
    custom_role_arn: str | None = None,
) -> RoleChoice:
    """The role a ``Type: Token`` role mapping chooses from an ID token's ``claims``.

    ``ambiguous_role_resolution`` and ``authenticated_role`` are the identity pool's (the role
    mapping's ``AmbiguousRoleResolution``, the pool's ``authenticated`` role);
    ``custom_role_arn`` is what the caller passed to ``GetCredentialsForIdentity``, if anything.

    Example::

        choice = role_from_token(
            claims, ambiguous_role_resolution="AuthenticatedRole", authenticated_role=default_arn
        )
        assert choice.role == editors_arn, choice.reason
    """
    if ambiguous_role_resolution not in ("AuthenticatedRole", "Deny"):
        raise ValueError(
            f"ambiguous_role_resolution is 'AuthenticatedRole' or 'Deny', not "
            f"{ambiguous_role_resolution!r}"
        )
    roles = _roles_of(claims)
    if custom_role_arn is not None:
        if custom_role_arn in roles:
            return RoleChoice(custom_role_arn, f"CustomRoleArn, one of {ROLES_CLAIM}")
        return RoleChoice(None, f"CustomRoleArn is not one of {ROLES_CLAIM}: denied")
    preferred = claims.get(PREFERRED_ROLE_CLAIM)
    if isinstance(preferred, str) and preferred:
        return RoleChoice(preferred, PREFERRED_ROLE_CLAIM)
    if roles:
        why = f"no {PREFERRED_ROLE_CLAIM}, {len(roles)} in {ROLES_CLAIM}"
    else:
        why = f"no {PREFERRED_ROLE_CLAIM} or {ROLES_CLAIM}: the token names no role"
    if ambiguous_role_resolution == "Deny":
        return RoleChoice(None, f"{why}; AmbiguousRoleResolution Deny")
    return RoleChoice(authenticated_role, f"{why}; AmbiguousRoleResolution AuthenticatedRole")


def principal_tags(claims: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, str]:
    """The session tags an identity pool's principal tag map (``PrincipalTags``: tag key ->
    claim name) gives from ``claims``. A claim the token lacks gives no tag, and then a policy's
    ``${aws:PrincipalTag/<key>}`` matches nothing. Session tags are text: a claim that is not
    text is left out here rather than guessed at."""
    return {
        tag: value for tag, claim in tags.items() if isinstance(value := claims.get(claim), str)
    }
