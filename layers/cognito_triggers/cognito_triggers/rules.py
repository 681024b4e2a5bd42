"""Cognito's rules for trigger responses, as data plus small checks.

The rules are AWS's: the Amazon Cognito Developer Guide's trigger pages and the limits of its API
reference (MessageTemplateType, AttributeType), at
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-define-auth-challenge.html
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-verify-auth-challenge-response.html
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-migrate-user.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_MessageTemplateType.html

Each check raises :class:`~cognito_triggers.ResponseError` naming the rule. Its text is logged with
the trigger context, so it names fields, limits, lengths, counts and kinds, never a value a handler
may have taken from the event: a claim name is shown only when it is one of Cognito's own
(:func:`claim_label`); a scope, an attribute's name or a key not at all. The router runs a
family's check (named in its record, ``families``) on every handled event before it returns, so a
response Cognito would reject, or silently ignore, fails in the developer's tests instead of in a
user's sign-in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from .errors import ResponseError
from .sources import did_you_mean

if TYPE_CHECKING:
    from .events.envelope import TriggerEvent

TokenUse = Literal["id", "access"]

# Claims no pre token generation response may add, override or suppress, in any token (the pre
# token generation page's "Claims and scopes reference": cognito:username, sub, iss, exp...).
PROTECTED_CLAIMS = frozenset(
    {
        "sub", "identities", "aud", "client_id", "event_id", "device_key", "version", "acr",
        "amr", "at_hash", "auth_time", "azp", "exp", "iat", "iss", "jti", "nbf", "nonce",
        "origin_jti", "token_use", "scope",
    }
)  # fmt: skip
# Protected in the access token only (the ID token carries ``cognito:username`` instead).
PROTECTED_ACCESS_CLAIMS = frozenset({"username"})
# The ``cognito:`` claims a response may touch, and only through the group override.
GROUP_CLAIMS = frozenset({"cognito:groups", "cognito:roles", "cognito:preferred_role"})
# ID-token claims whose value must stay a plain value, never an object or array (the pre token
# generation page: complex values are not allowed for these four).
SIMPLE_ID_CLAIMS = frozenset({"email_verified", "phone_number_verified", "updated_at", "address"})
# The names a message may show: Cognito's own, which a rule refuses or treats apart. Any other
# name may have been built from the event (an attribute, a group), so it is only described.
NAMED_CLAIMS = (
    PROTECTED_CLAIMS
    | PROTECTED_ACCESS_CLAIMS
    | GROUP_CLAIMS
    | SIMPLE_ID_CLAIMS
    | frozenset({"cognito:username"})
)

# Any attribute value, in any response that sets attributes (API reference, AttributeType.Value:
# "Maximum length of 2048"). Every limit here is a length as ``cognito_length`` counts it.
ATTRIBUTE_VALUE_MAX = 2048
# Deeper than this a claim value is taken for a cycle: no token needs it.
CLAIM_DEPTH_MAX = 64

SMS_MESSAGE_MAX = 140
EMAIL_MESSAGE_MAX = 20_000
EMAIL_SUBJECT_MAX = 140
MESSAGE_MIN = 6

FINAL_USER_STATUSES = frozenset({"CONFIRMED", "RESET_REQUIRED"})
MESSAGE_ACTIONS = frozenset({"SUPPRESS"})
DELIVERY_MEDIUMS = frozenset({"EMAIL", "SMS"})


def cognito_length(text: str) -> int:
    """The length of ``text`` as Cognito most likely measures it, in UTF-16 code units: Cognito
    is a Java service, and Java's ``String.length()`` counts those (our reading; AWS documents
    only "length"). A character outside the BMP, such as an emoji, counts 2; ``len`` counts 1."""
    if text.isascii():  # the common case, without encoding
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def claim_label(name: str) -> str:
    """``name`` for a message: ``the claim 'sub'`` for one of Cognito's own names, else what it
    is without what it says (``a claim with a 12-character name``)."""
    if name in NAMED_CLAIMS:
        return f"the claim {name!r}"
    for prefix in ("cognito:", "dev:"):
        if name.startswith(prefix):
            return f"a {prefix!r} claim"
    return f"a claim with a {cognito_length(name)}-character name"


def check_claim_change(
    name: str,
    token: TokenUse,
    *,
    suppress: bool = False,
    value: Any = None,
    client_id: str | None = None,
) -> None:
    """Refuse a claim Cognito does not let a trigger add, override or suppress."""
    if name == "aud" and token == "access" and not suppress:
        if client_id is None or value != client_id:
            raise ResponseError(
                "'aud' can be added to the access token only with the app client id as its value"
            )
        return
    if name in PROTECTED_CLAIMS or (token == "access" and name in PROTECTED_ACCESS_CLAIMS):
        raise _refused(claim_label(name), token, suppress)
    if name.startswith("cognito:"):
        if suppress and name == "cognito:groups":
            return
        hint = (
            " (use override_groups, or suppress 'cognito:groups' to drop groups and roles)"
            if name in GROUP_CLAIMS
            else ""
        )
        raise _refused(claim_label(name), token, suppress, hint)
    if name.startswith("dev:") and not suppress:
        raise ResponseError("'dev:' attributes can be suppressed but not added")
    if not name:
        raise ResponseError("a claim name cannot be empty")
    if not suppress:
        check_json_value(name, value)
    if (
        not suppress
        and token == "id"
        and name in SIMPLE_ID_CLAIMS
        and isinstance(value, dict | list | tuple)
    ):
        raise ResponseError(
            f"in the ID token, {claim_label(name)} cannot take an object or array value"
        )


def check_json_value(name: str, value: Any) -> None:
    """Refuse a claim value that is not JSON: a string, a finite number, a boolean, ``None``, or
    lists and objects (string keys) of those. Anything else (NaN, a set, bytes, a datetime) would
    break the response after the rules had passed it."""
    problem = _not_json(value, 0)
    if problem:
        raise ResponseError(
            f"{_capital(claim_label(name))} must have a JSON value (a string, a finite number, "
            f"a boolean, None, or lists and objects of them), not {problem}"
        )


def _not_json(value: Any, depth: int) -> str | None:
    # What is wrong, named by type (never by value: it may be a secret); None when all is JSON.
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "a number that is not finite"
    if depth >= CLAIM_DEPTH_MAX:
        return f"a value nested more than {CLAIM_DEPTH_MAX} deep (or a cycle)"
    if isinstance(value, list | tuple):
        return next(filter(None, (_not_json(item, depth + 1) for item in value)), None)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = (
                f"an object with a {type(key).__name__} key"
                if not isinstance(key, str)
                else _not_json(item, depth + 1)
            )
            if problem:
                return problem
        return None
    return f"a {type(value).__name__}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _refused(claim: str, token: TokenUse, suppress: bool, hint: str = "") -> ResponseError:
    what = "suppress" if suppress else "add or override"
    return ResponseError(
        f"Cognito does not let a trigger {what} {claim} in the {token} token{hint}"
    )


def check_scope(scope: str) -> None:
    """Scopes are single tokens: Cognito refuses an empty one or one containing white space."""
    if not scope:
        raise ResponseError("a scope cannot be empty")
    if any(ch.isspace() for ch in scope):
        raise ResponseError(
            f"a scope cannot contain white space (one of {cognito_length(scope)} characters "
            "does): add or suppress one scope per call"
        )


def _check_claims(
    token: TokenUse, claims: dict[str, Any] | None, suppressed: Iterable[str] | None, client: Any
) -> None:
    for name, value in (claims or {}).items():
        check_claim_change(name, token, value=value, client_id=client)
    for name in suppressed or ():
        check_claim_change(name, token, suppress=True, client_id=client)
    # Cognito drops a claim both added and suppressed, silently (suppress wins): say so instead.
    both = set(claims or {}) & set(suppressed or ())
    if both:
        raise ResponseError(
            f"{len(both)} of the {token} token's claims are both added and suppressed; Cognito "
            "would suppress them and ignore the values: do one or the other"
        )


def check_pre_token_generation(event: Any, changed: dict[str, Any]) -> None:
    client = event.caller_context.client_id
    response = event.response
    # Only what changed is looked at; the other version's field does not exist on this response.
    v1 = response.claims_override_details if "claimsOverrideDetails" in changed else None
    if v1 is not None:
        claims = v1.claims_to_add_or_override or {}
        for name, value in claims.items():
            if not isinstance(value, str):
                raise ResponseError(
                    f"pre token generation V1 takes string claim values only ({claim_label(name)} "
                    f"has a {type(value).__name__}); configure LambdaVersion V2_0 or V3_0 for "
                    "other types"
                )
        _check_claims("id", claims, v1.claims_to_suppress, client)
    v2 = (
        response.claims_and_scope_override_details
        if "claimsAndScopeOverrideDetails" in changed
        else None
    )
    if v2 is not None:
        if v2.id_token_generation is not None:
            ident = v2.id_token_generation
            _check_claims("id", ident.claims_to_add_or_override, ident.claims_to_suppress, client)
        if v2.access_token_generation is not None:
            access = v2.access_token_generation
            _check_claims(
                "access", access.claims_to_add_or_override, access.claims_to_suppress, client
            )
            for scope in [*(access.scopes_to_add or ()), *(access.scopes_to_suppress or ())]:
                check_scope(scope)
        if event.trigger_source == "TokenGeneration_ClientCredentials" and (
            v2.id_token_generation is not None or v2.group_override_details is not None
        ):
            raise ResponseError(
                "a client-credentials grant has no ID token and no groups: only "
                "accessTokenGeneration applies to TokenGeneration_ClientCredentials"
            )


def _check_length(field: str, text: str | None, minimum: int, maximum: int) -> None:
    length = None if text is None else cognito_length(text)
    if length is not None and not minimum <= length <= maximum:
        raise ResponseError(
            f"{field} must be {minimum} to {maximum} characters long, not {length} (UTF-16 "
            "code units, as Cognito counts: an emoji is 2)"
        )


def check_custom_message(event: Any, changed: dict[str, Any]) -> None:
    request = event.request
    _check_length("emailSubject", changed.get("emailSubject"), 1, EMAIL_SUBJECT_MAX)
    # Named by the request field that holds each: the placeholder's text is the event's.
    placeholders = [("code_parameter", request.code_parameter)]
    if event.trigger_source == "CustomMessage_AdminCreateUser" and request.username_parameter:
        placeholders.append(("username_parameter", request.username_parameter))
    for field, maximum in (("smsMessage", SMS_MESSAGE_MAX), ("emailMessage", EMAIL_MESSAGE_MAX)):
        text = changed.get(field)
        if text is None:
            continue
        _check_length(field, text, MESSAGE_MIN, maximum)
        for parameter, placeholder in placeholders:
            if placeholder not in text:
                raise ResponseError(
                    f"{field} must contain the placeholder in event.request.{parameter}"
                )


def _check_attributes(field: str, attributes: dict[str, str] | None) -> None:
    # The attribute by its place, not its name: names can come from the event (an IdP's).
    for place, value in enumerate((attributes or {}).values(), start=1):
        length = cognito_length(value)
        if length > ATTRIBUTE_VALUE_MAX:
            raise ResponseError(
                f"the value of attribute {place} of {len(attributes or {})} in {field} is "
                f"{length} characters long, in UTF-16 code units as Cognito counts (an emoji is "
                f"2); Cognito takes at most {ATTRIBUTE_VALUE_MAX} in an attribute value"
            )


def check_user_migration(event: Any, changed: dict[str, Any]) -> None:
    response = event.response
    if not response.user_attributes:
        raise ResponseError("a migrated user needs response.userAttributes")
    _check_attributes("userAttributes", response.user_attributes)
    if response.final_user_status is not None and (
        response.final_user_status not in FINAL_USER_STATUSES
    ):
        raise ResponseError(f"finalUserStatus must be one of {sorted(FINAL_USER_STATUSES)}")
    if response.message_action is not None and response.message_action not in MESSAGE_ACTIONS:
        raise ResponseError(f"messageAction must be one of {sorted(MESSAGE_ACTIONS)}")
    for medium in response.desired_delivery_mediums or ():
        if medium not in DELIVERY_MEDIUMS:
            raise ResponseError(f"desiredDeliveryMediums takes only {sorted(DELIVERY_MEDIUMS)}")


def check_inbound_federation(event: Any, changed: dict[str, Any]) -> None:
    _check_attributes("userAttributesToMap", event.response.user_attributes_to_map)


# What DefineAuthChallenge may name as the next challenge (AWS docs, Define auth challenge
# Lambda trigger: challengeName).
CHALLENGE_NAMES = frozenset(
    {
        "CUSTOM_CHALLENGE", "SRP_A", "PASSWORD_VERIFIER", "SMS_MFA", "EMAIL_OTP",
        "SOFTWARE_TOKEN_MFA", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH",
        "NEW_PASSWORD_REQUIRED",
    }
)  # fmt: skip


def check_define_auth_challenge(event: Any, changed: dict[str, Any]) -> None:
    response = event.response
    if response.issue_tokens and response.fail_authentication:
        raise ResponseError("DefineAuthChallenge cannot both issue tokens and fail authentication")
    # Tokens end the sign-in; a next challenge continues it: Cognito would act on one only.
    if response.issue_tokens and response.challenge_name:
        raise ResponseError(
            "DefineAuthChallenge cannot both issue tokens and name a next challenge: leave "
            "challenge_name None when issue_tokens is True"
        )
    name = changed.get("challengeName")
    if name is not None and name not in CHALLENGE_NAMES:
        hint = did_you_mean(str(name), CHALLENGE_NAMES)  # Cognito's name, not the value
        raise ResponseError(
            f"challengeName is not one of Cognito's challenges{'; ' + hint if hint else ''}"
        )


PRE_SIGN_UP_FLAGS = ("autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone")


def require_define_decision(event: Any) -> None:
    """DefineAuthChallenge's response is the next step of the sign-in (AWS docs, Define auth
    challenge Lambda trigger, response parameters: issue tokens, end the authentication, or name
    the next challenge). One that names none leaves Cognito nothing to do: refused, so it fails
    loudly instead of as whatever Cognito makes of nulls."""
    response = event.response
    if not (response.issue_tokens or response.fail_authentication or response.challenge_name):
        raise ResponseError(
            "DefineAuthChallenge must decide the next step: set issue_tokens=True, "
            "fail_authentication=True, or challenge_name to the next challenge"
        )


def require_verify_answer(event: Any) -> None:
    """VerifyAuthChallengeResponse's one answer is a boolean (AWS docs, Verify auth challenge
    response Lambda trigger: answerCorrect is true or false); null is no answer."""
    if event.response.answer_correct is None:
        raise ResponseError("VerifyAuthChallengeResponse must set answer_correct to True or False")


def check_pre_sign_up(event: Any, changed: dict[str, Any]) -> None:
    # AdminCreateUser makes the user itself: Cognito ignores all three flags for it (AWS docs, Pre
    # sign-up Lambda trigger, response parameters). False, or left alone, is what Cognito does.
    if event.trigger_source == "PreSignUp_AdminCreateUser":
        ignored = [flag for flag in PRE_SIGN_UP_FLAGS if changed.get(flag) is True]
        if ignored:
            raise ResponseError(
                f"Cognito ignores {', '.join(ignored)} for PreSignUp_AdminCreateUser: set them for "
                "the other sources only (check event.trigger_source, or register the handler "
                "with sources=[...])"
            )
    # Marking an attribute verified that the user does not have fails the sign-up (AWS docs, Pre
    # sign-up Lambda trigger: autoVerifyEmail / autoVerifyPhone).
    attributes = event.request.user_attributes
    for flag, attribute in (("autoVerifyEmail", "email"), ("autoVerifyPhone", "phone_number")):
        if changed.get(flag) is True and not attributes.get(attribute):
            raise ResponseError(
                f"{flag} needs the user's {attribute!r} attribute, which this sign-up does not "
                "have: Cognito would fail the sign-up"
            )


def check_known_keys(event: TriggerEvent, changed: dict[str, Any]) -> None:
    """Refuse a key no model declares that a handler added at any depth of the response
    (``changed``, from :meth:`TriggerEvent.response_changes`): Cognito would ignore it, as it
    would a misspelt field at the top, which assignment already refuses. Every family's."""
    unknown = event.response_unknown_keys(changed)
    if unknown:
        # Where each key is and what it may have meant, never the key: it may hold data.
        places = []
        for where, key, known in unknown:
            hint = did_you_mean(key, known)
            places.append(
                f"{'in ' + where if where else 'at the top'}{', ' + hint if hint else ''}"
            )
        raise ResponseError(
            f"the response has {len(unknown)} key(s) Cognito does not know ({'; '.join(places)}): "
            "check the spelling; the typed fields take snake_case or Cognito's camelCase names"
        )
