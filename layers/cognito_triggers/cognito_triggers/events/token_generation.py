"""Pre token generation (``TokenGeneration_*``), in its three event versions.

Cognito sends ``version`` "1" with a ``claimsOverrideDetails`` response (ID token only), and "2"
or "3" with ``claimsAndScopeOverrideDetails`` (ID and access tokens, scopes). V3 adds
machine-to-machine ``TokenGeneration_ClientCredentials`` events, which have no user. Handlers need
not care: ``add_claim`` / ``suppress_claim`` / ``add_scope`` / ``suppress_scope`` /
``override_groups`` write whichever shape the event's version takes, and refuse what that version
cannot do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

from ..errors import ResponseError
from ..rules import TokenUse, check_claim_change, check_scope
from .envelope import AttributeMap, CognitoModel, TriggerEvent, UserTriggerEvent
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
    "TokenUse",
]

Tokens = TokenUse | Literal["both"] | Iterable[TokenUse]


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


def _token_uses(token: Tokens) -> tuple[TokenUse, ...]:
    if token == "both":
        return ("id", "access")
    if token == "id" or token == "access":
        return (token,)
    # A misspelt name ("acess") is a str too: never read it letter by letter.
    uses: tuple[Any, ...] = (token,) if isinstance(token, str) else tuple(token)
    for use in uses:
        if use not in ("id", "access"):
            raise ResponseError(f"token must be 'id', 'access' or 'both', not {use!r}")
    if not uses:
        raise ResponseError("token names no token: use 'id', 'access' or 'both'")
    return uses


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
    """The version-agnostic helpers, shared by the three pre token generation events."""

    if TYPE_CHECKING:  # declared by the event models this is mixed into
        response: Any
        caller_context: Any

    def add_claim(self, name: str, value: Any, *, token: Tokens = "id") -> None:
        """Add or override a claim. ``token`` is ``"id"`` (the default, for every event),
        ``"access"`` (V2/V3 and client credentials), or ``"both"``. A change the event cannot
        carry (the access token in V1, the ID token of a client-credentials grant) raises
        :class:`~cognito_triggers.ResponseError` here.

        Example::

            event.add_claim("tenant", "acme")                       # ID token
            event.add_claim("tenant", "acme", token="both")         # V2/V3 only for "access"
        """
        for use in _token_uses(token):
            check_claim_change(name, use, value=value, client_id=self.caller_context.client_id)
            self._claims(use)[name] = value
            self._commit(use)

    def suppress_claim(self, name: str, *, token: Tokens = "id") -> None:
        """Remove a claim from the token (``"id"`` by default, as :meth:`add_claim`). A claim
        both added and suppressed is refused by the response rules (Cognito would drop the
        value silently)."""
        for use in _token_uses(token):
            check_claim_change(name, use, suppress=True)
            self._suppressed(use).append(name)
            self._commit(use)

    def add_scope(self, scope: str) -> None:
        """Add a scope to the access token (V2/V3)."""
        check_scope(scope)
        self._scopes("scopes_to_add").append(scope)

    def suppress_scope(self, scope: str) -> None:
        """Remove a scope from the access token (V2/V3)."""
        check_scope(scope)
        self._scopes("scopes_to_suppress").append(scope)

    def override_groups(
        self,
        groups: Sequence[str],
        *,
        iam_roles: Sequence[str] | None = None,
        preferred_role: str | None = None,
    ) -> None:
        """Replace ``cognito:groups`` (and roles) in both tokens. Passing no groups removes them
        all; to keep them unchanged, do not call this."""
        details = GroupOverrideDetails(groups_to_override=list(groups))
        if iam_roles is not None:
            details.iam_roles_to_override = list(iam_roles)
        if preferred_role is not None:
            details.preferred_role = preferred_role
        self._set_group_override(details)

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
                    f"pre token generation V1 takes string claim values only ({name!r} is "
                    f"{type(value).__name__}); use V2_0 or V3_0 for other types"
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


class PreTokenGenerationV1Event(_V1Customization, UserTriggerEvent):
    """Event ``version`` "1" (and anything that is not "2" or "3": cognito-local's "0", doc
    placeholders): claims of the ID token, as strings, and groups."""

    request: PreTokenGenerationV1Request
    response: PreTokenGenerationV1Response = field(default_factory=PreTokenGenerationV1Response)


class PreTokenGenerationV2Event(_V2Customization, UserTriggerEvent):
    """Event ``version`` "2" or "3" for a user: claims of both tokens, scopes, groups."""

    request: PreTokenGenerationV2Request
    response: PreTokenGenerationV2Response = field(default_factory=PreTokenGenerationV2Response)


class ClientCredentialsEvent(_V2Customization, TriggerEvent):
    """``TokenGeneration_ClientCredentials`` (V3): an app client's machine-to-machine access token.
    There is no user and no ID token; ``userName`` and the user fields may be absent. A machine
    is not a user: only handlers registered for this source (``@app.client_credentials``) get it,
    and claims go to the access token only (``token="access"``)."""

    user_name: str | None = None
    request: ClientCredentialsRequest
    response: PreTokenGenerationV2Response = field(default_factory=PreTokenGenerationV2Response)

    def _token(self, token: TokenUse) -> IdTokenGeneration | AccessTokenGeneration:
        if token == "id":
            raise ResponseError(
                "a client-credentials grant issues no ID token: pass token='access'"
            )
        return super()._token(token)

    def _set_group_override(self, details: GroupOverrideDetails) -> None:
        raise ResponseError("a client-credentials grant has no user, so no groups to override")


PreTokenGenerationEvent: TypeAlias = PreTokenGenerationV1Event | PreTokenGenerationV2Event
"""What a ``pre_token_generation`` handler receives: a user's tokens, V1 or V2/V3 by the pool's
``LambdaVersion``; both offer the same helpers. Machine tokens are :class:`ClientCredentialsEvent`,
for ``client_credentials`` handlers."""


def event_model(source: str, version: object) -> type[TriggerEvent]:
    """Pick the model by what the event is, not by its source alone (reference §4.1, §9.1)."""
    if source == "TokenGeneration_ClientCredentials":
        return ClientCredentialsEvent
    if version == "2" or version == "3":
        return PreTokenGenerationV2Event
    return PreTokenGenerationV1Event
