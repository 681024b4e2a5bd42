"""What every Cognito trigger event shares: the envelope, attribute maps, and the round trip.

Lenient in: fields are typed as Cognito and its emulators really send them (nulls and absences
included) and unknown keys are kept. Faithful out: :meth:`TriggerEvent.to_dict` gives back the
received event, byte for byte once serialised, with only what the handler changed in ``response``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic_core import core_schema as cs

from ..sources import TriggerSource
from .model import CognitoModel, UnknownKey, WithSchema, changes_from, unknown_keys

__all__ = [
    "AttributeMap",
    "CallerContext",
    "CognitoModel",
    "EmptyResponse",
    "TriggerEvent",
    "UserTriggerEvent",
]


def _scalar_as_string(value: Any) -> str:
    # JSON true/false are written the way Cognito writes them in real events: "true"/"false".
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int or type(value) is float:
        return repr(value)
    raise ValueError("not a string")  # reported as string_type, the union's error below


# Strings pass in pydantic-core alone; only a non-string value costs a Python call.
_ATTRIBUTE_VALUE = cs.union_schema(
    [cs.str_schema(), cs.no_info_plain_validator_function(_scalar_as_string)],
    mode="left_to_right",
    custom_error_type="string_type",
)
AttributeMap = Annotated[
    dict[str, str], WithSchema(cs.dict_schema(cs.str_schema(), _ATTRIBUTE_VALUE))
]
"""A Cognito string-to-string map (``userAttributes``, ``clientMetadata``, ``validationData``...).

Several real and published events put JSON booleans or numbers in these maps; the typed view shows
them as the strings Cognito means (``"true"``), while :meth:`TriggerEvent.to_dict` returns them as
they came.
"""


def _json_copy(value: Any) -> Any:
    # Events are JSON: dicts, lists and immutable scalars; this beats deepcopy several times over.
    if type(value) is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_json_copy(item) for item in value]
    return value


class EmptyResponse(CognitoModel):
    """A response Cognito does not read (PostConfirmation, Pre/PostAuthentication, senders)."""


class CallerContext(CognitoModel):
    """Who called Cognito. ``clientId`` is ``CLIENT_ID_NOT_APPLICABLE`` for admin-created users."""

    aws_sdk_version: str | None = None
    client_id: str | None = None


class TriggerEvent(CognitoModel):
    """The envelope of every trigger event. Subclasses add ``request`` and ``response``.

    ``version`` is the event-schema version as a string: ``"1"`` for most triggers, ``"2"``/``"3"``
    for pre token generation V2/V3, ``"0"`` from cognito-local and placeholders in AWS samples.
    """

    # ``userName`` is what the user typed at times (migration, unknown users): an e-mail
    # address, a phone number, or a password typed into the wrong box.
    _hidden_fields: ClassVar[frozenset[str]] = frozenset({"user_name"})

    version: str
    trigger_source: str
    region: str
    user_pool_id: str
    caller_context: CallerContext

    # The received dict, which ``to_dict`` gives back, and a copy of its ``response``, which
    # ``response_changes`` compares with. A copy, because validated values typed ``Any`` (claim
    # values) and unknown keys are the received objects themselves: an edit in place would
    # change both sides and pass unseen, and unchecked.
    __slots__ = ("_received", "_received_response")

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Self:
        """Validate a received event and remember it, so :meth:`to_dict` can give it back
        faithfully. :func:`~cognito_triggers.parse_event` picks the class and calls this."""
        parsed = cls.model_validate(event)
        object.__setattr__(parsed, "_received", event)
        response = event.get("response")
        object.__setattr__(
            parsed, "_received_response", _json_copy(response) if type(response) is dict else {}
        )
        return parsed

    def response_changes(self) -> dict[str, Any]:
        """The top-level ``response`` keys whose value now differs from what was received."""
        response: CognitoModel = getattr(self, "response")  # noqa: B009 - declared by subclasses
        return changes_from(response, getattr(self, "_received_response", {}))

    def response_unknown_keys(self, changes: dict[str, Any]) -> list[UnknownKey]:
        """Keys in ``response``, at any depth, that no model declares and Cognito did not send
        (Cognito would ignore them: the response rules refuse them), each with the path of the
        model holding it and that model's keys. Only the ``changes`` (from
        :meth:`response_changes`) are looked into."""
        response: CognitoModel = getattr(self, "response")  # noqa: B009 - declared by subclasses
        return unknown_keys(type(response), changes, getattr(self, "_received_response", {}))

    def to_dict(self, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """The event to hand back to Cognito: as received, with only ``response`` changes applied.

        Keys nobody set never appear, and received values are never retyped, so an event no one
        touched comes back equal to the input. ``changes`` passes on a :meth:`response_changes`
        already computed.
        """
        received: dict[str, Any] | None = getattr(self, "_received", None)
        if received is None:  # not from ``from_event``: built in Python or by model_validate
            return self.model_dump(exclude_unset=True)
        if changes is None:
            changes = self.response_changes()
        if not changes:
            return dict(received)
        response = received.get("response")
        merged = dict(response) if isinstance(response, dict) else {}
        merged.update(changes)
        return {**received, "response": merged}

    @property
    def source(self) -> TriggerSource | str:
        """The :class:`~cognito_triggers.TriggerSource`, or the raw string for a source newer
        than this package."""
        try:
            return TriggerSource(self.trigger_source)
        except ValueError:
            return self.trigger_source


class UserTriggerEvent(TriggerEvent):
    """An event about a user: ``userName`` is the username (the ``sub`` UUID in pools that sign in
    with email or phone, ``<Provider>_<id>`` for federated users), never the alias."""

    user_name: str
