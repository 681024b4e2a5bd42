"""The identity pool's documented rules, branch by branch: the roles a user's groups put in the ID
token, the role a ``Type: Token`` mapping chooses from it, the principal tags from its claims."""

from __future__ import annotations

from typing import Any

import pytest

from cognito_triggers_tools.identity_pool import (
    GroupRoles,
    RoleChoice,
    principal_tags,
    role_from_token,
    token_roles,
)

ADMINS = "arn:aws:iam::123456789012:role/admins"
EDITORS = "arn:aws:iam::123456789012:role/editors"
DEFAULT = "arn:aws:iam::123456789012:role/signed-in"


def _group(name: str, role: str | None = None, precedence: int | None = None) -> dict[str, Any]:
    group: dict[str, Any] = {"GroupName": name}
    if role is not None:
        group["RoleArn"] = role
    if precedence is not None:
        group["Precedence"] = precedence
    return group


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([], GroupRoles()),
        ([_group("members", precedence=100)], GroupRoles()),
        # One role: it is the preferred one, whatever the precedences say.
        ([_group("editors", EDITORS)], GroupRoles((EDITORS,), EDITORS)),
        (
            [_group("members", precedence=1), _group("editors", EDITORS, 10)],
            GroupRoles((EDITORS,), EDITORS),
        ),
        # The best (lowest) precedence wins, listed first.
        (
            [_group("editors", EDITORS, 10), _group("admins", ADMINS, 1)],
            GroupRoles((ADMINS, EDITORS), ADMINS),
        ),
        # A null precedence ranks below every number.
        (
            [_group("admins", ADMINS), _group("editors", EDITORS, 10)],
            GroupRoles((EDITORS, ADMINS), EDITORS),
        ),
        # A tie between different roles: no preferred role.
        (
            [_group("editors", EDITORS, 5), _group("admins", ADMINS, 5)],
            GroupRoles((EDITORS, ADMINS), None),
        ),
        ([_group("editors", EDITORS), _group("admins", ADMINS)], GroupRoles((EDITORS, ADMINS))),
        # A tie between groups of the same role: that role.
        (
            [_group("a", EDITORS, 5), _group("b", EDITORS, 5), _group("c", ADMINS, 9)],
            GroupRoles((EDITORS, ADMINS), EDITORS),
        ),
    ],
)
def test_the_roles_a_users_groups_put_in_the_id_token(
    groups: list[dict[str, Any]], expected: GroupRoles
) -> None:
    assert token_roles(groups) == expected


def test_role_claims_appear_only_with_a_value() -> None:
    assert GroupRoles().claims() == {}
    assert GroupRoles((EDITORS,)).claims() == {"cognito:roles": [EDITORS]}
    assert GroupRoles((EDITORS,), EDITORS).claims() == {
        "cognito:roles": [EDITORS],
        "cognito:preferred_role": EDITORS,
    }


def _choose(claims: dict[str, Any], **options: Any) -> RoleChoice:
    options.setdefault("ambiguous_role_resolution", "AuthenticatedRole")
    return role_from_token(claims, authenticated_role=DEFAULT, **options)


BOTH = {"cognito:roles": [ADMINS, EDITORS], "cognito:preferred_role": ADMINS}


def test_a_custom_role_among_the_tokens_roles_is_taken() -> None:
    assert _choose(BOTH, custom_role_arn=EDITORS) == RoleChoice(
        EDITORS, "CustomRoleArn, one of cognito:roles"
    )


@pytest.mark.parametrize("claims", [BOTH, {}])
def test_a_custom_role_not_among_them_is_denied(claims: dict[str, Any]) -> None:
    choice = _choose(claims, custom_role_arn=DEFAULT)
    assert choice.denied
    assert choice.reason == "CustomRoleArn is not one of cognito:roles: denied"


@pytest.mark.parametrize("resolution", ["AuthenticatedRole", "Deny"])
def test_the_preferred_role_comes_before_ambiguous_role_resolution(resolution: str) -> None:
    assert _choose(BOTH, ambiguous_role_resolution=resolution) == RoleChoice(
        ADMINS, "cognito:preferred_role"
    )


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"cognito:roles": [ADMINS, EDITORS]}, "no cognito:preferred_role, 2 in cognito:roles"),
        # The guide's words: a comma-separated string.
        ({"cognito:roles": f"{ADMINS},{EDITORS}"}, "no cognito:preferred_role, 2 in cognito:roles"),
        # One role without a preferred one is still the third step's case.
        ({"cognito:roles": [EDITORS]}, "no cognito:preferred_role, 1 in cognito:roles"),
        ({}, "no cognito:preferred_role or cognito:roles: the token names no role"),
        (
            {"cognito:preferred_role": ""},
            "no cognito:preferred_role or cognito:roles: the token names no role",
        ),
    ],
)
def test_without_a_preferred_role_the_ambiguous_role_resolution_decides(
    claims: dict[str, Any], why: str
) -> None:
    assert _choose(claims) == RoleChoice(
        DEFAULT, f"{why}; AmbiguousRoleResolution AuthenticatedRole"
    )
    denied = _choose(claims, ambiguous_role_resolution="Deny")
    assert denied == RoleChoice(None, f"{why}; AmbiguousRoleResolution Deny")
    assert denied.denied


def test_an_unknown_resolution_is_refused() -> None:
    with pytest.raises(ValueError, match="'AuthenticatedRole' or 'Deny', not 'authenticated'"):
        _choose({}, ambiguous_role_resolution="authenticated")


def test_principal_tags_come_from_text_claims_present_in_the_token() -> None:
    claims = {"tenant": "acme", "role": "editor", "cognito:groups": ["editors"]}
    mapping = {"tenant": "tenant", "level": "role", "groups": "cognito:groups", "dept": "dept"}
    assert principal_tags(claims, mapping) == {"tenant": "acme", "level": "editor"}
