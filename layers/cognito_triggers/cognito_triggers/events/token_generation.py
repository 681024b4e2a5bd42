"""Pre token generation (``TokenGeneration_*``), in its three event versions.

Cognito sends ``version`` "1" with a ``claimsOverrideDetails`` response (ID token only), and "2"
or "3" with ``claimsAndScopeOverrideDetails`` (ID and access tokens, scopes). V3 adds
machine-to-machine ``TokenGeneration_ClientCredentials`` events, which have no user. Handlers need
not care: ``add_claim`` / ``suppress_claim`` / ``add_scope`` / ``suppress_scope`` /
``override_groups`` write whichever shape the event's version takes, and refuse what that version
cannot do. A machine's event has only what a machine's token can carry: ``token="access"`` (its
default) and no ``override_groups``, so a checker flags the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, TypeVar

from ..errors import ResponseError
from ..rules import TokenUse, check_claim_change, check_scope, claim_label
from ..sources import did_you_mean
from .envelope import AttributeMap, CallerContext, CognitoModel, TriggerEvent, UserTriggerEvent
from .model import field

__all__ = [
    "AccessTokenGeneration",
    "ClaimsAndScopeOverrideDetails",
    "ClaimsOverrideDetails",
    "ClientCredentialsEvent",
    "ClientCredentialsRequest",
    "GroupConfiguration",
    "GroupOverrideDetails",
    "IdTokenGeneration",
    "PreTokenGenerationEvent",
    "PreTokenGenerationV1Event",
    "PreTokenGenerationV1Request",
    "PreTokenGenerationV1Response",
    "PreTokenGenerationV2Event",
    "PreTokenGenerationV2Request",
    "PreTokenGenerationV2Response",
    "SequenceNotStr",
    "TokenUse",
]

Tokens = TokenUse | Literal["both"] | Iterable[TokenUse]

_Item = TypeVar("_Item", covariant=True)


class SequenceNotStr(Protocol[_Item]):
    """A list, a tuple or any ``Sequence``, but not a ``str``, which is a ``Sequence[str]`` of
    its letters: ``override_groups("admins")`` would make six one-letter groups."""

    # Why it excludes str: str.__contains__ takes only a str, and this takes any object. More
    # honest than list[str] | tuple[str, ...] (which also refuses a user's Sequence[str]); the
    # run time refuses a str too, for code no checker read.
    def __contains__(self, value: object, /) -> bool: ...
    def __getitem__(self, index: int, /) -> _Item: ...
    def __iter__(self) -> Iterator[_Item]: ...
    def __len__(self) -> int: ...


class GroupConfiguration(CognitoModel):
    """The user's groups as Cognito would put them in the token (``{}`` from cognito-local)."""

    groups_to_override: list[str] = field(default_factory=list)
    iam_roles_to_override: list[str] = field(default_factory=list)
    preferred_role: str | None = None
    """The role of the highest-precedence group; ``null`` when there is none."""


class GroupOverrideDetails(CognitoModel):
    """Replaces the groups wholesale in both tokens: an empty one removes every group."""

    groups_to_override: list[str] | None = None
    iam_roles_to_override: list[str] | None = None
    preferred_role: str | None = None


class ClaimsOverrideDetails(CognitoModel):
    """The V1 response: ID-token claims (strings only) and the group override."""

    claims_to_add_or_override: dict[str, Any] | None = None
    """V1 takes strings only; the response rules refuse anything else with a clear message."""
    claims_to_suppress: list[str] | None = None
    group_override_details: GroupOverrideDetails | None = None


class IdTokenGeneration(CognitoModel):
    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None


class AccessTokenGeneration(CognitoModel):
    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None
    scopes_to_add: list[str] | None = None
    scopes_to_suppress: list[str] | None = None


class ClaimsAndScopeOverrideDetails(CognitoModel):
    """The V2/V3 response: claims of any JSON type in either token, scopes, the group override."""

    id_token_generation: IdTokenGeneration | None = None
    access_token_generation: AccessTokenGeneration | None = None
    group_override_details: GroupOverrideDetails | None = None


class PreTokenGenerationV1Request(CognitoModel):
    user_attributes: AttributeMap
    group_configuration: GroupConfiguration | None = None
    client_metadata: AttributeMap | None = None


class PreTokenGenerationV2Request(PreTokenGenerationV1Request):
    scopes: list[str] | None = None
    """The scopes of the access token (``aws.cognito.signin.user.admin`` for API sign-ins)."""


class ClientCredentialsRequest(CognitoModel):
    """What AWS documents for machine-to-machine events; the user fields are not promised."""

    scopes: list[str] | None = None
    client_metadata: AttributeMap | None = None
    """From the ``aws_client_metadata`` form field of ``/oauth2/token``, or ``GetClientToken``."""
    user_attributes: AttributeMap | None = None
    group_configuration: GroupConfiguration | None = None


class PreTokenGenerationV1Response(CognitoModel):
    claims_override_details: ClaimsOverrideDetails | None = None


class PreTokenGenerationV2Response(CognitoModel):
    claims_and_scope_override_details: ClaimsAndScopeOverrideDetails | None = None


def _names(value: object, what: str, names: str, keyword: str = "") -> list[str]:
    """``value`` as a list of str, or the TypeError a type checker would have given: a str is
    read letter by letter ("admins" would be six groups), so it is refused, naming the fix."""
    if isinstance(value, str):
        # The fix by its shape: the str itself may be a group or role from the event.
        raise TypeError(f"{what} takes a list of {names}, not a str: write {keyword}[...]")
    if not isinstance(value, Iterable):
        raise TypeError(f"{what} takes a list of {names} ([] for none), not {type(value).__name__}")
    listed = list(value)
    for item in listed:
        if not isinstance(item, str):
            raise TypeError(f"{what} takes {names} as str, not {type(item).__name__}")
    return listed


def _scope(helper: str, scope: object) -> str:
    # One scope per call: a list would be written as one nested item, which no rule reads.
    if not isinstance(scope, str):
        raise TypeError(
            f"{helper} takes one scope, a str, not {type(scope).__name__}: call it once for "
            "each scope"
        )
    check_scope(scope)
    return scope


def _token_uses(token: Tokens) -> tuple[TokenUse, ...]:
    if token == "both":
        return ("id", "access")
    if token == "id" or token == "access":
        return (token,)
    # A misspelt name ("acess") is a str too: never read it letter by letter.
    uses: tuple[Any, ...] = (token,) if isinstance(token, str) else tuple(token)
    for use in uses:
        if use not in ("id", "access"):
            raise ResponseError(f"token must be 'id', 'access' or 'both'{_token_hint(use)}")
    if not uses:
        raise ResponseError("token names no token: use 'id', 'access' or 'both'")
    return uses


def _token_hint(use: object) -> str:
    # The token name it resembles, never the value itself.
    if not isinstance(use, str):
        return f", not a {type(use).__name__}"
    hint = did_you_mean(use, ("id", "access", "both"))
    return f"; {hint}" if hint else ""


_Part = TypeVar("_Part")


def _filled(owner: CognitoModel, name: str, empty: Callable[[], _Part]) -> _Part:
    """``owner.name``, first set to a new empty container if it is ``None``: the helpers build
    only the parts of a response they write to (``model_construct``: an empty part is valid)."""
    value: _Part | None = getattr(owner, name)
    if value is None:
        value = empty()
        owner._put(name, value)
    return value


class _TokenCustomization:
    """What every pre token generation event can do (scopes), the claim writers the public
    helpers share, and the hooks each version fills in."""

    if TYPE_CHECKING:  # declared by the event models this is mixed into; as a base listed
        # first, these declarations are what a type checker sees on every pre token event, so
        # they carry the real type wherever one type fits all versions
        response: Any
        caller_context: CallerContext

    def add_scope(self, scope: str) -> None:
        """Add a scope to the access token (V2/V3)."""
        self._scopes("scopes_to_add").append(_scope("add_scope", scope))

    def suppress_scope(self, scope: str) -> None:
        """Remove a scope from the access token (V2/V3)."""
        self._scopes("scopes_to_suppress").append(_scope("suppress_scope", scope))

    def _add_claim(self, name: str, value: Any, token: Tokens) -> None:
        for use in _token_uses(token):
            check_claim_change(name, use, value=value, client_id=self.caller_context.client_id)
            self._claims(use)[name] = value
            self._commit(use)

    def _suppress_claim(self, name: str, token: Tokens) -> None:
        for use in _token_uses(token):
            check_claim_change(name, use, suppress=True)
            self._suppressed(use).append(name)
            self._commit(use)

    # Each version fills these in.
    def _claims(self, token: TokenUse) -> dict[str, Any]:
        raise NotImplementedError

    def _suppressed(self, token: TokenUse) -> list[str]:
        raise NotImplementedError

    def _scopes(self, kind: Literal["scopes_to_add", "scopes_to_suppress"]) -> list[str]:
        raise NotImplementedError

    def _set_group_override(self, details: GroupOverrideDetails) -> None:
        raise NotImplementedError

    def _commit(self, token: TokenUse) -> None:
        """Hand edited containers back through validation (claim values are type-checked)."""


class _UserTokens(_TokenCustomization):
    """The helpers of a user's tokens (V1, V2, V3): the ID token, the access token from V2 on,
    and the user's groups."""

    def add_claim(self, name: str, value: Any, *, token: Tokens = "id") -> None:
        """Add or override a claim. ``token`` is ``"id"`` (the default), ``"access"`` (V2/V3)
        or ``"both"``. A change the event cannot carry (the access token in V1) raises
        :class:`~cognito_triggers.ResponseError` here.

        Example::

            event.add_claim("tenant", "acme")                       # ID token
            event.add_claim("tenant", "acme", token="both")         # V2/V3 only for "access"
        """
        self._add_claim(name, value, token)

    def suppress_claim(self, name: str, *, token: Tokens = "id") -> None:
        """Remove a claim from the token (``"id"`` by default, as :meth:`add_claim`). A claim
        both added and suppressed is refused by the response rules (Cognito would drop the
        value silently)."""
        self._suppress_claim(name, token)

    def override_groups(
        self,
        groups: SequenceNotStr[str],
        *,
        iam_roles: SequenceNotStr[str] | None = None,
        preferred_role: str | None = None,
    ) -> None:
        """Replace ``cognito:groups`` (and roles) in both tokens: a list of group names, and of
        IAM role ARNs (``override_groups(["admins"])``, never ``"admins"``). Passing no groups
        (``[]``) removes them all; to keep them unchanged, do not call this."""
        listed = _names(groups, "override_groups", "group names")
        details = GroupOverrideDetails(groups_to_override=listed)
        if iam_roles is not None:
            details.iam_roles_to_override = _names(
                iam_roles, "iam_roles", "role ARNs", "iam_roles="
            )
        if preferred_role is not None:
            if not isinstance(preferred_role, str):
                raise TypeError(
                    f"preferred_role takes one role ARN, a str, not {type(preferred_role).__name__}"
                )
            details.preferred_role = preferred_role
        self._set_group_override(details)


class _V1Customization(_TokenCustomization):
    if TYPE_CHECKING:
        response: PreTokenGenerationV1Response

    def _details(self) -> ClaimsOverrideDetails:
        return _filled(
            self.response, "claims_override_details", ClaimsOverrideDetails.model_construct
        )

    @staticmethod
    def _id_only(token: TokenUse, what: str) -> None:
        if token != "id":
            raise ResponseError(
                f"pre token generation V1 can only {what} the ID token; configure "
                "PreTokenGenerationConfig LambdaVersion V2_0 or V3_0 to change the access token"
            )

    def _claims(self, token: TokenUse) -> dict[str, Any]:
        self._id_only(token, "add claims to")
        return _filled(self._details(), "claims_to_add_or_override", dict)

    def _commit(self, token: TokenUse) -> None:
        details = self._details()
        for name, value in (details.claims_to_add_or_override or {}).items():
            if not isinstance(value, str):
                raise ResponseError(
                    f"pre token generation V1 takes string claim values only ({claim_label(name)} "
                    f"has a {type(value).__name__}); use V2_0 or V3_0 for other types"
                )

    def _suppressed(self, token: TokenUse) -> list[str]:
        self._id_only(token, "suppress claims in")
        return _filled(self._details(), "claims_to_suppress", list)

    def _scopes(self, kind: Literal["scopes_to_add", "scopes_to_suppress"]) -> list[str]:
        raise ResponseError(
            "pre token generation V1 cannot change scopes; configure LambdaVersion V2_0 or V3_0"
        )

    def _set_group_override(self, details: GroupOverrideDetails) -> None:
        self._details().group_override_details = details


class _V2Customization(_TokenCustomization):
    if TYPE_CHECKING:
        response: PreTokenGenerationV2Response

    def _details(self) -> ClaimsAndScopeOverrideDetails:
        return _filled(
            self.response,
            "claims_and_scope_override_details",
            ClaimsAndScopeOverrideDetails.model_construct,
        )

    def _token(self, token: TokenUse) -> IdTokenGeneration | AccessTokenGeneration:
        if token == "id":
            return _filled(
                self._details(), "id_token_generation", IdTokenGeneration.model_construct
            )
        return self._access()

    def _access(self) -> AccessTokenGeneration:
        return _filled(
            self._details(), "access_token_generation", AccessTokenGeneration.model_construct
        )

    def _claims(self, token: TokenUse) -> dict[str, Any]:
        return _filled(self._token(token), "claims_to_add_or_override", dict)

    def _suppressed(self, token: TokenUse) -> list[str]:
        return _filled(self._token(token), "claims_to_suppress", list)

    def _scopes(self, kind: Literal["scopes_to_add", "scopes_to_suppress"]) -> list[str]:
        return _filled(self._access(), kind, list)

    def _set_group_override(self, details: GroupOverrideDetails) -> None:
        self._details().group_override_details = details


class PreTokenGenerationV1Event(_UserTokens, _V1Customization, UserTriggerEvent):
    """Event ``version`` "1" (and anything that is not "2" or "3": cognito-local's "0", doc
    placeholders): claims of the ID token, as strings, and groups."""

    request: PreTokenGenerationV1Request
    response: PreTokenGenerationV1Response = field(default_factory=PreTokenGenerationV1Response)


class PreTokenGenerationV2Event(_UserTokens, _V2Customization, UserTriggerEvent):
    """Event ``version`` "2" or "3" for a user: claims of both tokens, scopes, groups."""

    request: PreTokenGenerationV2Request
    response: PreTokenGenerationV2Response = field(default_factory=PreTokenGenerationV2Response)


class ClientCredentialsEvent(_V2Customization, TriggerEvent):
    """``TokenGeneration_ClientCredentials`` (V3): an app client's machine-to-machine access token.
    There is no user and no ID token; ``userName`` and the user fields may be absent. A machine
    is not a user: only handlers registered for this source (``@app.client_credentials``) get it,
    claims go to the access token, the only token it has, and there are no groups."""

    user_name: str | None = None
    request: ClientCredentialsRequest
    response: PreTokenGenerationV2Response = field(default_factory=PreTokenGenerationV2Response)

    # ``token`` takes "access" alone, so "id" or "both" is a type error: a client-credentials
    # grant issues an access token only (AWS docs, Pre token generation Lambda trigger: V3_0
    # customizes "access tokens ... for machine-to-machine (M2M) client-credentials grants").
    # The only honest default is that one token; the user events' helpers default to "id".
    def add_claim(self, name: str, value: Any, *, token: Literal["access"] = "access") -> None:
        """Add or override a claim of the machine's access token.

        Example::

            event.add_claim("department", "support")
        """
        self._add_claim(name, value, token)

    def suppress_claim(self, name: str, *, token: Literal["access"] = "access") -> None:
        """Remove a claim from the machine's access token."""
        self._suppress_claim(name, token)

    if not TYPE_CHECKING:  # a type error for checkers (no such helper); explained at run time

        def override_groups(self, *args: Any, **keywords: Any) -> None:
            raise ResponseError("a client-credentials grant has no user, so no groups to override")

    def _token(self, token: TokenUse) -> IdTokenGeneration | AccessTokenGeneration:
        # For code no checker read: token="id" or "both".
        if token == "id":
            raise ResponseError(
                "a client-credentials grant issues no ID token: pass token='access' (the default)"
            )
        return super()._token(token)


PreTokenGenerationEvent: TypeAlias = PreTokenGenerationV1Event | PreTokenGenerationV2Event
"""What a ``pre_token_generation`` handler receives: a user's tokens, V1 or V2/V3 by the pool's
``LambdaVersion``; both offer the same helpers. Machine tokens are :class:`ClientCredentialsEvent`,
for ``client_credentials`` handlers."""


def event_model(source: str, version: object) -> type[TriggerEvent]:
    """Pick the model by what the event is, not by its source alone: a pool's LambdaVersion sets
    the event's ``version``, "1" with the V1 response, "2" or "3" with the V2 one, whatever the
    source (AWS docs, Pre token generation Lambda trigger: "A LambdaVersion value of V3_0
    produces the same event as V2_0"); a machine's token has its own model."""
    if source == "TokenGeneration_ClientCredentials":
        return ClientCredentialsEvent
    if version == "2" or version == "3":
        return PreTokenGenerationV2Event
    return PreTokenGenerationV1Event
